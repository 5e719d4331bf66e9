// Kannel (Debian's bearerbox and smsbox) for the peer bench: its configuration as a pure function
// of ports and the SMSC account, and the two processes started from a temp folder, on loopback.
// docs/peer-bench.md says why each setting is what it is.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface KannelPorts {
  /** bearerbox's HTTP admin interface (status.xml). */
  admin: number;
  /** bearerbox's port for smsbox. */
  smsbox: number;
  /** smsbox's HTTP sendsms interface. */
  sendsms: number;
}

export interface KannelSettings {
  dir: string;
  ports: KannelPorts;
  smsc: { host: string; port: number; systemId: string; password: string; binds: number; window: number };
  /** Admin and status password; everything listens on loopback only. */
  adminPassword: string;
  sendsmsUser: { username: string; password: string };
  /** Settings added or replaced per group name ("core", "smsc", "smsbox", "sendsms-user"): --kannel-set. */
  overrides?: Record<string, Record<string, string>>;
}

/** The smsc-id both binds share: one route, bearerbox balances between its connections. */
export const KANNEL_SMSC_ID = 'sim';

/** kannel.conf for bearerbox and smsbox (they read the same file). */
export function kannelConfig(s: KannelSettings): string {
  const value = (v: string | number | boolean) => (typeof v === 'string' && !/^(-?\d+|true|false)$/.test(v) ? JSON.stringify(v) : String(v));
  const group = (name: string, fields: Record<string, string | number | boolean>) =>
    [`group = ${name}`, ...Object.entries({ ...fields, ...s.overrides?.[name] }).map(([k, v]) => `${k} = ${value(v)}`)].join('\n');
  const core = group('core', {
    'admin-port': s.ports.admin,
    'admin-interface': '127.0.0.1',
    'admin-password': s.adminPassword,
    'status-password': s.adminPassword,
    'admin-allow-ip': '127.0.0.1',
    'smsbox-port': s.ports.smsbox,
    'smsbox-interface': '127.0.0.1',
    'box-allow-ip': '127.0.0.1',
    // Errors only: levels 0-1 write a line (with the text) per message. No access-log either.
    'log-file': join(s.dir, 'bearerbox.log'),
    'log-level': 3,
    // Receipts are matched in memory; no store-type: the queue is not written to disk (smsgw's is
    // Kafka, which the bench does not turn off, so this favours Kannel).
    'dlr-storage': 'internal',
    // Messages and receipts bearerbox may hand smsbox before it acknowledges them (default 100):
    // receipts wait for their dlr-url call. 100, 1000 and 10000 measured the same here.
    'smsbox-max-pending': 1000,
    // A temporary submit error (window full, throttled) is retried after 1 s, not 60 (none expected).
    'sms-resend-freq': 1,
    'sms-resend-retry': -1,
  });
  const smsc = Array.from({ length: s.smsc.binds }, () =>
    group('smsc', {
      smsc: 'smpp',
      'smsc-id': KANNEL_SMSC_ID,
      host: s.smsc.host,
      port: s.smsc.port,
      'transceiver-mode': true,
      'smsc-username': s.smsc.systemId,
      'smsc-password': s.smsc.password,
      'system-type': '',
      'interface-version': 34,
      // The window: unanswered submit_sm per bind (default 10).
      'max-pending-submits': s.smsc.window,
      'enquire-link-interval': 30,
      'reconnect-delay': 1,
      // No throughput: no rate cap (the simulator has none either).
    }),
  );
  const smsbox = group('smsbox', {
    'bearerbox-host': '127.0.0.1',
    'bearerbox-port': s.ports.smsbox,
    'sendsms-port': s.ports.sendsms,
    'sendsms-interface': '127.0.0.1',
    'log-file': join(s.dir, 'smsbox.log'),
    'log-level': 3,
    // HTTP calls (dlr-url) under way at once (default 512).
    'max-pending-requests': 4096,
    // A dlr-url call that fails is not retried: the bench counts what arrives.
    'http-request-retry': 0,
  });
  const user = group('sendsms-user', {
    username: s.sendsmsUser.username,
    password: s.sendsmsUser.password,
    'user-allow-ip': '127.0.0.1',
    // One SMS per message: the texts are one segment, nothing is split.
    'max-messages': 1,
  });
  return [core, ...smsc, smsbox, user].join('\n\n') + '\n';
}

export interface SmscStatus {
  id: string;
  status: string;
  sent: number;
  failed: number;
  queued: number;
}

/** The smsc entries of bearerbox's status.xml (a flat format; no XML library needed). */
export function parseSmscStatus(xml: string): SmscStatus[] {
  const body = xml.split('<smscs>')[1] ?? '';
  return [...body.matchAll(/<smsc>([\s\S]*?)<\/smsc>/g)].map(([, s]) => {
    const tag = (text: string, name: string) => text.match(new RegExp(`<${name}>([^<]*)</${name}>`))?.[1] ?? '';
    const sms = s.match(/<sms>([\s\S]*?)<\/sms>/)?.[1] ?? '';
    return { id: tag(s, 'id'), status: tag(s, 'status'), sent: Number(tag(sms, 'sent') || 0), failed: Number(tag(s, 'failed') || 0), queued: Number(tag(s, 'queued') || 0) };
  });
}

export interface Kannel {
  version: string;
  pids: { bearerbox: number; smsbox: number };
  sendsmsUrl: string;
  /** Receipts bearerbox could not match to a sent message since the mark (it logs each as an error). */
  unmatchedReceiptsSince(mark: number): number;
  logMark(): number;
  /**
   * Empties the internal receipt store: suspend, flush-dlr, resume. Resolves to the entries that
   * were in it (between rounds: only messages whose receipt was dropped, which never leave by themselves).
   */
  emptyReceiptStore(): Promise<number>;
  stop(): Promise<void>;
}

const UNMATCHED_RECEIPT = /got DLR but could not find message/g;

/**
 * Writes kannel.conf into settings.dir, starts bearerbox then smsbox (stderr quiet: -v 4) and
 * resolves once every bind is online and smsbox is connected. Rejects (after stopping both) otherwise.
 */
export async function startKannel(settings: KannelSettings, bins: { bearerbox: string; smsbox: string }, timeoutMs = 30_000): Promise<Kannel> {
  const conf = join(settings.dir, 'kannel.conf');
  writeFileSync(conf, kannelConfig(settings));
  const children: ChildProcess[] = [];
  const start = (bin: string, name: string) => {
    const out = openSync(join(settings.dir, `${name}.out`), 'a');
    const child = spawn(bin, ['-v', '4', conf], { cwd: settings.dir, stdio: ['ignore', out, out] });
    closeSync(out);
    children.push(child);
    return child;
  };
  const stop = () => Promise.all(children.map((c) => stopChild(c))).then(() => undefined);
  const adminUrl = (command: string) => `http://127.0.0.1:${settings.ports.admin}/${command}?password=${encodeURIComponent(settings.adminPassword)}`;
  const statusUrl = adminUrl('status.xml');
  const admin = async (command: string) => {
    const res = await fetch(adminUrl(command));
    const text = await res.text();
    if (!res.ok) throw new Error(`Kannel admin ${command}: ${res.status} ${text.trim()}`);
    return text;
  };
  const receiptsStored = async () => Number((await admin('status.xml')).match(/<dlr>[\s\S]*?<queued>(\d+)<\/queued>/)?.[1] ?? 0);
  const emptyReceiptStore = async () => {
    const stored = await receiptsStored();
    if (!stored) return 0;
    await admin('suspend'); // flush-dlr does nothing unless bearerbox is suspended
    try {
      await admin('flush-dlr');
    } finally {
      await admin('resume');
    }
    const left = await receiptsStored();
    if (left) throw new Error(`Kannel: flush-dlr left ${left} of ${stored} receipt entries`);
    return stored;
  };
  let version = 'unknown';
  try {
    const bearerbox = start(bins.bearerbox, 'bearerbox');
    await waitFor('bearerbox admin', bearerbox, settings.dir, timeoutMs, async () => {
      const res = await fetch(statusUrl);
      version = (await res.text()).match(/version `([^']+)'/)?.[1] ?? version;
      return res.ok;
    });
    const smsbox = start(bins.smsbox, 'smsbox');
    await waitFor(`${settings.smsc.binds} binds online and smsbox connected`, bearerbox, settings.dir, timeoutMs, async () => {
      if (smsbox.exitCode !== null) throw new Error(`smsbox exited with code ${smsbox.exitCode}; see ${join(settings.dir, 'smsbox.log')}`);
      const xml = await (await fetch(statusUrl)).text();
      const online = parseSmscStatus(xml).filter((s) => s.status.startsWith('online')).length;
      return online === settings.smsc.binds && /<type>smsbox<\/type>[\s\S]*?<status>on-line/.test(xml);
    });
    const log = join(settings.dir, 'bearerbox.log');
    return {
      version,
      pids: { bearerbox: bearerbox.pid ?? 0, smsbox: smsbox.pid ?? 0 },
      sendsmsUrl: `http://127.0.0.1:${settings.ports.sendsms}/cgi-bin/sendsms`,
      logMark: () => (existsSync(log) ? statSync(log).size : 0),
      unmatchedReceiptsSince: (mark) => (existsSync(log) ? (readFileSync(log).subarray(mark).toString('latin1').match(UNMATCHED_RECEIPT)?.length ?? 0) : 0),
      emptyReceiptStore,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function waitFor(what: string, bearerbox: ChildProcess, dir: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (bearerbox.exitCode !== null) throw new Error(`bearerbox exited with code ${bearerbox.exitCode}; see ${join(dir, 'bearerbox.log')} and bearerbox.out`);
    try {
      if (await check()) return;
    } catch (err) {
      last = ` (${(err as Error).message})`;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Kannel: no ${what} after ${timeoutMs / 1000} s${last}; see ${dir}`);
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => (clearTimeout(kill), resolve()));
    child.kill('SIGTERM');
  });
}
