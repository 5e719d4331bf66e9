-- What each account may send (libs/accounts/domain/src/policy.ts has the rules). An account
-- without a row has the default policy: any sender and country, special number types blocked,
-- https callbacks to public addresses only, 100 messages/s with bursts of 200. Ingest reads the row with the account's API key
-- (findKeys), so a change reaches every replica within the key cache's second.

CREATE TABLE account_policies (
  account_id           text        PRIMARY KEY REFERENCES accounts (id),
  -- Exact sender ids and prefixes ending in "*"; empty: any.
  senders              text[]      NOT NULL DEFAULT '{}',
  -- ISO 3166 alpha-2 destination countries; empty: any.
  countries            text[]      NOT NULL DEFAULT '{}',
  -- Blocked number types (PREMIUM_RATE, …) this account may send to anyway.
  allowed_number_types text[]      NOT NULL DEFAULT '{}',
  callback_http        boolean     NOT NULL DEFAULT false,
  callback_private     boolean     NOT NULL DEFAULT false,
  -- Rate limit, counted in Redis by every ingest replica together (messages/s, most at once).
  rate_per_second      integer     NOT NULL DEFAULT 100 CHECK (rate_per_second > 0),
  rate_burst           integer     NOT NULL DEFAULT 200 CHECK (rate_burst >= rate_per_second),
  updated_at           timestamptz NOT NULL DEFAULT now()
);
