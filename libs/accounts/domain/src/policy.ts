import { AccountError } from './errors';

/**
 * What an account may send (stored per account; an account without a stored policy has
 * DEFAULT_POLICY). Empty lists mean "any".
 */
export interface AccountPolicy {
  /** Sender ids: exact values, or a prefix and "*" (e.g. "ACME*"); empty = any sender. */
  senders: string[];
  /** ISO 3166 alpha-2 destination countries; empty = any country. */
  countries: string[];
  /** Number types of BLOCKED_NUMBER_TYPES this account may send to anyway. */
  allowedNumberTypes: string[];
  /** callback_url may be http (else https only). */
  callbackHttp: boolean;
  /** callback_url may name a loopback, link-local, private or unique-local address. */
  callbackPrivate: boolean;
  /** Messages per second, on average, shared by every ingest replica. */
  ratePerSecond: number;
  /** The most messages at once (≥ ratePerSecond); see rateWindow. */
  rateBurst: number;
  /** SMS-pumping protection per destination country: off, monitor (count only), refuse, or hold (accept as HELD for an operator); see PUMPING. */
  pumpingMode: PumpingMode;
  /** Messages per minute to one country always allowed, whatever the account's usual rate. */
  pumpingMinPerMinute: number;
  /** Above the floor, a minute may hold this many times the account's usual rate to the country. */
  pumpingFactor: number;
  /** The sender id a channel uses when a message names none (email without a [SENDER] tag); '' = none. */
  defaultSender: string;
  /** Envelope senders allowed over SMTP: lower-case addresses or "@domain"; empty = any. */
  emailSenders: string[];
  /** Mail the envelope sender a delivery report once every SMS of its mail is final. */
  emailReports: boolean;
  /** The account has a balance (read with its key, not stored in the policy): each message reserves its worst-case price. */
  prepaid?: boolean;
}

export const PUMPING_MODES = ['off', 'monitor', 'refuse', 'hold'] as const;
export type PumpingMode = (typeof PUMPING_MODES)[number];
/**
 * SMS-pumping protection: the account's usual rate to each destination country is a moving
 * average of its messages per minute (an exponentially weighted average over about
 * baselineMinutes, learnt only from messages let through); a minute may hold
 * max(pumpingMinPerMinute, pumpingFactor × usual) messages to the country. Counted in Redis,
 * one call per batch.
 */
export const PUMPING = { baselineMinutes: 60, defaultMode: 'refuse' as PumpingMode, defaultMinPerMinute: 1000, defaultFactor: 10, maxFactor: 1000 } as const;

export const DEFAULT_RATE = { ratePerSecond: 100, rateBurst: 200 } as const;
export const MAX_RATE_PER_SECOND = 1_000_000;

export const DEFAULT_PUMPING = { pumpingMode: PUMPING.defaultMode, pumpingMinPerMinute: PUMPING.defaultMinPerMinute, pumpingFactor: PUMPING.defaultFactor } as const;
export const DEFAULT_POLICY: AccountPolicy = Object.freeze({ senders: [], countries: [], allowedNumberTypes: [], callbackHttp: false, callbackPrivate: false, ...DEFAULT_RATE, ...DEFAULT_PUMPING, defaultSender: '', emailSenders: [], emailReports: false }) as AccountPolicy;

/**
 * The rate limit as a counting window: up to `points` messages per `seconds` (whole seconds, the
 * counter's granularity in Redis), so ratePerSecond on average and a burst of up to rateBurst.
 */
export function rateWindow(policy: Pick<AccountPolicy, 'ratePerSecond' | 'rateBurst'>): { points: number; seconds: number } {
  const seconds = Math.max(1, Math.round(policy.rateBurst / policy.ratePerSecond));
  return { points: policy.ratePerSecond * seconds, seconds };
}

/** Over the account's rate: retry after retryAfterMs. */
export class RateLimitedError extends Error {
  readonly code = 'RATE.LIMITED';
  constructor(
    readonly retryAfterMs: number,
    readonly ratePerSecond: number,
  ) {
    super(`this account is over its rate limit (${ratePerSecond} messages/s); retry in ${retryAfterMs} ms`);
    this.name = 'RateLimitedError';
  }
}

/** A minute's messages to one country far above the account's usual rate there: retry after retryAfterMs (the next minute). */
export class PumpingSuspectedError extends Error {
  readonly code = 'RATE.PUMPING_SUSPECTED';
  readonly field = 'to';
  constructor(
    readonly country: string,
    readonly retryAfterMs: number,
  ) {
    super(`to: this account is sending to ${country} far faster than it usually does (SMS-pumping protection); retry in ${retryAfterMs} ms, or an admin can raise the limit: smsgw accounts policy <account> --pumping-min … --pumping-factor …`);
    this.name = 'PumpingSuspectedError';
  }
}

/**
 * Pumping mode "hold": messages above the limit are accepted (the client gets their ids, status
 * HELD) but not sent until an operator releases them; rejected by an operator, or still held when
 * the hold time ends, they end FAILED with one of these reason codes and their reservation is
 * refunded. Held messages do not count towards the account's usual rate (as refused ones do not).
 */
export const PUMPING_HOLD = { rejectedCode: 'RATE.PUMPING_REJECTED', expiredCode: 'RATE.PUMPING_HOLD_EXPIRED', maxListed: 1000, defaultListed: 100 } as const;

/** libphonenumber-js getType() values refused unless the account allows them: costly or not a person's phone. */
export const BLOCKED_NUMBER_TYPES = ['PREMIUM_RATE', 'SHARED_COST', 'TOLL_FREE', 'UAN', 'VOICEMAIL', 'PAGER', 'PERSONAL_NUMBER'] as const;

export type PolicyCode = 'POLICY.SENDER_NOT_ALLOWED' | 'POLICY.COUNTRY_NOT_ALLOWED' | 'POLICY.NUMBER_TYPE_BLOCKED' | 'POLICY.CALLBACK_URL_NOT_ALLOWED';

/** A message refused by its account's policy: the stable code, the field, and what to do. */
export class PolicyError extends Error {
  constructor(
    readonly code: PolicyCode,
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'PolicyError';
  }

  /** The account may not send this (as opposed to a request that is wrong for any account). */
  get forbidden(): boolean {
    return this.code !== 'POLICY.CALLBACK_URL_NOT_ALLOWED';
  }
}

/** The parts of a validated message the policy looks at. */
export interface PolicedMessage {
  from: string;
  /** ISO 3166 alpha-2 of the destination ('' if unknown). */
  country: string;
  /** libphonenumber-js getType() of the destination ('' if unknown). */
  numberType: string;
  callbackUrl: string;
}

export type PolicyVerdict = { allowed: true } | { allowed: false; error: PolicyError };

const ALLOWED: PolicyVerdict = Object.freeze({ allowed: true });
const refuse = (code: PolicyCode, field: string, message: string): PolicyVerdict => ({ allowed: false, error: new PolicyError(code, field, message) });

/** The account's rules for one message (already validated, so its numbers are normalised). */
export function checkPolicy(message: PolicedMessage, policy: AccountPolicy): PolicyVerdict {
  if (!senderAllowed(message.from, policy)) {
    return refuse('POLICY.SENDER_NOT_ALLOWED', 'from', `from "${message.from}" is not one of this account's sender ids (${policy.senders.join(', ')}); an admin can add it: smsgw accounts policy <account> --senders …`);
  }
  const destination = checkDestination(message, policy);
  if (!destination.allowed) return destination;
  if (message.callbackUrl !== '') {
    const why = callbackRefusal(message.callbackUrl, policy);
    if (why) return refuse('POLICY.CALLBACK_URL_NOT_ALLOWED', 'callback_url', `callback_url ${why}`);
  }
  return ALLOWED;
}

/** The destination rules alone (country, number type): what a channel can check per recipient before it knows the rest. */
export function checkDestination(message: Pick<PolicedMessage, 'country' | 'numberType'>, policy: AccountPolicy): PolicyVerdict {
  if (policy.countries.length > 0 && !policy.countries.includes(message.country)) {
    return refuse('POLICY.COUNTRY_NOT_ALLOWED', 'to', `to: this account may not send to ${message.country || 'this destination'} (allowed: ${policy.countries.join(', ')}); an admin can allow it: smsgw accounts policy <account> --countries …`);
  }
  if ((BLOCKED_NUMBER_TYPES as readonly string[]).includes(message.numberType) && !policy.allowedNumberTypes.includes(message.numberType)) {
    return refuse('POLICY.NUMBER_TYPE_BLOCKED', 'to', `to is a ${message.numberType} number, blocked for this account (costly or not a handset); an admin can allow it: smsgw accounts policy <account> --allow-number-types ${message.numberType}`);
  }
  return ALLOWED;
}

/** Whether the account may use this sender id (an empty list allows any). */
export function senderAllowed(sender: string, policy: Pick<AccountPolicy, 'senders'>): boolean {
  return policy.senders.length === 0 || policy.senders.some((s) => senderMatches(s, sender));
}

/** Throws the verdict's PolicyError. */
export function assertPolicy(message: PolicedMessage, policy: AccountPolicy): void {
  const verdict = checkPolicy(message, policy);
  if (!verdict.allowed) throw verdict.error;
}

/**
 * The callback-URL rules for any URL the gateway will POST to for the account (status callbacks,
 * inbound webhooks): throws PolicyError POLICY.CALLBACK_URL_NOT_ALLOWED naming `field`.
 */
export function assertCallbackUrl(url: string, policy: AccountPolicy, field: string): void {
  const why = callbackRefusal(url, policy);
  if (why) throw new PolicyError('POLICY.CALLBACK_URL_NOT_ALLOWED', field, `${field} ${why}`);
}

/** "ACME*" matches every sender starting with ACME; anything else matches itself only. */
export function senderMatches(pattern: string, sender: string): boolean {
  return pattern.endsWith('*') ? sender.startsWith(pattern.slice(0, -1)) : sender === pattern;
}

function callbackRefusal(raw: string, policy: AccountPolicy): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.callbackHttp)) {
    return `must be https${url.protocol === 'http:' ? ' (http is allowed only for accounts with --callback-http)' : ''}`;
  }
  if (!policy.callbackPrivate && isPrivateHost(url.hostname)) {
    return `names a loopback, link-local or private address (${url.hostname}); status callbacks go to public addresses only (an admin can allow it: --callback-private)`;
  }
  return undefined;
}

/**
 * Loopback, link-local, private, unique-local, unspecified and shared (CGNAT) addresses, as
 * IPv4 or IPv6 literals (a URL's hostname, IPv6 in brackets), and "localhost". Hostnames that
 * resolve to such addresses are not checked here (that needs DNS, at delivery time).
 */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const v4 = parseIpv4(host);
  if (v4) return isPrivateIpv4(v4);
  if (host.startsWith('[') && host.endsWith(']')) {
    const v6 = parseIpv6(host.slice(1, -1));
    return v6 === undefined ? true : isPrivateIpv6(v6); // unparseable literal: refuse, never guess
  }
  return false;
}

function parseIpv4(s: string): number[] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.map(Number);
}

function isPrivateIpv4([a, b]: number[]): boolean {
  return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
}

/** Eight 16-bit groups, or undefined. */
function parseIpv6(s: string): number[] | undefined {
  let text = s;
  const lastColon = text.lastIndexOf(':');
  const v4 = lastColon >= 0 ? parseIpv4(text.slice(lastColon + 1)) : undefined;
  if (v4) text = `${text.slice(0, lastColon + 1)}${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string) => (h === '' ? [] : h.split(':').map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN)));
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  const n = head.length + tail.length;
  if ([...head, ...tail].some(Number.isNaN) || (halves.length === 1 ? n !== 8 : n > 7)) return undefined;
  return [...head, ...new Array<number>(8 - n).fill(0), ...tail];
}

function isPrivateIpv6(g: number[]): boolean {
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return isPrivateIpv4([g[6] >> 8, g[6] & 0xff]); // IPv4-mapped
  if (g.slice(0, 7).every((x) => x === 0)) return g[7] <= 1; // :: and ::1
  return (g[0] & 0xfe00) === 0xfc00 || (g[0] & 0xffc0) === 0xfe80; // fc00::/7 unique local, fe80::/10 link-local
}

const SENDER_PATTERN = /^(?:[A-Za-z0-9 ]{1,11}|\+?[0-9]{1,15}|[A-Za-z0-9 ]{0,10}\*)$/;
const COUNTRY = /^[A-Z]{2}$/;
const SENDER_ID = /^(?:[A-Za-z0-9 ]{1,11}|\+?[0-9]{1,15})$/;
// An address (local part without spaces or "@") or "@domain"; domains with at least one dot.
const EMAIL_SENDER = /^(?:[^\s@]{1,64})?@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/;

/** Checks and normalises a policy given by an admin; throws ACCOUNT.INVALID_POLICY. */
export function validatePolicy(policy: AccountPolicy): AccountPolicy {
  const senders = [...new Set(policy.senders.map((s) => s.trim()).filter((s) => s !== ''))];
  const bad = senders.find((s) => !SENDER_PATTERN.test(s));
  if (bad !== undefined) throw new AccountError('ACCOUNT.INVALID_POLICY', `sender "${bad}" is neither a sender id (up to 11 letters, digits or spaces, or up to 15 digits) nor a prefix ending in "*" (e.g. ACME*)`);
  const countries = [...new Set(policy.countries.map((c) => c.trim().toUpperCase()).filter((c) => c !== ''))];
  const badCountry = countries.find((c) => !COUNTRY.test(c));
  if (badCountry !== undefined) throw new AccountError('ACCOUNT.INVALID_POLICY', `country "${badCountry}" is not an ISO 3166 alpha-2 code (e.g. GB, FR)`);
  const allowedNumberTypes = [...new Set(policy.allowedNumberTypes.map((t) => t.trim().toUpperCase()).filter((t) => t !== ''))];
  const badType = allowedNumberTypes.find((t) => !(BLOCKED_NUMBER_TYPES as readonly string[]).includes(t));
  if (badType !== undefined) throw new AccountError('ACCOUNT.INVALID_POLICY', `number type "${badType}" is not one that is blocked; the blocked types are ${BLOCKED_NUMBER_TYPES.join(', ')}`);
  // 0 (a wire default): the default rate.
  const ratePerSecond = policy.ratePerSecond || DEFAULT_RATE.ratePerSecond;
  const rateBurst = policy.rateBurst || Math.max(ratePerSecond, policy.ratePerSecond ? ratePerSecond * 2 : DEFAULT_RATE.rateBurst);
  if (!Number.isInteger(ratePerSecond) || ratePerSecond < 1 || ratePerSecond > MAX_RATE_PER_SECOND) throw new AccountError('ACCOUNT.INVALID_POLICY', `rate ${ratePerSecond} is not a whole number of messages per second from 1 to ${MAX_RATE_PER_SECOND}`);
  if (!Number.isInteger(rateBurst) || rateBurst < ratePerSecond || rateBurst > ratePerSecond * 60) throw new AccountError('ACCOUNT.INVALID_POLICY', `burst ${rateBurst} must be a whole number from the rate (${ratePerSecond}) to 60 times it`);
  // '' and 0 (wire defaults): the defaults.
  const pumpingMode = (policy.pumpingMode || PUMPING.defaultMode) as PumpingMode;
  if (!(PUMPING_MODES as readonly string[]).includes(pumpingMode)) throw new AccountError('ACCOUNT.INVALID_POLICY', `pumping mode "${String(pumpingMode).slice(0, 20)}" is not one of ${PUMPING_MODES.join(', ')}`);
  const pumpingMinPerMinute = policy.pumpingMinPerMinute || PUMPING.defaultMinPerMinute;
  if (!Number.isInteger(pumpingMinPerMinute) || pumpingMinPerMinute < 1) throw new AccountError('ACCOUNT.INVALID_POLICY', `pumping floor ${pumpingMinPerMinute} is not a whole number of messages per minute of at least 1`);
  const pumpingFactor = policy.pumpingFactor || PUMPING.defaultFactor;
  if (!(pumpingFactor >= 1 && pumpingFactor <= PUMPING.maxFactor)) throw new AccountError('ACCOUNT.INVALID_POLICY', `pumping factor ${pumpingFactor} must be from 1 to ${PUMPING.maxFactor} (times the usual rate)`);
  const defaultSender = (policy.defaultSender ?? '').trim();
  if (defaultSender !== '' && (!SENDER_ID.test(defaultSender) || !senderAllowed(defaultSender, { senders }))) {
    throw new AccountError('ACCOUNT.INVALID_POLICY', `default sender "${defaultSender}" must be a sender id (up to 11 letters, digits or spaces, or up to 15 digits) allowed by the account's senders (${senders.join(', ') || 'any'})`);
  }
  const emailSenders = [...new Set((policy.emailSenders ?? []).map((e) => e.trim().toLowerCase()).filter((e) => e !== ''))];
  const badEmail = emailSenders.find((e) => !EMAIL_SENDER.test(e));
  if (badEmail !== undefined) throw new AccountError('ACCOUNT.INVALID_POLICY', `email sender "${badEmail}" is neither an address (ops@acme.example) nor a domain with a leading "@" (@acme.example)`);
  return { senders, countries, allowedNumberTypes, callbackHttp: policy.callbackHttp, callbackPrivate: policy.callbackPrivate, ratePerSecond, rateBurst, pumpingMode, pumpingMinPerMinute, pumpingFactor, defaultSender, emailSenders, emailReports: policy.emailReports ?? false };
}
