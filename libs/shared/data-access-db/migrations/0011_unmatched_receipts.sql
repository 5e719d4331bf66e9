-- Receipts that move no message stay visible. Unreadable ones (no SMSC id, no stat, a stat word
-- neither SMPP 3.4 nor the carrier's receiptStats names) are kept here with their reason; receipts
-- whose submit report never came stay in receipt_correlation, marked by the sweep once they have
-- waited DLR_UNMATCHED_AFTER_SECONDS. `smsgw receipts unmatched` lists both.
CREATE TABLE unmatched_receipts (
  id              bigserial   PRIMARY KEY,
  carrier_id      text        NOT NULL,
  smsc_message_id text        NOT NULL DEFAULT '',
  reason          text        NOT NULL,             -- DLR.NO_MESSAGE_ID, DLR.NO_STAT, DLR.UNKNOWN_STAT
  detail          text        NOT NULL,
  stat_word       text        NOT NULL DEFAULT '',
  received_at     timestamptz NOT NULL,
  -- partition/offset on sms.dlr.raw.v1: a fetch consumed again stores nothing twice.
  source          text        NOT NULL UNIQUE,
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX unmatched_receipts_created_at_idx ON unmatched_receipts (created_at);
CREATE INDEX unmatched_receipts_carrier_idx ON unmatched_receipts (carrier_id, received_at);

-- Set once, by the sweep, when a receipt has waited too long for its submit report.
ALTER TABLE receipt_correlation ADD COLUMN unmatched_at timestamptz;
CREATE INDEX receipt_correlation_unmatched_idx ON receipt_correlation (carrier_id, receipt_received_at) WHERE message_id IS NULL AND unmatched_at IS NOT NULL;

-- A message expires at its own validity (validity_seconds of the request), else its carrier's
-- (carriers file smscValiditySeconds), else after STATUS_EXPIRE_AFTER_SECONDS. 0: none given.
ALTER TABLE messages ADD COLUMN validity_seconds int NOT NULL DEFAULT 0;
