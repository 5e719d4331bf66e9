-- Sticky senders: the number of an account's pool (its inbound numbers without a keyword) each
-- handset is sent from when a message names no sender, so the handset sees one number and its
-- replies join one conversation. Written by ingest at accept; a number taken out of the pool is
-- replaced for its handsets at their next message.
CREATE TABLE sender_assignments (
  account_id  text        NOT NULL REFERENCES accounts (id),
  msisdn      text        NOT NULL,
  number      text        NOT NULL,
  assigned_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, msisdn)
);
