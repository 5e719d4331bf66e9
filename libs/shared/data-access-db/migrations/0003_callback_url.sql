-- Status callbacks (webhooks): the status store keeps each message's callback URL, so every status
-- event it publishes carries it and the webhook dispatcher needs no lookup.
ALTER TABLE messages ADD COLUMN callback_url text NOT NULL DEFAULT '';
