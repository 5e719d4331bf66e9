-- Rate cards: each carrier's prices per destination, versioned (libs/routing/domain/src/rate-card.ts
-- has the rules). A version is never changed after import; the active one per carrier is the newest
-- whose effective_at has come. Routers poll the small rate_cards table and load the entries of a
-- version once, when it becomes active — never a query per message.
CREATE TABLE rate_cards (
  carrier_id   text        NOT NULL,
  version      integer     NOT NULL CHECK (version > 0),
  currency     text        NOT NULL,
  effective_at timestamptz NOT NULL,
  imported_at  timestamptz NOT NULL DEFAULT now(),
  entry_count  integer     NOT NULL,
  PRIMARY KEY (carrier_id, version)
);

CREATE TABLE rate_card_entries (
  carrier_id   text    NOT NULL,
  version      integer NOT NULL,
  -- One of the three keys is set; with a prefix, country and network are for people only.
  prefix       text    NOT NULL DEFAULT '',
  country      text    NOT NULL DEFAULT '',
  network      text    NOT NULL DEFAULT '',
  price_micros bigint  NOT NULL CHECK (price_micros >= 0),
  FOREIGN KEY (carrier_id, version) REFERENCES rate_cards (carrier_id, version) ON DELETE CASCADE
);
CREATE INDEX rate_card_entries_card ON rate_card_entries (carrier_id, version);

-- The routing decision kept with each message (from the router's ROUTED report): the rule, and
-- what it costs on the chosen carrier. route_attempt orders failovers: a later attempt replaces it.
ALTER TABLE messages
  ADD COLUMN route_rule_id            text    NOT NULL DEFAULT '',
  ADD COLUMN price_per_segment_micros bigint  NOT NULL DEFAULT 0,
  ADD COLUMN price_total_micros       bigint  NOT NULL DEFAULT 0,
  ADD COLUMN price_currency           text    NOT NULL DEFAULT '',
  ADD COLUMN route_attempt            integer NOT NULL DEFAULT 0;
