-- What the channels in front of ingest need from an account's policy (email-to-SMS first):
-- the sender id to use when a message names none, and the envelope senders (MAIL FROM) that may
-- use the account's keys over SMTP. Read with the policy (findKeys), so cached with the key.

ALTER TABLE account_policies
  -- '' = no default sender: a mail must name one (a [SENDER] subject tag).
  ADD COLUMN default_sender text   NOT NULL DEFAULT '',
  -- Lower-case addresses ("ops@acme.example") or domains ("@acme.example"); empty: any sender.
  ADD COLUMN email_senders  text[] NOT NULL DEFAULT '{}',
  -- Mail the envelope sender a delivery report once every SMS of a mail is final.
  ADD COLUMN email_reports  boolean NOT NULL DEFAULT false;
