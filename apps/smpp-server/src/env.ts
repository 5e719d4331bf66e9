import { DATABASE_SETTINGS, KAFKA_SETTINGS, OBSERVABILITY_SETTINGS, int, str, type ConfigOf } from '@smsgw/shared/util-config';

export const SMPP_SERVER_ENV = {
  ...KAFKA_SETTINGS,
  ...DATABASE_SETTINGS,
  ...OBSERVABILITY_SETTINGS,
  SMPP_SERVER_HTTP_PORT: int(8090, 'smpp-server: HTTP port for /metrics and /healthz.', { min: 0, max: 65535 }),
  SMPP_SERVER_HOST: str('0.0.0.0', 'smpp-server: address the SMPP port listens on.'),
  SMPP_SERVER_PORT: int(2776, "smpp-server: SMPP 3.4 port for customers' ESMEs (bind with the account's system_id and password: smsgw smpp-credentials create).", { min: 0, max: 65535 }),
  SMPP_SERVER_SYSTEM_ID: str('SMSGW', 'smpp-server: the system_id given in bind responses.'),
  SMPP_SERVER_INGEST_TARGET: str('127.0.0.1:50051', "smpp-server: ingest's gRPC address (host:port); submits go through its SendBatch as the bound account."),
  SMPP_SERVER_INTAKE_TOKEN_FILE: str('.smsgw/intake-token', "smpp-server: file holding ingest's intake token (the same file as ingest's INGEST_INTAKE_TOKEN_FILE)."),
  SMPP_SERVER_TLS_CERT_FILE: str('', 'smpp-server: PEM certificate; with SMPP_SERVER_TLS_KEY_FILE the SMPP port speaks TLS only.'),
  SMPP_SERVER_TLS_KEY_FILE: str('', 'smpp-server: PEM private key of SMPP_SERVER_TLS_CERT_FILE.'),
  SMPP_SERVER_BATCH_MS: int(5, 'smpp-server: how long submit_sm PDUs are gathered into one SendBatch per account (ms; 0: one per event-loop turn).', { min: 0, max: 1000 }),
  SMPP_SERVER_MAX_BATCH: int(500, 'smpp-server: most messages in one SendBatch (at most ingest\'s INGEST_MAX_BATCH).', { min: 1, max: 10_000 }),
  SMPP_SERVER_WINDOW: int(64, 'smpp-server: most unanswered requests per bind both ways: submit_sm beyond it get ESME_RMSGQFUL; deliver_sm wait for a free slot.', { min: 1, max: 10_000 }),
  SMPP_SERVER_REASSEMBLY_TIMEOUT_MS: int(10_000, 'smpp-server: how long the parts of a concatenated submit wait for the rest (then each is answered ESME_RSUBMITFAIL).', { min: 100, max: 600_000 }),
  SMPP_SERVER_DELIVER_TIMEOUT_MS: int(10_000, 'smpp-server: how long a deliver_sm waits for deliver_sm_resp before it is sent again (to this or another bind).', { min: 100, max: 600_000 }),
  SMPP_SERVER_POLL_MS: int(500, 'smpp-server: how often pending deliveries are looked for in PostgreSQL for bound receivers (receipts queued by this replica go at once).', { min: 10, max: 60_000 }),
  SMPP_SERVER_ENQUIRE_LINK_MS: int(30_000, 'smpp-server: an idle bind gets an enquire_link this often; one unanswered for as long again closes it.', { min: 1000, max: 3_600_000 }),
};

export type SmppServerEnv = ConfigOf<typeof SMPP_SERVER_ENV>;
