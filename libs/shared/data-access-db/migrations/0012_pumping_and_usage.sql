-- SMS-pumping protection per account (libs/accounts/domain/src/policy.ts, PUMPING): per
-- destination country, a minute may hold max(pumping_min_per_minute, pumping_factor × the
-- account's usual rate there); above it the message is refused ('refuse'), only counted
-- ('monitor') or not checked ('off'). Counted in Redis by ingest.
ALTER TABLE account_policies
  ADD COLUMN pumping_mode           text    NOT NULL DEFAULT 'refuse' CHECK (pumping_mode IN ('off', 'monitor', 'refuse')),
  ADD COLUMN pumping_min_per_minute integer NOT NULL DEFAULT 1000 CHECK (pumping_min_per_minute > 0),
  ADD COLUMN pumping_factor         double precision NOT NULL DEFAULT 10 CHECK (pumping_factor >= 1);

-- Usage by day (GetUsage): one account's messages in a time range, grouped by day and status.
CREATE INDEX messages_client_accepted_idx ON messages (client_id, accepted_at);
