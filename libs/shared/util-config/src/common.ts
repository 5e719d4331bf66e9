import { bool, int, list, oneOf, str } from './config';

// Settings every service shares. Apps spread these into their own env.ts schema.
export const KAFKA_SETTINGS = {
  KAFKA_BROKERS: list(['127.0.0.1:9092'], 'Kafka bootstrap brokers, comma-separated host:port.'),
  KAFKA_TOPIC_PREFIX: str('', 'Prefix for every topic and consumer group name, e.g. "staging."; keeps environments sharing a cluster apart.'),
  KAFKA_CLIENT_ID: str('smsgw', 'Client id prefix sent to Kafka (the app name is appended).'),
  KAFKA_TOPIC_PARTITIONS: int(4, 'Partitions for topics smsgw creates; bounds consumer parallelism.', { min: 1, max: 1024 }),
  KAFKA_REPLICATION_FACTOR: int(1, 'Replication factor for topics smsgw creates (3 in production).', { min: 1, max: 7 }),
  KAFKA_SSL: bool(false, 'Connect to the brokers over TLS (a SASL_SSL or SSL listener).'),
  KAFKA_SSL_CA_FILE: str('', "PEM CA bundle the brokers' certificates are checked against (with KAFKA_SSL); empty: the system CAs."),
  KAFKA_SASL_MECHANISM: oneOf(['none', 'plain', 'scram-sha-256', 'scram-sha-512'] as const, 'none', 'SASL mechanism for the brokers (scram-sha-512 over KAFKA_SSL in production); none: no SASL.'),
  KAFKA_SASL_USERNAME: str('', 'SASL user (the principal the cluster ACLs name, e.g. smsgw-ingest); required with KAFKA_SASL_MECHANISM.'),
  KAFKA_SASL_PASSWORD_FILE: str('', "File holding the SASL user's password (e.g. a mounted Kubernetes secret); required with KAFKA_SASL_MECHANISM, read at start."),
};

export const DATABASE_SETTINGS = {
  DATABASE_URL: str('postgres://postgres@127.0.0.1:5432/smsgw', 'PostgreSQL connection URL (status store, accounts, rate cards).'),
  DATABASE_POOL_SIZE: int(10, 'Maximum PostgreSQL connections per process.', { min: 1, max: 200 }),
};

export const OBSERVABILITY_SETTINGS = {
  LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const, 'info', 'Log level (pino).'),
  LOG_REDACT: oneOf(['on', 'off'] as const, 'on', 'Mask phone numbers and drop message bodies in logs; off only for debugging.'),
};
