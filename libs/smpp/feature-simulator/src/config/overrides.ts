// Flags and environment variables that override the config file, each a string in the same
// syntax: `--tps 500` ≡ SIMULATOR_TPS=500. Precedence: defaults < file < env < flags.
import { SimulatorConfigError } from './simulator-config';

export const OVERRIDES = {
  accounts: { flag: 'accounts', env: 'SIMULATOR_ACCOUNTS', help: 'accounts as systemId:password[:maxBinds[:tps]],… (replaces the file’s)' },
  maxBinds: { flag: 'max-binds', env: 'SIMULATOR_MAX_BINDS', help: 'binds allowed per system_id' },
  tps: { flag: 'tps', env: 'SIMULATOR_TPS', help: 'submits/s per system_id before ESME_RTHROTTLED (0 = no cap)' },
  window: { flag: 'window', env: 'SIMULATOR_WINDOW', help: 'submits awaiting a response per bind before ESME_RMSGQFUL (0 = no limit)' },
  responseDelay: { flag: 'response-delay', env: 'SIMULATOR_RESPONSE_DELAY', help: 'submit_sm_resp delay in ms: "5" or "2-20"' },
  receiptDelay: { flag: 'receipt-delay', env: 'SIMULATOR_RECEIPT_DELAY', help: 'final receipt delay in ms: "0" or "100-2000"' },
  outcomes: { flag: 'outcomes', env: 'SIMULATOR_OUTCOMES', help: 'receipt outcome ratios: "DELIVRD=0.9,UNDELIV=0.05,EXPIRED=0.03,REJECTD=0.02"' },
  intermediate: { flag: 'intermediate', env: 'SIMULATOR_INTERMEDIATE', help: 'intermediate receipts before the final: "ACCEPTD,ENROUTE" or "none"' },
  idFormat: { flag: 'id-format', env: 'SIMULATOR_ID_FORMAT', help: 'submit_sm_resp message id: decimal, hex or uuid' },
  receiptIdFormat: { flag: 'receipt-id-format', env: 'SIMULATOR_RECEIPT_ID_FORMAT', help: 'receipt id: same, decimal, hex or uuid' },
  seed: { flag: 'seed', env: 'SIMULATOR_SEED', help: 'seed for outcome and delay picks (reproducible runs)' },
} as const;

export type OverrideName = keyof typeof OVERRIDES;
export type Overrides = Partial<Record<OverrideName, string>>;

/**
 * Returns a copy of the raw (file-shaped) config with the overrides applied; normalizeConfig then
 * validates the result. `source` names where each value came from, for error messages.
 */
export function applyOverrides(raw: Record<string, unknown>, overrides: Overrides, source: (name: OverrideName) => string = (n) => `--${OVERRIDES[n].flag}`): Record<string, unknown> {
  const out: Record<string, unknown> = { ...raw };
  const problems: string[] = [];
  const set = (name: OverrideName, apply: (v: string) => void): void => {
    const v = overrides[name];
    if (v === undefined || v === '') return;
    try {
      apply(v.trim());
    } catch (err) {
      problems.push(`${source(name)}: ${(err as Error).message}`);
    }
  };
  const receipts = (): Record<string, unknown> => (out['receipts'] = { ...((out['receipts'] as object) ?? {}) }) as Record<string, unknown>;
  const ids = (): Record<string, unknown> => (out['ids'] = { ...((out['ids'] as object) ?? {}) }) as Record<string, unknown>;
  const perAccount = (key: string): void => {
    if (Array.isArray(out['accounts'])) out['accounts'] = out['accounts'].map((a) => (a && typeof a === 'object' ? { ...a, [key]: undefined } : a)).map(dropUndefined);
  };

  set('accounts', (v) => {
    out['accounts'] = v.split(',').map((entry) => {
      const [systemId, password, maxBinds, tps] = entry.trim().split(':');
      if (!systemId || password === undefined) throw new Error(`expected systemId:password[:maxBinds[:tps]], got "${entry}"`);
      return dropUndefined({ systemId, password, maxBinds: maxBinds ? whole(maxBinds) : undefined, tps: tps ? whole(tps) : undefined });
    });
  });
  set('maxBinds', (v) => {
    out['maxBinds'] = whole(v);
    perAccount('maxBinds');
  });
  set('tps', (v) => {
    out['tps'] = whole(v);
    perAccount('tps');
  });
  set('window', (v) => (out['window'] = whole(v)));
  set('responseDelay', (v) => (out['responseDelay'] = v));
  set('receiptDelay', (v) => (receipts()['delay'] = v));
  set('outcomes', (v) => {
    const outcomes: Record<string, number> = {};
    for (const pair of v.split(',')) {
      const [stat, ratio] = pair.split('=').map((s) => s.trim());
      const n = Number(ratio);
      if (!stat || ratio === undefined || ratio === '' || !Number.isFinite(n)) throw new Error(`expected STAT=ratio pairs, got "${pair}"`);
      outcomes[stat.toUpperCase()] = n;
    }
    receipts()['outcomes'] = outcomes;
  });
  set('intermediate', (v) => (receipts()['intermediate'] = v.toLowerCase() === 'none' ? [] : v.split(',').map((s) => s.trim().toUpperCase())));
  set('idFormat', (v) => (ids()['format'] = v));
  set('receiptIdFormat', (v) => (ids()['receiptFormat'] = v));
  set('seed', (v) => (out['seed'] = whole(v)));

  if (problems.length) throw new SimulatorConfigError(problems);
  return out;
}

function whole(v: string): number {
  if (!/^\d+$/.test(v)) throw new Error(`expected a whole number, got "${v}"`);
  return Number(v);
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
