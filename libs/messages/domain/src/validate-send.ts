import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { ValidationError } from './errors';

export interface SendInput {
  to: string;
  from: string;
  text: string;
  clientReference: string;
  idempotencyKey: string;
  validitySeconds: number;
  metadata: Record<string, string>;
  callbackUrl: string;
  /** Epoch ms to send at; 0 (or a time already past) means now. */
  sendAtMs: number;
}

export interface SendRules {
  /** ISO 3166 region used to read national numbers, e.g. "GB". */
  defaultRegion: string;
  /** Longest body accepted, in characters (code points). */
  maxTextLength: number;
}

export interface ValidSend {
  /** E.164 with "+". */
  to: string;
  from: string;
  senderType: 'alphanumeric' | 'numeric';
  /** ISO 3166 alpha-2 of the destination ('' when libphonenumber-js cannot tell, e.g. +800). */
  country: string;
  /** libphonenumber-js getType() of the destination ('' when unknown), e.g. MOBILE, PREMIUM_RATE. */
  numberType: string;
}

const ALPHANUMERIC_SENDER = /^[A-Za-z0-9 ]{1,11}$/;
const NUMERIC_SENDER = /^\+?[0-9]{1,15}$/;
const MAX_METADATA_ENTRIES = 16;
const MAX_METADATA_BYTES = 2048;
const MAX_VALIDITY_SECONDS = 7 * 24 * 3600;
/** How far ahead a message may be scheduled: a year; beyond that it is almost surely a unit mistake (µs for ms). */
export const MAX_SCHEDULE_AHEAD_MS = 366 * 24 * 3_600_000;

/** Checks a send request and normalises its numbers; throws ValidationError naming the field. */
export function validateSend(input: SendInput, rules: SendRules, now = Date.now()): ValidSend {
  const { number: to, country, numberType } = readDestination(input.to, rules.defaultRegion);
  const from = input.from.trim();
  let senderType: ValidSend['senderType'];
  if (NUMERIC_SENDER.test(from)) senderType = 'numeric';
  else if (ALPHANUMERIC_SENDER.test(from) && /[A-Za-z]/.test(from)) senderType = 'alphanumeric';
  else {
    throw new ValidationError(
      'VALIDATION.INVALID_SENDER',
      'from',
      from === ''
        ? 'from is empty: give an alphanumeric sender id (up to 11 letters, digits or spaces) or a number (up to 15 digits)'
        : `from "${quoted(from)}" is not a valid sender id: alphanumeric up to 11 characters [A-Za-z0-9 ], or numeric up to 15 digits`,
    );
  }
  if (input.text.length === 0) {
    throw new ValidationError('VALIDATION.EMPTY_TEXT', 'text', 'text is empty: a message needs a body');
  }
  const unfit = unfitCharacter(input.text);
  if (unfit) {
    throw new ValidationError('VALIDATION.INVALID_TEXT', 'text', `text holds ${unfit.what} at character ${unfit.index}: send valid Unicode text, without control characters other than tab, line feed, form feed and carriage return`);
  }
  const length = countCodePoints(input.text);
  if (length > rules.maxTextLength) {
    throw new ValidationError('VALIDATION.TEXT_TOO_LONG', 'text', `text has ${length} characters; the maximum is ${rules.maxTextLength}`);
  }
  if (input.clientReference.length > 64) {
    throw new ValidationError('VALIDATION.CLIENT_REFERENCE_TOO_LONG', 'client_reference', `client_reference has ${input.clientReference.length} characters; the maximum is 64`);
  }
  if (input.idempotencyKey.length > 128) {
    throw new ValidationError('VALIDATION.IDEMPOTENCY_KEY_TOO_LONG', 'idempotency_key', `idempotency_key has ${input.idempotencyKey.length} characters; the maximum is 128`);
  }
  if (input.validitySeconds > MAX_VALIDITY_SECONDS) {
    throw new ValidationError('VALIDATION.VALIDITY_TOO_LONG', 'validity_seconds', `validity_seconds is ${input.validitySeconds}; the maximum is ${MAX_VALIDITY_SECONDS} (7 days)`);
  }
  const entries = Object.entries(input.metadata);
  const metadataBytes = entries.reduce((n, [k, v]) => n + k.length + v.length, 0);
  if (entries.length > MAX_METADATA_ENTRIES || metadataBytes > MAX_METADATA_BYTES) {
    throw new ValidationError('VALIDATION.METADATA_TOO_LARGE', 'metadata', `metadata has ${entries.length} entries and ${metadataBytes} characters; the maximum is ${MAX_METADATA_ENTRIES} entries and ${MAX_METADATA_BYTES} characters`);
  }
  if (input.sendAtMs > now + MAX_SCHEDULE_AHEAD_MS) {
    throw new ValidationError(
      'VALIDATION.SEND_AT_TOO_FAR',
      'send_at_ms',
      `send_at_ms ${input.sendAtMs} (${describeTime(input.sendAtMs)}) is more than a year ahead; messages can be scheduled up to one year ahead (send_at_ms is epoch milliseconds)`,
    );
  }
  if (input.callbackUrl !== '' && !/^https?:\/\/[^\s]+$/.test(input.callbackUrl)) {
    throw new ValidationError('VALIDATION.INVALID_CALLBACK_URL', 'callback_url', `callback_url "${quoted(input.callbackUrl)}" must be an http or https URL`);
  }
  return { to, from, senderType, country, numberType };
}

/** Parses a destination (E.164, or national in the default region) into E.164. */
export function normaliseDestination(raw: string, defaultRegion: string): string {
  return readDestination(raw, defaultRegion).number;
}

/** The destination in E.164, its country and number type, from one parse. */
export function readDestination(raw: string, defaultRegion: string): { number: string; country: string; numberType: string } {
  const value = raw.trim();
  if (value === '') throw new ValidationError('VALIDATION.INVALID_DESTINATION', 'to', 'to is empty: give the destination in E.164 form, e.g. +447911123456');
  // libphonenumber reads a number out of surrounding text ("x447911123456", Arabic-Indic digits):
  // a destination is only ASCII digits, one leading "+", and the usual separators.
  const parsed = DIALLABLE.test(value) ? parsePhoneNumberFromString(value, defaultRegion as CountryCode) : undefined;
  // With the full ("max") metadata isValid() is getType() !== undefined: one type match, not two
  // (the regular expressions of the type match were 6 % of ingest's CPU on unary sends).
  const type = parsed?.getType();
  if (!parsed || type === undefined) {
    throw new ValidationError(
      'VALIDATION.INVALID_DESTINATION',
      'to',
      `to "${quoted(value)}" is not a valid phone number (read with default region ${defaultRegion}); use E.164, e.g. +447911123456`,
    );
  }
  if (type === 'FIXED_LINE') {
    throw new ValidationError('VALIDATION.DESTINATION_NOT_MOBILE', 'to', `to "${quoted(value)}" is a fixed-line number and cannot receive SMS`);
  }
  return { number: parsed.number, country: parsed.country ?? '', numberType: type };
}

const DIALLABLE = /^\+?[0-9 ().-]{1,32}$/;

/** A value echoed in an error: short (gRPC sends the message in a header) and printable. */
function quoted(value: string): string {
  const printable = value.replace(/[\p{Cc}\p{Cs}]/gu, '\uFFFD');
  return printable.length > 40 ? `${printable.slice(0, 40)}…` : printable;
}

// Lone surrogates are not Unicode (they reach us from raw protobuf bytes); control characters
// mean nothing on a handset and break carriers' receipt and MO text parsing.
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const UNFIT = /[\u0000-\u0008\u000b\u000e-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/u;

function unfitCharacter(text: string): { what: string; index: number } | undefined {
  const m = UNFIT.exec(text);
  if (!m) return undefined;
  const code = m[0].charCodeAt(0);
  const what = code >= 0xd800 ? `a lone surrogate (U+${code.toString(16).toUpperCase()})` : `the control character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return { what, index: m.index };
}

function countCodePoints(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) i++;
    n++;
  }
  return n;
}

function describeTime(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) || date.getUTCFullYear() > 9999 ? 'beyond the year 9999' : date.toISOString();
}
