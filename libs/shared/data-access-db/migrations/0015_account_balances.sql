-- Spend (libs/accounts/domain/src/spend.ts has the rules). An account with a row here is prepaid
-- (or on credit): every message reserves its worst-case price at accept, settled at the routed price
-- or refunded when it fails before any carrier. An account without a row is unlimited.
-- Money is integer micro-units of `currency` (0.0125 EUR = 12500).
CREATE TABLE account_balances (
  account_id          text        PRIMARY KEY REFERENCES accounts (id),
  currency            text        NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  -- Credits − settled charges − open reservations: what is left to spend (with the credit limit).
  balance_micros      bigint      NOT NULL DEFAULT 0,
  -- How far balance_micros may go below zero (0: prepaid only).
  credit_limit_micros bigint      NOT NULL DEFAULT 0 CHECK (credit_limit_micros >= 0),
  -- The sum of the open reservations (already taken off balance_micros).
  reserved_micros     bigint      NOT NULL DEFAULT 0 CHECK (reserved_micros >= 0),
  updated_at          timestamptz NOT NULL DEFAULT now()
);

-- Every change of a balance, never updated: the sum of amount_micros of an account is its
-- balance_micros. A message has at most one reserve and one closing entry (settle or refund), so a
-- replayed event or Kafka record cannot charge twice.
CREATE TABLE account_ledger (
  id             bigserial   PRIMARY KEY,
  account_id     text        NOT NULL REFERENCES accounts (id),
  kind           text        NOT NULL CHECK (kind IN ('credit', 'reserve', 'settle', 'refund')),
  -- '' for a credit.
  message_id     text        NOT NULL DEFAULT '',
  -- The change of balance_micros: reserve −worst case, settle +(reserved − charged), refund +reserved, credit +amount.
  amount_micros  bigint      NOT NULL,
  -- settle: what the message cost (the routed price × segments).
  charged_micros bigint      NOT NULL DEFAULT 0,
  currency       text        NOT NULL,
  note           text        NOT NULL DEFAULT '',
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX account_ledger_reserve_once ON account_ledger (message_id) WHERE kind = 'reserve';
CREATE UNIQUE INDEX account_ledger_close_once ON account_ledger (message_id) WHERE kind IN ('settle', 'refund');
CREATE INDEX account_ledger_account_idx ON account_ledger (account_id, created_at);
