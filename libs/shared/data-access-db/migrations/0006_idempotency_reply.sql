-- An idempotency key keeps the first reply it was given (status, encoding, segments, accepted
-- time), so every retry with that key gets the same answer. It also keeps where the claim came
-- from: a Kafka record consumed again (after a failed produce or a crash) republishes its own
-- message instead of counting as a duplicate. Keys are deleted after INGEST_IDEMPOTENCY_RETENTION_SECONDS.
ALTER TABLE idempotency_keys ADD COLUMN reply jsonb;
ALTER TABLE idempotency_keys ADD COLUMN source text NOT NULL DEFAULT '';
