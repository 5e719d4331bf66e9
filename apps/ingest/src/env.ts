import { DATABASE_SETTINGS, KAFKA_SETTINGS, OBSERVABILITY_SETTINGS, int, str, type ConfigOf } from '@smsgw/shared/util-config';

export const INGEST_ENV = {
  ...KAFKA_SETTINGS,
  ...DATABASE_SETTINGS,
  ...OBSERVABILITY_SETTINGS,
  INGEST_HTTP_PORT: int(8081, 'ingest: HTTP port for /metrics and /healthz.', { min: 1, max: 65535 }),
  INGEST_GRPC_PORT: int(50051, 'ingest: gRPC port of sms.v1.SmsService.', { min: 1, max: 65535 }),
  INGEST_DEFAULT_REGION: str('GB', 'ingest: ISO 3166 region used to read national destination numbers.'),
  INGEST_MAX_TEXT_LENGTH: int(1600, 'ingest: longest message body accepted, in characters.', { min: 1, max: 65535 }),
  INGEST_MAX_BATCH: int(1000, 'ingest: most messages in one SendBatch call.', { min: 1, max: 10000 }),
  INGEST_SCHEDULER_INTERVAL_MS: int(500, 'ingest: how often scheduled messages whose send_at has come are released (ms).', { min: 50, max: 60000 }),
  INGEST_ADMIN_TOKEN_FILE: str('', 'ingest: file holding the admin token for sms.v1.AdminService (accounts, API keys); unset or unreadable: the admin API is off.'),
  INGEST_IDEMPOTENCY_RETENTION_SECONDS: int(86_400, 'ingest: how long an idempotency key is remembered (a retry with it within this time gets the first message); older keys are deleted.', { min: 60, max: 31_536_000 }),
  REDIS_URL: str('redis://127.0.0.1:6379', 'ingest: Redis for the per-account rate limits every replica shares; unreachable: messages are let through (counted in smsgw_rate_limiter_errors_total).'),
  INGEST_PRODUCER_LINGER_MS: int(2, 'ingest: while a Kafka produce request is in flight, how long later Sends wait to share the next one (ms); an idle producer sends at once.', { min: 0, max: 100 }),
};

export type IngestEnv = ConfigOf<typeof INGEST_ENV>;
