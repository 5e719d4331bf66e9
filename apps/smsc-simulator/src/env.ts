import { OBSERVABILITY_SETTINGS, int, str, type ConfigOf } from '@smsgw/shared/util-config';
import { OVERRIDES, type OverrideName } from '@smsgw/smpp/feature-simulator';

/** An env var that overrides one config-file setting; empty leaves the file (or default) in charge. */
const override = (name: OverrideName) => str('', `smsc-simulator: ${OVERRIDES[name].help}; empty = from the config file (flag --${OVERRIDES[name].flag}).`);

export const SIMULATOR_ENV = {
  ...OBSERVABILITY_SETTINGS,
  SIMULATOR_HTTP_PORT: int(8086, 'smsc-simulator: HTTP port for /stats, /faults, /mo, /metrics and /healthz.', { min: 0, max: 65535 }),
  SIMULATOR_SMPP_PORT: int(2775, 'smsc-simulator: SMPP port.', { min: 0, max: 65535 }),
  SIMULATOR_SMPP_HOST: str('0.0.0.0', 'smsc-simulator: address the SMPP port listens on.'),
  SIMULATOR_CONFIG: str('', 'smsc-simulator: YAML/JSON behaviour file (see apps/smsc-simulator/simulator.example.yaml); empty = defaults.'),
  SIMULATOR_TLS_KEY_FILE: str('', 'smsc-simulator: PEM private key; with SIMULATOR_TLS_CERT_FILE the SMPP port speaks TLS.'),
  SIMULATOR_TLS_CERT_FILE: str('', 'smsc-simulator: PEM certificate for SMPP over TLS.'),
  SIMULATOR_ACCOUNTS: override('accounts'),
  SIMULATOR_MAX_BINDS: override('maxBinds'),
  SIMULATOR_TPS: override('tps'),
  SIMULATOR_WINDOW: override('window'),
  SIMULATOR_RESPONSE_DELAY: override('responseDelay'),
  SIMULATOR_RECEIPT_DELAY: override('receiptDelay'),
  SIMULATOR_OUTCOMES: override('outcomes'),
  SIMULATOR_INTERMEDIATE: override('intermediate'),
  SIMULATOR_ID_FORMAT: override('idFormat'),
  SIMULATOR_RECEIPT_ID_FORMAT: override('receiptIdFormat'),
  SIMULATOR_SEED: override('seed'),
};

export type SimulatorEnv = ConfigOf<typeof SIMULATOR_ENV>;
