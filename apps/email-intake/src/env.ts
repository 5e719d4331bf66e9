import { OBSERVABILITY_SETTINGS, bool, int, str, type ConfigOf } from '@smsgw/shared/util-config';

export const EMAIL_ENV = {
  ...OBSERVABILITY_SETTINGS,
  EMAIL_HTTP_PORT: int(8087, 'email-intake: HTTP port for /metrics and /healthz.', { min: 0, max: 65535 }),
  EMAIL_SMTP_HOST: str('0.0.0.0', 'email-intake: address the SMTP port listens on.'),
  EMAIL_SMTP_PORT: int(2525, 'email-intake: SMTP port (mail to <E.164 digits>@EMAIL_DOMAIN becomes SMS).', { min: 0, max: 65535 }),
  EMAIL_DOMAIN: str('sms.localhost', 'email-intake: the mail domain of phone numbers: RCPT TO <447911123456@EMAIL_DOMAIN>; other domains get 550 5.1.2.'),
  EMAIL_INGEST_TARGET: str('127.0.0.1:50051', "email-intake: ingest's gRPC address (sms.v1.SmsService), host:port; mails are sent through it with the API key given at SMTP AUTH."),
  EMAIL_TLS_CERT_FILE: str('', 'email-intake: PEM certificate for STARTTLS (with EMAIL_TLS_KEY_FILE); unset: no STARTTLS.'),
  EMAIL_TLS_KEY_FILE: str('', 'email-intake: PEM private key for STARTTLS.'),
  EMAIL_ALLOW_INSECURE_AUTH: bool(false, 'email-intake: allow SMTP AUTH (the API key) without STARTTLS; only on a trusted network (npm start sets it, listening on loopback).'),
  EMAIL_LMTP: bool(false, 'email-intake: speak LMTP instead of SMTP (behind an MTA such as Postfix): one reply per recipient after DATA.'),
  EMAIL_MAX_SIZE_BYTES: int(5 * 1024 * 1024, 'email-intake: largest mail accepted (SIZE); larger ones get 552 5.3.4.', { min: 1024, max: 100 * 1024 * 1024 }),
  EMAIL_MAX_RECIPIENTS: int(100, 'email-intake: most recipients (SMS) per mail; more get 452 4.5.3 (the client sends them in another mail).', { min: 1, max: 1000 }),
  EMAIL_MAX_CONNECTIONS: int(200, 'email-intake: SMTP connections at once; more are refused with 421.', { min: 1, max: 100_000 }),
  EMAIL_REPORT_SMTP_URL: str('', 'email-intake: relay for delivery reports to accounts that ask for them (smtp://host:port, smtps://user:pass@host); empty: no reports.'),
  EMAIL_REPORT_FROM: str('', 'email-intake: From of delivery reports; empty: postmaster@EMAIL_DOMAIN.'),
  EMAIL_REPORT_WAIT_SECONDS: int(3600, 'email-intake: how long a delivery report waits for final statuses before it is sent with what is known.', { min: 1, max: 7 * 86400 }),
  EMAIL_REPORT_MAX_PENDING: int(10_000, 'email-intake: delivery reports waiting at once (in memory: a restart loses them); more are skipped and counted.', { min: 1, max: 1_000_000 }),
  EMAIL_SERVER_NAME: str('', 'email-intake: the host name in the SMTP greeting and EHLO reply; empty: the machine\'s host name.'),
};

export type EmailEnv = ConfigOf<typeof EMAIL_ENV>;
