-- The SMPP server for customers (apps/smpp-server). ESMEs bind with a system_id and password per
-- account; only a scrypt hash of the password is kept (SMPP 3.4 passwords are at most 8
-- characters, too short for a fast hash). Credentials are revoked, never deleted.
CREATE TABLE smpp_credentials (
  system_id     text        PRIMARY KEY CHECK (length(system_id) BETWEEN 1 AND 15),
  account_id    text        NOT NULL REFERENCES accounts (id),
  password_hash text        NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  revoked_at    timestamptz
);
CREATE INDEX smpp_credentials_account_idx ON smpp_credentials (account_id);

-- Messages submitted over SMPP with registered_delivery set, until their final status: what the
-- receipt needs (the addresses swap in the deliver_sm). Written in one statement per submit batch.
CREATE TABLE smpp_submissions (
  message_id          text        PRIMARY KEY,
  account_id          text        NOT NULL,
  system_id           text        NOT NULL,
  registered_delivery smallint    NOT NULL,
  source_addr         text        NOT NULL,
  source_ton          smallint    NOT NULL DEFAULT 0,
  source_npi          smallint    NOT NULL DEFAULT 0,
  destination_addr    text        NOT NULL,
  submitted_at        timestamptz NOT NULL DEFAULT now()
);

-- deliver_sm waiting for the ESME's deliver_sm_resp: receipts and MO. A row is claimed by a
-- replica with a bound receiver (claimed_until) and deleted when acknowledged, so a rebinding
-- ESME, or a bind on another replica, gets what was pending.
CREATE TABLE smpp_deliveries (
  id               bigserial   PRIMARY KEY,
  account_id       text        NOT NULL,
  kind             text        NOT NULL CHECK (kind IN ('receipt', 'mo')),
  message_id       text        NOT NULL,
  source_addr      text        NOT NULL,
  source_ton       smallint    NOT NULL DEFAULT 0,
  source_npi       smallint    NOT NULL DEFAULT 0,
  destination_addr text        NOT NULL,
  -- receipt: the final MessageStatus number and its reason code; mo: the text.
  status           smallint    NOT NULL DEFAULT 0,
  error_code       text        NOT NULL DEFAULT '',
  text             text        NOT NULL DEFAULT '',
  submitted_at     timestamptz NOT NULL DEFAULT now(),
  done_at          timestamptz NOT NULL DEFAULT now(),
  created_at       timestamptz NOT NULL DEFAULT now(),
  claimed_until    timestamptz,
  attempts         integer     NOT NULL DEFAULT 0,
  UNIQUE (kind, message_id)
);
CREATE INDEX smpp_deliveries_account_idx ON smpp_deliveries (account_id, id);
