-- Two-way: who owns which inbound numbers, where their replies go, and who opted out.
-- The dlr-processor's inbound router reads numbers, settings and the messages table (the
-- conversation) in one query per fetch and writes inbound_messages, the audit and the
-- suppressions in one statement; ingest reads suppressions once per Send/SendBatch (cached 1 s).

-- A number or short code held by an account, whole (keyword '') or for one first word (several
-- accounts can share a short code by keyword). Numbers are digits without "+".
CREATE TABLE inbound_numbers (
  number     text        NOT NULL,
  keyword    text        NOT NULL DEFAULT '',
  account_id text        NOT NULL REFERENCES accounts (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (number, keyword)
);

CREATE INDEX inbound_numbers_account_idx ON inbound_numbers (account_id);

-- An account's two-way settings; no row: no webhook, account-wide opt-outs, default replies.
CREATE TABLE account_inbound_settings (
  account_id   text        PRIMARY KEY REFERENCES accounts (id),
  webhook_url  text        NOT NULL DEFAULT '',
  optout_scope text        NOT NULL DEFAULT 'account' CHECK (optout_scope IN ('account', 'sender')),
  -- '' = the dlr-processor's default text, '-' = no reply.
  stop_reply   text        NOT NULL DEFAULT '',
  start_reply  text        NOT NULL DEFAULT '',
  help_reply   text        NOT NULL DEFAULT '',
  updated_at   timestamptz NOT NULL DEFAULT now()
);

-- Handsets an account may not send to: sender '' for every sender of the account, else only that
-- sender (opt-out scope "sender"; digits for numbers).
CREATE TABLE suppressions (
  account_id text        NOT NULL REFERENCES accounts (id),
  msisdn     text        NOT NULL,
  sender     text        NOT NULL DEFAULT '',
  source     text        NOT NULL CHECK (source IN ('keyword', 'admin')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, msisdn, sender)
);

-- Every opt-out and opt-in, kept: who, when, why. inbound_id is unique so a replayed inbound
-- message changes nothing twice.
CREATE TABLE suppression_audit (
  id         bigserial   PRIMARY KEY,
  account_id text        NOT NULL,
  msisdn     text        NOT NULL,
  sender     text        NOT NULL DEFAULT '',
  action     text        NOT NULL CHECK (action IN ('opt_out', 'opt_in')),
  source     text        NOT NULL CHECK (source IN ('keyword', 'admin')),
  keyword    text        NOT NULL DEFAULT '',
  inbound_id text,
  at         timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX suppression_audit_inbound_idx ON suppression_audit (inbound_id);
CREATE INDEX suppression_audit_account_idx ON suppression_audit (account_id, msisdn, at);

-- Routed inbound messages of accounts, for WatchInbound: read by account in insert order (seq),
-- which a stream follows as its cursor (ids are receive order, and partitions route out of it).
CREATE TABLE inbound_messages (
  id                    text        PRIMARY KEY,
  seq                   bigserial   NOT NULL UNIQUE,
  account_id            text        NOT NULL,
  carrier_id            text        NOT NULL DEFAULT '',
  from_number           text        NOT NULL,
  to_number             text        NOT NULL,
  text                  text        NOT NULL,
  action                smallint    NOT NULL DEFAULT 0,
  keyword               text        NOT NULL DEFAULT '',
  related_message_id    text        NOT NULL DEFAULT '',
  auto_reply_message_id text        NOT NULL DEFAULT '',
  received_at           timestamptz NOT NULL,
  routed_at             timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX inbound_messages_account_idx ON inbound_messages (account_id, seq);
CREATE INDEX inbound_messages_routed_at_idx ON inbound_messages (routed_at);

-- The conversation: the last message sent to a handset from a number.
CREATE INDEX messages_conversation_idx ON messages (to_number, sender, accepted_at DESC);
