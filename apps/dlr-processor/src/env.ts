import { DATABASE_SETTINGS, KAFKA_SETTINGS, OBSERVABILITY_SETTINGS, int, str, type ConfigOf } from '@smsgw/shared/util-config';

export const DLR_ENV = {
  ...KAFKA_SETTINGS,
  ...DATABASE_SETTINGS,
  ...OBSERVABILITY_SETTINGS,
  DLR_HTTP_PORT: int(8085, 'dlr-processor: HTTP port for /metrics and /healthz.', { min: 1, max: 65535 }),
  DLR_CONSUMER_GROUP: str('smsgw-dlr-processor', 'dlr-processor: Kafka consumer group (one per status store).'),
  CARRIERS_FILE: str('config/carriers.yaml', 'The carriers file (YAML), validated as the connector validates it; the dlr-processor uses each carrier\'s receiptIdFormat, receiptStats and smscValiditySeconds (no file: "same" and the built-in stat words for every carrier).'),
  STATUS_EXPIRE_AFTER_SECONDS: int(172_800, 'dlr-processor: a message not final this long after acceptance becomes EXPIRED, unless it or its carrier gives a validity (0 turns expiry off).', { min: 0 }),
  DLR_EXPIRY_INTERVAL_SECONDS: int(60, 'dlr-processor: how often the expiry sweep runs.', { min: 1, max: 86_400 }),
  DLR_EXPIRY_BATCH: int(1000, 'dlr-processor: most messages expired per sweep transaction (a sweep runs up to 10).', { min: 1, max: 100_000 }),
  DLR_EXPIRY_GRACE_SECONDS: int(600, 'dlr-processor: a message with a validity (its own, or its carrier smscValiditySeconds) expires this long after it, so the receipt of the last attempt can still come.', { min: 0 }),
  DLR_ID_FORMAT_DETECTION_SECONDS: int(5, 'dlr-processor: how often the receipts found unmatched are checked for a carrier writing receipt ids in another base than submit_sm_resp (carriers without receiptIdFormat); 0 turns detection off.', { min: 0, max: 3600 }),
  DLR_UNMATCHED_AFTER_SECONDS: int(60, 'dlr-processor: a receipt still without its submit report after this long counts as unmatched.', { min: 1 }),
  WEBHOOK_SECRET: str('', 'dlr-processor: HMAC-SHA256 key for the X-Smsgw-Signature header of status callbacks (empty: unsigned).'),
  WEBHOOK_TIMEOUT_MS: int(5_000, 'dlr-processor: how long a status callback may take before it counts as failed (ms).', { min: 100, max: 60_000 }),
  WEBHOOK_MAX_ATTEMPTS: int(3, 'dlr-processor: attempts per status callback (back-off 0.5 s, 1 s, 2 s…) before it goes to sms.webhook.failed.v1.', { min: 1, max: 10 }),
  WEBHOOK_CONCURRENCY: int(64, 'dlr-processor: status callbacks in flight at once (each message\'s callbacks stay in order).', { min: 1, max: 1_000 }),
  INBOUND_KEYWORDS_FILE: str('', 'dlr-processor: YAML file of opt-out keywords (default/countries lists of optOut, optIn, help; see README "Two-way"); empty: the built-in lists.'),
  INBOUND_STOP_REPLY: str('You are unsubscribed and will get no more messages from this sender. Reply START to subscribe again.', 'dlr-processor: automatic reply to STOP… for accounts without their own (empty: none).'),
  INBOUND_START_REPLY: str('You are subscribed again. Reply STOP to unsubscribe.', 'dlr-processor: automatic reply to START… for accounts without their own (empty: none).'),
  INBOUND_HELP_REPLY: str('Reply STOP to unsubscribe, START to subscribe again.', 'dlr-processor: automatic reply to HELP… for accounts without their own (empty: none).'),
  INBOUND_CONVERSATION_WINDOW_SECONDS: int(604_800, 'dlr-processor: how far back a reply looks for the message it answers (the last one sent to the handset from the number).', { min: 60 }),
  INBOUND_RETENTION_SECONDS: int(2_592_000, 'dlr-processor: stored inbound messages (for WatchInbound) older than this are deleted.', { min: 3600 }),
  DLR_CORRELATION_RETENTION_SECONDS: int(604_800, 'dlr-processor: receipt_correlation rows older than this are deleted.', { min: 3600 }),
};

export type DlrEnv = ConfigOf<typeof DLR_ENV>;
