// The simulator's behaviour: accounts, limits, delays, receipt outcomes, id formats and faults.
// Written as YAML/JSON (see apps/smsc-simulator/simulator.example.yaml), overridden by env vars and
// flags, or passed to startSimulator() as an object of the same shape. Every field is optional.
import { CommandStatus, commandStatusOfName } from '@smsgw/smpp/util-wire';
import { FINAL_STATS, INTERMEDIATE_STATS, type FinalStat, type IntermediateStat } from '../receipts/receipt-text';
import { MESSAGE_ID_FORMATS, type MessageIdFormat, type ReceiptIdRendering } from '../ids/message-id';
import { NO_DELAY, parseDelay, type Delay } from './delay';

export interface SimulatorAccount {
  systemId: string;
  password: string;
  /** Concurrent binds allowed for this system_id; above it a bind gets ESME_RBINDFAIL. */
  maxBinds: number;
  /** submit_sm + data_sm per second across this system_id's binds; 0 = no cap. */
  tps: number;
  /** Token bucket size for the cap. */
  tpsBurst: number;
}

export interface StatusFault {
  /** Destination address prefix, as submitted (e.g. "4477", "+4477"). */
  prefix: string;
  /** command_status answered instead of 0. */
  status: number;
  /** Share of matching submits that get the status (1 = all). */
  ratio: number;
}

export interface Faults {
  /** Close each connection when it receives its Nth request (unanswered); 0 = off. */
  dropAfterPdus: number;
  /** Connections to drop before the fault disarms itself; 0 = every connection. */
  dropTimes: number;
  /** Read everything, answer nothing, send nothing: an SMSC that stopped. */
  hang: boolean;
  statusByPrefix: StatusFault[];
  /** A carrier that degrades: a share of its receipts turn to a failure stat, and all of them come later. */
  receipts: ReceiptFault | undefined;
}

export interface ReceiptFault {
  /** Only this account's submits (system_id); "" = every account. */
  systemId: string;
  /** Share of final receipts (that would have been DELIVRD) turned to `stat`. */
  ratio: number;
  stat: Exclude<FinalStat, 'DELIVRD'>;
  /** Added to each of the account's final receipts' delay. */
  delay: Delay;
}

export interface ReceiptSettings {
  /** From the submit_sm_resp to the final receipt. */
  delay: Delay;
  /** Weights of the final stats. */
  outcomes: Record<FinalStat, number>;
  /** Sent in this order, right after the submit_sm_resp, before the final receipt. */
  intermediate: IntermediateStat[];
  /** The receipt's err: field per stat (three digits). */
  errorCodes: Record<FinalStat, string>;
  /**
   * Add the receipted_message_id (the submit_sm_resp id) and message_state TLVs (SMPP 3.4+) to the
   * text. Off: only the text carries the id and stat, in the receipt id format.
   */
  tlvs: boolean;
}

export interface DeliverSettings {
  /** Unacknowledged deliver_sm (receipts, MO) per receiver/transceiver bind. */
  window: number;
  /** No deliver_sm_resp within this time: the deliver_sm is sent again. */
  timeoutMs: number;
  /** A deliver_sm_resp with an error status: sent again after this delay. */
  retryMs: number;
}

export interface SimulatorConfig {
  accounts: SimulatorAccount[];
  /** submit_sm awaiting their response per bind (only grows with a response delay); above: ESME_RMSGQFUL. 0 = unlimited. */
  window: number;
  responseDelay: Delay;
  receipts: ReceiptSettings;
  ids: { format: MessageIdFormat; receiptFormat: ReceiptIdRendering };
  deliver: DeliverSettings;
  /** Segment fingerprints remembered per generation for duplicate counting (two generations kept). */
  duplicateWindow: number;
  /** Seed for outcome and delay picks; unset = Math.random. */
  seed?: number;
  faults: Faults;
}

export const DEFAULT_ACCOUNT = { systemId: 'smsgw', password: 'secret' } as const;
export const DEFAULT_MAX_BINDS = 10;

export const NO_FAULTS: Faults = Object.freeze({ dropAfterPdus: 0, dropTimes: 0, hang: false, statusByPrefix: [] as StatusFault[], receipts: undefined }) as Faults;

export function defaultConfig(): SimulatorConfig {
  return {
    accounts: [{ ...DEFAULT_ACCOUNT, maxBinds: DEFAULT_MAX_BINDS, tps: 0, tpsBurst: 0 }],
    window: 0,
    responseDelay: NO_DELAY,
    receipts: {
      delay: NO_DELAY,
      outcomes: { DELIVRD: 1, UNDELIV: 0, EXPIRED: 0, REJECTD: 0 },
      intermediate: [],
      errorCodes: { DELIVRD: '000', UNDELIV: '001', EXPIRED: '000', REJECTD: '002' },
      tlvs: true,
    },
    ids: { format: 'decimal', receiptFormat: 'same' },
    deliver: { window: 1000, timeoutMs: 30_000, retryMs: 1_000 },
    duplicateWindow: 4_000_000,
    faults: { ...NO_FAULTS, statusByPrefix: [] },
  };
}

export class SimulatorConfigError extends Error {
  readonly code = 'SIMULATOR.CONFIG_INVALID';
  constructor(readonly problems: string[]) {
    super(`invalid simulator configuration: ${problems.join('; ')}`);
  }
}

/**
 * Validates a config object as read from a file (or given to startSimulator) and fills defaults.
 * Every problem is reported at once, with its path; unknown keys are problems too (typos).
 */
export function normalizeConfig(input: unknown): SimulatorConfig {
  const problems: string[] = [];
  const cfg = defaultConfig();
  const root = asObject(input ?? {}, '', problems);
  if (!root) throw new SimulatorConfigError(problems);
  const r = new Reader(root, '', problems);
  r.only(['accounts', 'maxBinds', 'tps', 'tpsBurst', 'window', 'responseDelay', 'receipts', 'ids', 'deliver', 'duplicateWindow', 'seed', 'faults']);

  const maxBinds = r.int('maxBinds', DEFAULT_MAX_BINDS, 1);
  const tps = r.int('tps', 0, 0);
  const tpsBurst = r.int('tpsBurst', 0, 0);
  cfg.window = r.int('window', cfg.window, 0);
  cfg.responseDelay = r.delay('responseDelay', cfg.responseDelay);
  cfg.duplicateWindow = r.int('duplicateWindow', cfg.duplicateWindow, 1, 1 << 24);
  cfg.seed = r.optionalInt('seed');

  const accounts = root['accounts'];
  if (accounts === undefined) {
    cfg.accounts = [{ ...DEFAULT_ACCOUNT, maxBinds, tps, tpsBurst }];
  } else if (!Array.isArray(accounts) || accounts.length === 0) {
    problems.push('accounts: expected a non-empty list of {systemId, password}');
  } else {
    cfg.accounts = accounts.map((a, i) => {
      const o = asObject(a, `accounts[${i}]`, problems) ?? {};
      const ar = new Reader(o, `accounts[${i}].`, problems);
      ar.only(['systemId', 'password', 'maxBinds', 'tps', 'tpsBurst']);
      const systemId = ar.string('systemId', '', 16);
      if (o['systemId'] === undefined || o['systemId'] === '') problems.push(`accounts[${i}].systemId: required`);
      return { systemId, password: ar.string('password', '', 9), maxBinds: ar.int('maxBinds', maxBinds, 1), tps: ar.int('tps', tps, 0), tpsBurst: ar.int('tpsBurst', tpsBurst, 0) };
    });
    const ids = cfg.accounts.map((a) => a.systemId);
    const dup = ids.find((id, i) => ids.indexOf(id) !== i);
    if (dup) problems.push(`accounts: systemId "${dup}" appears twice`);
  }

  const receipts = r.object('receipts');
  if (receipts) {
    const rr = new Reader(receipts, 'receipts.', problems);
    rr.only(['delay', 'outcomes', 'intermediate', 'errorCodes', 'tlvs']);
    cfg.receipts.delay = rr.delay('delay', cfg.receipts.delay);
    cfg.receipts.tlvs = rr.bool('tlvs', cfg.receipts.tlvs);
    const outcomes = rr.object('outcomes');
    if (outcomes) cfg.receipts.outcomes = readOutcomes(outcomes, 'receipts.outcomes', problems);
    const inter = receipts['intermediate'];
    if (inter !== undefined) cfg.receipts.intermediate = readIntermediate(inter, 'receipts.intermediate', problems);
    const codes = rr.object('errorCodes');
    if (codes) {
      const cr = new Reader(codes, 'receipts.errorCodes.', problems);
      cr.only([...FINAL_STATS]);
      for (const stat of FINAL_STATS) {
        const v = codes[stat];
        if (v === undefined) continue;
        const s = typeof v === 'number' ? String(v).padStart(3, '0') : v;
        if (typeof s !== 'string' || !/^\d{3}$/.test(s)) problems.push(`receipts.errorCodes.${stat}: expected three digits, got ${JSON.stringify(v)}`);
        else cfg.receipts.errorCodes[stat] = s;
      }
    }
  }

  const ids = r.object('ids');
  if (ids) {
    const ir = new Reader(ids, 'ids.', problems);
    ir.only(['format', 'receiptFormat']);
    cfg.ids.format = ir.oneOf('format', MESSAGE_ID_FORMATS, cfg.ids.format);
    cfg.ids.receiptFormat = ir.oneOf('receiptFormat', ['same', ...MESSAGE_ID_FORMATS] as const, cfg.ids.receiptFormat);
  }

  const deliver = r.object('deliver');
  if (deliver) {
    const dr = new Reader(deliver, 'deliver.', problems);
    dr.only(['window', 'timeoutMs', 'retryMs']);
    cfg.deliver = { window: dr.int('window', cfg.deliver.window, 1), timeoutMs: dr.int('timeoutMs', cfg.deliver.timeoutMs, 100), retryMs: dr.int('retryMs', cfg.deliver.retryMs, 0) };
  }

  if (root['faults'] !== undefined) cfg.faults = readFaults(root['faults'], 'faults', problems);

  if (problems.length) throw new SimulatorConfigError(problems);
  return cfg;
}

/** Validates a fault set (the body of POST /faults); omitted fields are off. */
export function normalizeFaults(input: unknown): Faults {
  const problems: string[] = [];
  const faults = readFaults(input ?? {}, 'faults', problems);
  if (problems.length) throw new SimulatorConfigError(problems);
  return faults;
}

function readFaults(input: unknown, path: string, problems: string[]): Faults {
  const o = asObject(input, path, problems);
  if (!o) return { ...NO_FAULTS, statusByPrefix: [] };
  const r = new Reader(o, path + '.', problems);
  r.only(['dropAfterPdus', 'dropTimes', 'hang', 'statusByPrefix', 'receipts']);
  const list = o['statusByPrefix'] ?? [];
  const statusByPrefix: StatusFault[] = [];
  if (!Array.isArray(list)) problems.push(`${path}.statusByPrefix: expected a list of {prefix, status}`);
  else
    list.forEach((item, i) => {
      const p = `${path}.statusByPrefix[${i}]`;
      const f = asObject(item, p, problems);
      if (!f) return;
      const fr = new Reader(f, p + '.', problems);
      fr.only(['prefix', 'status', 'ratio']);
      const prefix = fr.string('prefix', '', 21);
      const status = readStatus(f['status'], `${p}.status`, problems);
      const ratio = fr.number('ratio', 1, 0, 1);
      if (status === CommandStatus.ESME_ROK) problems.push(`${p}.status: must be an error status, not 0`);
      statusByPrefix.push({ prefix, status, ratio });
    });
  return { dropAfterPdus: r.int('dropAfterPdus', 0, 0), dropTimes: r.int('dropTimes', 0, 0), hang: r.bool('hang', false), statusByPrefix, receipts: readReceiptFault(o['receipts'], `${path}.receipts`, problems) };
}

function readReceiptFault(input: unknown, path: string, problems: string[]): ReceiptFault | undefined {
  if (input === undefined || input === null) return undefined;
  const o = asObject(input, path, problems);
  if (!o) return undefined;
  const r = new Reader(o, path + '.', problems);
  r.only(['systemId', 'ratio', 'stat', 'delay']);
  const stat = String(o['stat'] ?? 'UNDELIV').toUpperCase();
  if (!(FINAL_STATS as readonly string[]).includes(stat) || stat === 'DELIVRD') problems.push(`${path}.stat: expected UNDELIV, EXPIRED or REJECTD, got ${JSON.stringify(o['stat'])}`);
  const delay = o['delay'] === undefined ? NO_DELAY : parseDelay(o['delay']);
  if (typeof delay === 'string') problems.push(`${path}.delay: ${delay}`);
  return { systemId: r.string('systemId', '', 16), ratio: r.number('ratio', 0.3, 0, 1), stat: stat as ReceiptFault['stat'], delay: typeof delay === 'string' ? NO_DELAY : delay };
}

/** A command_status as a number (11, 0x0B) or a name ("ESME_RINVDSTADR"). */
function readStatus(v: unknown, path: string, problems: string[]): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff) return v;
  if (typeof v === 'string') {
    if (/^(0x[0-9a-f]+|\d+)$/i.test(v)) return Number(v);
    const code = commandStatusOfName(v);
    if (code !== undefined) return code;
  }
  problems.push(`${path}: expected a command_status number (e.g. 0x0B) or name (e.g. ESME_RINVDSTADR), got ${JSON.stringify(v)}`);
  return CommandStatus.ESME_RSYSERR;
}

function readOutcomes(o: Record<string, unknown>, path: string, problems: string[]): Record<FinalStat, number> {
  new Reader(o, path + '.', problems).only([...FINAL_STATS]);
  const out = { DELIVRD: 0, UNDELIV: 0, EXPIRED: 0, REJECTD: 0 };
  for (const stat of FINAL_STATS) {
    const v = o[stat] ?? 0;
    if (typeof v !== 'number' || !(v >= 0)) problems.push(`${path}.${stat}: expected a ratio ≥ 0, got ${JSON.stringify(v)}`);
    else out[stat] = v;
  }
  if (FINAL_STATS.every((s) => out[s] === 0)) problems.push(`${path}: at least one outcome needs a ratio above 0`);
  return out;
}

function readIntermediate(v: unknown, path: string, problems: string[]): IntermediateStat[] {
  const list = typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v;
  if (!Array.isArray(list)) {
    problems.push(`${path}: expected a list of ${INTERMEDIATE_STATS.join(', ')}`);
    return [];
  }
  return list.filter((s): s is IntermediateStat => {
    const ok = (INTERMEDIATE_STATS as readonly unknown[]).includes(s);
    if (!ok) problems.push(`${path}: expected ${INTERMEDIATE_STATS.join(' or ')}, got ${JSON.stringify(s)}`);
    return ok;
  });
}

function asObject(v: unknown, path: string, problems: string[]): Record<string, unknown> | undefined {
  if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  problems.push(`${path || 'config'}: expected an object, got ${JSON.stringify(v)}`);
  return undefined;
}

/** Reads typed fields of one object, recording problems with their path. */
class Reader {
  constructor(
    private readonly o: Record<string, unknown>,
    private readonly path: string,
    private readonly problems: string[],
  ) {}

  only(keys: readonly string[]): void {
    for (const k of Object.keys(this.o)) if (!keys.includes(k)) this.problems.push(`${this.path}${k}: unknown setting (known: ${keys.join(', ')})`);
  }

  int(key: string, def: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const v = this.o[key];
    if (v === undefined) return def;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      this.problems.push(`${this.path}${key}: expected a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}, got ${JSON.stringify(v)}`);
      return def;
    }
    return v;
  }

  optionalInt(key: string): number | undefined {
    return this.o[key] === undefined ? undefined : this.int(key, 0, 0);
  }

  number(key: string, def: number, min: number, max: number): number {
    const v = this.o[key];
    if (v === undefined) return def;
    if (typeof v !== 'number' || !(v >= min && v <= max)) {
      this.problems.push(`${this.path}${key}: expected a number from ${min} to ${max}, got ${JSON.stringify(v)}`);
      return def;
    }
    return v;
  }

  bool(key: string, def: boolean): boolean {
    const v = this.o[key];
    if (v === undefined) return def;
    if (typeof v !== 'boolean') {
      this.problems.push(`${this.path}${key}: expected true or false, got ${JSON.stringify(v)}`);
      return def;
    }
    return v;
  }

  /** SMPP C-octet strings have a maximum length including the NUL. */
  string(key: string, def: string, maxWithNul: number): string {
    const v = this.o[key];
    if (v === undefined) return def;
    const s = typeof v === 'number' ? String(v) : v;
    if (typeof s !== 'string' || s.length > maxWithNul - 1) {
      this.problems.push(`${this.path}${key}: expected text of at most ${maxWithNul - 1} characters, got ${JSON.stringify(v)}`);
      return def;
    }
    return s;
  }

  oneOf<T extends string>(key: string, values: readonly T[], def: T): T {
    const v = this.o[key];
    if (v === undefined) return def;
    if (!(values as readonly unknown[]).includes(v)) {
      this.problems.push(`${this.path}${key}: expected one of ${values.join(', ')}, got ${JSON.stringify(v)}`);
      return def;
    }
    return v as T;
  }

  delay(key: string, def: Delay): Delay {
    const v = this.o[key];
    if (v === undefined) return def;
    const d = parseDelay(v);
    if (typeof d === 'string') {
      this.problems.push(`${this.path}${key}: ${d}`);
      return def;
    }
    return d;
  }

  object(key: string): Record<string, unknown> | undefined {
    const v = this.o[key];
    return v === undefined ? undefined : asObject(v, this.path + key, this.problems);
  }
}

/** The config as written in a file or passed to startSimulator(): every field optional. */
export type DelayInput = number | string | { fixed: number } | { min?: number; max: number };

export interface FaultsInput {
  dropAfterPdus?: number;
  dropTimes?: number;
  hang?: boolean;
  statusByPrefix?: Array<{ prefix: string; status: number | string; ratio?: number }>;
  receipts?: { systemId?: string; ratio?: number; stat?: string; delay?: DelayInput };
}

export interface SimulatorConfigInput {
  accounts?: Array<{ systemId: string; password: string; maxBinds?: number; tps?: number; tpsBurst?: number }>;
  maxBinds?: number;
  tps?: number;
  tpsBurst?: number;
  window?: number;
  responseDelay?: DelayInput;
  receipts?: {
    delay?: DelayInput;
    outcomes?: Partial<Record<FinalStat, number>>;
    intermediate?: IntermediateStat[] | string;
    errorCodes?: Partial<Record<FinalStat, string | number>>;
    tlvs?: boolean;
  };
  ids?: { format?: MessageIdFormat; receiptFormat?: ReceiptIdRendering };
  deliver?: Partial<DeliverSettings>;
  duplicateWindow?: number;
  seed?: number;
  faults?: FaultsInput;
}
