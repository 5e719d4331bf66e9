import pino, { DestinationStream, Logger } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  app: string;
  level?: string;
  /** Mask phone numbers and drop bodies (LOG_REDACT=on). */
  redact?: boolean;
  /** Where lines go; stdout by default. */
  destination?: DestinationStream;
}

// Fields that may hold message content; never logged unless redaction is turned off on purpose.
const BODY_FIELDS = ['text', 'body', 'shortMessage', '*.text', '*.body', '*.shortMessage'];
const NUMBER_FIELDS = ['to', 'from', 'msisdn', '*.to', '*.from', '*.msisdn'];

export function createLogger({ app, level = 'info', redact = true, destination }: LoggerOptions): Logger {
  const options: pino.LoggerOptions = {
    name: app,
    level,
    base: { app, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: redact
      ? {
          paths: [...BODY_FIELDS, ...NUMBER_FIELDS],
          censor: (value, path) => (BODY_FIELDS.includes(path.join('.')) || BODY_FIELDS.includes(`*.${path[path.length - 1]}`) ? '[body]' : maskNumber(String(value))),
        }
      : undefined,
  };
  return destination ? pino(options, destination) : pino(options);
}

/** "+447700900123" → "+4477009****23": enough to tell numbers apart at 3 a.m., not enough to identify. */
export function maskNumber(value: string): string {
  if (value.length <= 6) return '*'.repeat(value.length);
  const keepEnd = 2;
  const keepStart = Math.min(6, value.length - keepEnd - 2);
  return value.slice(0, keepStart) + '*'.repeat(value.length - keepStart - keepEnd) + value.slice(-keepEnd);
}
