import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { OVERRIDES, type OverrideName, type Overrides, type StartSimulatorOptions } from '@smsgw/smpp/feature-simulator';
import { SIMULATOR_ENV, type SimulatorEnv } from './env';

/** What main() runs: ports, and the simulator's options (file, overrides, TLS). */
export interface SimulatorProcess {
  httpPort: number;
  simulator: StartSimulatorOptions & { port: number; host: string };
}

const OVERRIDE_NAMES = Object.keys(OVERRIDES) as OverrideName[];

function program(): Command {
  const cmd = new Command('smsc-simulator')
    .description('An SMSC over SMPP for development, tests and benchmarks: binds, submit_sm/data_sm, delivery receipts, MO, faults.\nPrecedence: defaults < --config file < environment < flags.')
    .option('--config <file>', 'YAML/JSON behaviour file (apps/smsc-simulator/simulator.example.yaml shows every setting)')
    .option('--smpp-port <port>', 'SMPP port (default 2775)')
    .option('--http-port <port>', 'HTTP port for /stats, /faults, /mo, /metrics, /healthz (default 8086)')
    .option('--host <address>', 'address the SMPP port listens on (default 0.0.0.0)')
    .option('--tls-key <file>', 'PEM private key: SMPP over TLS (with --tls-cert)')
    .option('--tls-cert <file>', 'PEM certificate for SMPP over TLS')
    .helpOption('-h, --help', 'show this help')
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  for (const name of OVERRIDE_NAMES) cmd.addOption(new Option(`--${OVERRIDES[name].flag} <value>`, OVERRIDES[name].help));
  return cmd;
}

export function wantsHelp(argv: string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

/** --help: the flags, then every environment variable with its default. */
export function helpText(): string {
  const env = Object.entries(SIMULATOR_ENV).map(([name, s]) => `  ${name}${s.defaultValue === '' ? '' : `=${String(s.defaultValue)}`}\n      ${s.description.replace(/^smsc-simulator: /, '')}`);
  return `${program().helpInformation()}\nEnvironment variables (flags win over them):\n${env.join('\n')}\n\nHTTP: GET /stats, POST /stats/reset, GET|POST /faults, POST /mo {from,to,text[,systemId]}, GET /config, GET /metrics, GET /healthz\n`;
}

export class CommandLineError extends Error {
  readonly code = 'SIMULATOR.BAD_COMMAND_LINE';
}

/** Reads flags over the environment's settings. Throws CommandLineError on unknown flags or bad ports. */
export function resolveProcess(argv: string[], env: SimulatorEnv): SimulatorProcess {
  const cmd = program();
  try {
    cmd.parse(argv, { from: 'user' });
  } catch (err) {
    throw new CommandLineError(`${(err as Error).message.replace(/^error: /, '')} (see --help)`);
  }
  const flags = cmd.opts<Record<string, string | undefined>>();
  const port = (flag: string, fallback: number): number => {
    const raw = flags[flag];
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw) || Number(raw) > 65535) throw new CommandLineError(`--${flag.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}: expected a port number, got "${raw}"`);
    return Number(raw);
  };

  const fromEnv: Overrides = {};
  const fromFlags: Overrides = {};
  for (const name of OVERRIDE_NAMES) {
    const envValue = (env as Record<string, unknown>)[OVERRIDES[name].env];
    if (typeof envValue === 'string' && envValue !== '') fromEnv[name] = envValue;
    const flagValue = flags[camel(OVERRIDES[name].flag)];
    if (flagValue !== undefined) fromFlags[name] = flagValue;
  }
  const keyFile = flags['tlsKey'] ?? env.SIMULATOR_TLS_KEY_FILE;
  const certFile = flags['tlsCert'] ?? env.SIMULATOR_TLS_CERT_FILE;
  if (Boolean(keyFile) !== Boolean(certFile)) throw new CommandLineError('SMPP over TLS needs both a key and a certificate (--tls-key and --tls-cert)');

  return {
    httpPort: port('httpPort', env.SIMULATOR_HTTP_PORT),
    simulator: {
      port: port('smppPort', env.SIMULATOR_SMPP_PORT),
      host: flags['host'] ?? env.SIMULATOR_SMPP_HOST,
      configFile: flags['config'] ?? (env.SIMULATOR_CONFIG || undefined),
      overrides: { ...fromEnv, ...fromFlags },
      overrideSource: (name: OverrideName) => (fromFlags[name] !== undefined ? `--${OVERRIDES[name].flag}` : OVERRIDES[name].env),
      tls: keyFile && certFile ? { key: readFileSync(keyFile), cert: readFileSync(certFile) } : undefined,
    },
  };
}

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}
