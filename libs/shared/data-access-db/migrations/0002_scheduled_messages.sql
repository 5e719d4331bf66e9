-- Scheduled messages (send_at in the future), held by ingest's scheduler until their send time.
-- Rows come from sms.accepted.v1 (the log of record), so a row is never written for a message
-- Kafka does not have. state: pending → released (published again for sending) or canceled.
-- A cancel that arrives before the row becomes a canceled row without the event (a tombstone),
-- which the late insert then leaves alone.

CREATE TABLE scheduled_messages (
  message_id text        PRIMARY KEY,
  send_at    timestamptz NOT NULL,
  state      text        NOT NULL CHECK (state IN ('pending', 'released', 'canceled')),
  -- The MessageAccepted event as published (protobuf); NULL on a tombstone.
  accepted   bytea,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- The release loop reads only what is due and pending.
CREATE INDEX scheduled_messages_due_idx ON scheduled_messages (send_at) WHERE state = 'pending';
-- Released and canceled rows are kept a while (so a late cancel gets the right answer), then swept.
CREATE INDEX scheduled_messages_done_idx ON scheduled_messages (updated_at) WHERE state <> 'pending';

-- The status store learns when a scheduled message was released (its second accepted event):
-- accept-to-final latency counts from there.
ALTER TABLE messages ADD COLUMN released_at timestamptz;
