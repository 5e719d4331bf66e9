-- Accounts and their API keys (ingest authenticates every SmsService call with one). A key is
-- smsgw_<key_id>_<secret>; only the SHA-256 of the secret is kept, so the table leaks no usable key.
-- Keys are revoked, never deleted: the row says when, and which account a key id belonged to.

CREATE TABLE accounts (
  id         text        PRIMARY KEY DEFAULT gen_random_uuid()::text,
  name       text        NOT NULL UNIQUE,
  enabled    boolean     NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
  id           text        PRIMARY KEY,
  account_id   text        NOT NULL REFERENCES accounts (id),
  secret_hash  bytea       NOT NULL CHECK (length(secret_hash) = 32),
  created_at   timestamptz NOT NULL DEFAULT now(),
  revoked_at   timestamptz,
  -- Written in batches by ingest (at most every few seconds per replica), not per call.
  last_used_at timestamptz
);

CREATE INDEX api_keys_account_idx ON api_keys (account_id);

-- The account that sent each message (MessageAccepted.client_id), so GetMessage, WatchStatus and
-- CancelMessage answer only that account. '' for messages from before accounts, and from
-- sms.submit.v1, which is not authenticated yet.
ALTER TABLE messages ADD COLUMN client_id text NOT NULL DEFAULT '';
