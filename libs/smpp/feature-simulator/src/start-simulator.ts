import { createLogger, type Logger } from '@smsgw/shared/util-logging';
import { readConfigFile } from './config/config-file';
import { applyOverrides, type OverrideName, type Overrides } from './config/overrides';
import { seededRandom, type RandomSource } from './config/random';
import { normalizeConfig, normalizeFaults, type Faults, type FaultsInput, type SimulatorConfig, type SimulatorConfigInput } from './config/simulator-config';
import { SmscServer, type MoRequest, type MoResult } from './smsc/smsc-server';
import type { SimulatorStatsSnapshot } from './stats/simulator-stats';

export interface StartSimulatorOptions {
  /** SMPP port; 0 (the default) picks a free one. */
  port?: number;
  /** Default 127.0.0.1 (tests); the app listens on 0.0.0.0. */
  host?: string;
  /** YAML/JSON config file, read first. */
  configFile?: string;
  /** Settings on top of the file (top-level keys replace the file's). */
  config?: SimulatorConfigInput;
  /** Flag/env-style overrides, applied last. */
  overrides?: Overrides;
  /** Names each override's origin in error messages (a flag or an env var); `--flag` by default. */
  overrideSource?: (name: OverrideName) => string;
  logger?: Logger;
  /** Replaces the seeded or Math.random source (tests). */
  random?: RandomSource;
  tls?: { key: string | Buffer; cert: string | Buffer };
}

export interface RunningSimulator {
  readonly port: number;
  readonly host: string;
  readonly config: SimulatorConfig;
  stats(): SimulatorStatsSnapshot;
  resetStats(): void;
  faults(): Faults;
  /** Replaces the fault set (omitted fields are off); throws SimulatorConfigError when invalid. */
  setFaults(faults: FaultsInput): Faults;
  sendMo(req: MoRequest): MoResult;
  /** Binds up for a system_id (all accounts when omitted). */
  boundCount(systemId?: string): number;
  close(): Promise<void>;
}

/** The effective config: file, then `config`, then overrides; validated. */
export function resolveSimulatorConfig(options: Pick<StartSimulatorOptions, 'configFile' | 'config' | 'overrides' | 'overrideSource'>): SimulatorConfig {
  const fromFile = options.configFile ? readConfigFile(options.configFile) : {};
  const merged = { ...fromFile, ...(options.config as Record<string, unknown> | undefined) };
  return normalizeConfig(options.overrides ? applyOverrides(merged, options.overrides, options.overrideSource) : merged);
}

/** Starts an SMSC simulator in this process. Tests and benchmarks of other apps use it directly. */
export async function startSimulator(options: StartSimulatorOptions = {}): Promise<RunningSimulator> {
  const config = resolveSimulatorConfig(options);
  const logger = options.logger ?? createLogger({ app: 'smsc-simulator', level: 'silent' });
  const random = options.random ?? (config.seed !== undefined ? seededRandom(config.seed) : Math.random);
  const server = new SmscServer(config, { logger, random, tls: options.tls });
  const host = options.host ?? '127.0.0.1';
  const port = await server.listen(options.port ?? 0, host);
  logger.info(
    { port, host, tls: Boolean(options.tls), accounts: config.accounts.map((a) => `${a.systemId} (tps ${a.tps || '∞'}, binds ${a.maxBinds})`), ids: config.ids, faults: config.faults },
    'SMPP simulator listening',
  );
  return {
    port,
    host,
    config,
    stats: () => server.snapshot(),
    resetStats: () => server.resetStats(),
    faults: () => server.faults,
    setFaults: (input) => {
      const faults = normalizeFaults(input);
      server.setFaults(faults);
      return faults;
    },
    sendMo: (req) => server.sendMo(req),
    boundCount: (systemId) => server.boundCount(systemId),
    close: () => server.close(),
  };
}
