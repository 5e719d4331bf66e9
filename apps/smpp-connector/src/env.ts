import { KAFKA_SETTINGS, OBSERVABILITY_SETTINGS, int, str, type ConfigOf } from '@smsgw/shared/util-config';

export const CONNECTOR_ENV = {
  ...KAFKA_SETTINGS,
  ...OBSERVABILITY_SETTINGS,
  CONNECTOR_HTTP_PORT: int(8084, 'smpp-connector: HTTP port for /metrics and /healthz.', { min: 1, max: 65535 }),
  CARRIER_ID: str('demo', 'smpp-connector: the carrier this process serves (an id in CARRIERS_FILE); one Deployment per carrier.'),
  CARRIERS_FILE: str('config/carriers.yaml', 'smpp-connector: the carriers file (YAML): SMSC address, credentials, binds, window, TPS, encoding, error policy.'),
  CONNECTOR_REPLICAS: int(1, "smpp-connector: replicas of this carrier's connector; the carrier's TPS is divided between them.", { min: 1, max: 1000 }),
  CONNECTOR_INSTANCE_ID: str('', 'smpp-connector: this replica in sms.carrier-health.v1 (default host:pid; set to the pod name).'),
  CONNECTOR_CONCURRENCY: int(4, 'smpp-connector: outbound partitions handled at the same time.', { min: 1, max: 256 }),
  CONNECTOR_FETCH_BYTES: int(131_072, 'smpp-connector: bytes fetched per partition and request (bounds a batch: ~600 messages per 128 KiB).', { min: 1024, max: 16_777_216 }),
  CONNECTOR_HEALTH_INTERVAL_MS: int(5_000, 'smpp-connector: how often CarrierHealth goes to sms.carrier-health.v1 (0 = never).', { min: 0, max: 3_600_000 }),
  CONNECTOR_SHUTDOWN_TIMEOUT_MS: int(8_000, 'smpp-connector: on SIGTERM, how long to wait for in-flight submit responses before unbinding.', { min: 0, max: 600_000 }),
  CONNECTOR_MO_REASSEMBLY_TIMEOUT_MS: int(10_000, 'smpp-connector: how long parts of a concatenated MO wait for the rest before they are published as they are.', { min: 100, max: 3_600_000 }),
};

export type ConnectorEnv = ConfigOf<typeof CONNECTOR_ENV>;
