-- SMS-pumping protection, mode 'hold' (libs/accounts/domain/src/policy.ts, PUMPING_HOLD): a
-- message above the account's limit to its country is accepted but held for an operator. Held
-- messages wait in the scheduler's table (their accepted event comes from sms.accepted.v1, the log
-- of record, as a scheduled message's does), state 'held', send_at being the end of the hold:
--   held → released (published again for sending; or pending, when its own send_at is still ahead)
--        → rejected (by an operator, or when send_at passes: FAILED, reservation refunded)
--        → canceled (CancelMessage by the client).
ALTER TABLE account_policies DROP CONSTRAINT account_policies_pumping_mode_check;
ALTER TABLE account_policies ADD CONSTRAINT account_policies_pumping_mode_check CHECK (pumping_mode IN ('off', 'monitor', 'refuse', 'hold'));

ALTER TABLE scheduled_messages DROP CONSTRAINT scheduled_messages_state_check;
ALTER TABLE scheduled_messages ADD CONSTRAINT scheduled_messages_state_check CHECK (state IN ('pending', 'released', 'canceled', 'held', 'rejected'));
-- For listing and releasing an account's holds by country; '' on scheduled rows.
ALTER TABLE scheduled_messages
  ADD COLUMN account_id   text        NOT NULL DEFAULT '',
  ADD COLUMN country      text        NOT NULL DEFAULT '',
  ADD COLUMN accepted_at  timestamptz;

-- The operator's list and the expiry loop read only held rows.
CREATE INDEX scheduled_messages_held_idx ON scheduled_messages (account_id, country, send_at) WHERE state = 'held';
CREATE INDEX scheduled_messages_held_due_idx ON scheduled_messages (send_at) WHERE state = 'held';
