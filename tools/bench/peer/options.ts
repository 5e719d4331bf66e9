// The peer bench's command line (node:util parseArgs), checked before anything starts.
import { parseArgs } from 'node:util';
import { ISSUE_CONDITIONS, type SimulatorConditions } from './simulator';

export const HELP = `npm run bench:peer -- [options]
  --rounds N          measured rounds per workload and gateway (default 3)
  --messages N        messages per round (default 10000)
  --warmup N          messages sent first, per workload and gateway, not measured (default 5000)
  --json              print only the JSON result
  --only GATEWAY      kannel or smsgw: measure one side (no ratios)
  --receipt-delay MS  simulator receipt delay for both (default 0, the issue's condition)
  --kannel-set G.K=V  add or replace a setting of Kannel's groups named G (core, smsc, smsbox,
                      sendsms-user), e.g. --kannel-set core.smsbox-max-pending=100; repeatable
  --grace-seconds S   stop waiting for final statuses after S seconds without one (default 30)
  --skip-build        use dist/ as it is (default: build the apps first, cached by Nx)
  --keep              keep the temp folder (configs, logs) and say where
`;

export interface PeerOptions {
  help: boolean;
  rounds: number;
  messages: number;
  warmup: number;
  json: boolean;
  only?: 'kannel' | 'smsgw';
  conditions: SimulatorConditions;
  kannelOverrides: Record<string, Record<string, string>>;
  graceSeconds: number;
  build: boolean;
  keep: boolean;
}

/** Throws an Error whose message says which flag is wrong and why. */
export function readOptions(argv: string[]): PeerOptions {
  const { values: args } = parseArgs({
    args: argv,
    options: {
      rounds: { type: 'string', default: '3' },
      messages: { type: 'string', default: '10000' },
      warmup: { type: 'string', default: '5000' },
      json: { type: 'boolean', default: false },
      only: { type: 'string' },
      'receipt-delay': { type: 'string', default: '0' },
      'kannel-set': { type: 'string', multiple: true, default: [] },
      'grace-seconds': { type: 'string', default: '30' },
      'skip-build': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const count = (name: 'rounds' | 'messages' | 'warmup' | 'receipt-delay' | 'grace-seconds', min: number) => {
    const n = Number(args[name]);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number ≥ ${min}, got ${args[name]}`);
    return n;
  };
  if (args.only !== undefined && args.only !== 'kannel' && args.only !== 'smsgw') throw new Error(`--only must be kannel or smsgw, got ${args.only}`);
  const kannelOverrides: Record<string, Record<string, string>> = {};
  for (const setting of args['kannel-set']) {
    const m = /^([a-z-]+)\.([a-z0-9-]+)=(.*)$/.exec(setting);
    if (!m) throw new Error(`--kannel-set expects group.key=value (e.g. core.smsbox-max-pending=100), got ${setting}`);
    (kannelOverrides[m[1]] ??= {})[m[2]] = m[3];
  }
  return {
    help: args.help,
    rounds: count('rounds', 1),
    messages: count('messages', 1),
    warmup: count('warmup', 0),
    json: args.json,
    only: args.only,
    conditions: { ...ISSUE_CONDITIONS, receiptDelayMs: count('receipt-delay', 0) },
    kannelOverrides,
    graceSeconds: count('grace-seconds', 1),
    build: !args['skip-build'],
    keep: args.keep,
  };
}
