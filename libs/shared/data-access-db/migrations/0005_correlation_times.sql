-- An SMSC reuses message ids (a counter restarted or wrapped). When a new submission takes over a
-- receipt_correlation row, the receipt it holds is the new message's if it was received after
-- that submission: the two times below decide it, whatever order the events are projected in.
ALTER TABLE receipt_correlation ADD COLUMN submitted_at timestamptz;
ALTER TABLE receipt_correlation ADD COLUMN receipt_received_at timestamptz;
