import { ROUTING_SETTINGS } from '@smsgw/routing/data-access-config';
import { ROUTE_QUALITY_SETTINGS } from '@smsgw/routing/data-access-quality';
import { DATABASE_SETTINGS, KAFKA_SETTINGS, OBSERVABILITY_SETTINGS, bool, int, str, type ConfigOf } from '@smsgw/shared/util-config';

export const INGEST_ENV = {
  ...KAFKA_SETTINGS,
  ...DATABASE_SETTINGS,
  ...OBSERVABILITY_SETTINGS,
  ...ROUTING_SETTINGS,
  ...ROUTE_QUALITY_SETTINGS,
  INGEST_HTTP_PORT: int(8081, 'ingest: HTTP port for /metrics and /healthz.', { min: 1, max: 65535 }),
  INGEST_API_PORT: int(8080, 'ingest: port of the HTTP/JSON API (POST /v1/messages…, OpenAPI at /v1/openapi.json); 0 picks a free one.', { min: 0, max: 65535 }),
  INGEST_GRPC_PORT: int(50051, 'ingest: gRPC port of sms.v1.SmsService.', { min: 1, max: 65535 }),
  INGEST_DEFAULT_REGION: str('GB', 'ingest: ISO 3166 region used to read national destination numbers.'),
  INGEST_MAX_TEXT_LENGTH: int(1600, 'ingest: longest message body accepted, in characters.', { min: 1, max: 65535 }),
  INGEST_MAX_BATCH: int(1000, 'ingest: most messages in one SendBatch call.', { min: 1, max: 10000 }),
  INGEST_SCHEDULER_INTERVAL_MS: int(500, 'ingest: how often scheduled messages whose send_at has come are released (ms).', { min: 50, max: 60000 }),
  INGEST_PUMPING_HOLD_SECONDS: int(3600, 'ingest: how long a message held by SMS-pumping protection (policy "hold") waits for an operator; then it is refused (FAILED, RATE.PUMPING_HOLD_EXPIRED) and refunded.', { min: 10, max: 7 * 86_400 }),
  INGEST_ADMIN_TOKEN_FILE: str('', 'ingest: file holding the admin token for sms.v1.AdminService (accounts, API keys); unset or unreadable: the admin API is off.'),
  INGEST_IDEMPOTENCY_RETENTION_SECONDS: int(86_400, 'ingest: how long an idempotency key is remembered (a retry with it within this time gets the first message); older keys are deleted.', { min: 60, max: 31_536_000 }),
  REDIS_URL: str('redis://127.0.0.1:6379', 'ingest: Redis for the per-account rate limits every replica shares; unreachable: messages are let through (counted in smsgw_rate_limiter_errors_total).'),
  INGEST_INTAKE_TOKEN_FILE: str('', 'ingest: file holding the token of trusted intake channels (the SMPP server), which send on behalf of the accounts they authenticate; unset or unreadable: intake calls are refused.'),
  INGEST_TLS_CERT_FILE: str('', 'ingest: PEM certificate (chain) of the gRPC port; with INGEST_TLS_KEY_FILE the port speaks TLS only. Both files are re-read when they change.'),
  INGEST_TLS_KEY_FILE: str('', 'ingest: PEM private key of INGEST_TLS_CERT_FILE.'),
  INGEST_TLS_CLIENT_CA_FILE: str('', 'ingest: PEM CA bundle for client certificates (mTLS); set: clients may present one, and a verified certificate mapped in INGEST_TLS_CLIENT_ACCOUNTS_FILE stands for an API key.'),
  INGEST_TLS_REQUIRE_CLIENT_CERT: bool(false, 'ingest: with INGEST_TLS_CLIENT_CA_FILE, refuse TLS connections without a verified client certificate.'),
  INGEST_TLS_CLIENT_ACCOUNTS_FILE: str('', 'ingest: YAML map of client certificate identities ("CN=billing", "DNS:billing.svc", "URI:spiffe://…") to account ids or names; re-read when it changes.'),
  INGEST_TLS_RELOAD_MS: int(5000, 'ingest: how often the TLS files are checked for a new certificate, key or CA (ms); new connections get the new ones.', { min: 100, max: 3_600_000 }),
  INGEST_ALLOW_PLAINTEXT: bool(false, 'ingest: without INGEST_TLS_CERT_FILE, serve gRPC in plaintext (API keys in clear text: a trusted network only; logged as a warning at start); false: refuse to start without TLS.'),
  INGEST_PRODUCER_LINGER_MS: int(2, 'ingest: while a Kafka produce request is in flight, how long later Sends wait to share the next one (ms); an idle producer sends at once.', { min: 0, max: 100 }),
};

export type IngestEnv = ConfigOf<typeof INGEST_ENV>;
