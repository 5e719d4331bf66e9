-- Status store: the queryable projection the dlr-processor writes from Kafka events, plus the
-- idempotency keys ingest needs transactionally. Status values are sms.v1.MessageStatus numbers;
-- status_rank orders them so updates can be guarded with "WHERE status_rank < $new" (forward only).

CREATE TABLE messages (
  id                 text        PRIMARY KEY,
  status             smallint    NOT NULL,
  status_rank        smallint    NOT NULL,
  to_number          text        NOT NULL,
  sender             text        NOT NULL,
  client_reference   text        NOT NULL DEFAULT '',
  encoding           smallint    NOT NULL DEFAULT 0,
  segment_count      int         NOT NULL DEFAULT 0 CHECK (segment_count >= 0),
  segments_delivered int         NOT NULL DEFAULT 0 CHECK (segments_delivered >= 0),
  carrier_id         text        NOT NULL DEFAULT '',
  reason_code        text        NOT NULL DEFAULT '',
  reason             text        NOT NULL DEFAULT '',
  metadata           jsonb       NOT NULL DEFAULT '{}',
  accepted_at        timestamptz NOT NULL,
  submitted_at       timestamptz,
  completed_at       timestamptz,
  updated_at         timestamptz NOT NULL DEFAULT now()
);

-- Messages not final yet (completed_at is set with the final status): expiry sweeps and
-- "visibly pending" counts scan only these, which stay few while the table grows.
CREATE INDEX messages_pending_idx ON messages (status, accepted_at) WHERE completed_at IS NULL;

CREATE TABLE segments (
  message_id      text        NOT NULL,
  segment_index   int         NOT NULL CHECK (segment_index >= 0),
  carrier_id      text        NOT NULL DEFAULT '',
  smsc_message_id text        NOT NULL DEFAULT '',
  status          smallint    NOT NULL,
  status_rank     smallint    NOT NULL,
  receipt_stat    text        NOT NULL DEFAULT '',
  receipt_err     text        NOT NULL DEFAULT '',
  submitted_at    timestamptz,
  completed_at    timestamptz,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (message_id, segment_index)
);

-- A submit (sms.submitted.v1) and its receipt (sms.dlr.raw.v1) each upsert this row, in either
-- order: the submit fills message_id/segment_index, the receipt fills receipt_*; whichever comes
-- second sees both halves and completes the match. Receipt-only rows are orphans until expiry.
CREATE TABLE receipt_correlation (
  carrier_id      text        NOT NULL,
  smsc_message_id text        NOT NULL,
  message_id      text,
  segment_index   int,
  receipt_stat    text,
  receipt_err     text,
  receipt_done_at timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (carrier_id, smsc_message_id)
);

-- Retention sweeps delete old correlation rows by age.
CREATE INDEX receipt_correlation_created_at_idx ON receipt_correlation (created_at);

CREATE TABLE idempotency_keys (
  client_id       text        NOT NULL DEFAULT '',
  idempotency_key text        NOT NULL,
  message_id      text        NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_id, idempotency_key)
);

-- Keys expire after a retention window; the sweep deletes by age.
CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at);
