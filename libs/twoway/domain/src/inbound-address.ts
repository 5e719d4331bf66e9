import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { InboundError } from './errors';

const NUMERIC = /^\+?\d{1,15}$/;
const ALPHANUMERIC = /^[A-Za-z0-9 ]{1,11}$/;

/**
 * The one spelling of a number, short code or sender that tables and lookups use: digits without
 * "+" (SMSCs give destination_addr either way), an alphanumeric sender as it is.
 */
export function canonicalNumber(address: string): string {
  const trimmed = address.trim();
  const compact = trimmed.replace(/[\s().-]/g, '');
  return NUMERIC.test(compact) ? compact.replace(/^\+/, '') : trimmed;
}

/** A number or short code an account may hold (what AddNumber accepts); throws INBOUND.INVALID_NUMBER. */
export function validateInboundNumber(address: string): string {
  const number = canonicalNumber(address);
  if (!/^\d{3,15}$/.test(number) && !(ALPHANUMERIC.test(number) && /[A-Za-z]/.test(number))) {
    throw new InboundError('INBOUND.INVALID_NUMBER', `number "${address.slice(0, 40)}" is not a number or short code (3 to 15 digits, "+" allowed) or an alphanumeric sender (up to 11 letters, digits, spaces)`);
  }
  return number;
}

/** The handset as E.164 ("+" and digits) when the source address is a number; '' otherwise. */
export function handsetE164(address: string): string {
  const number = canonicalNumber(address);
  return /^\d{1,15}$/.test(number) ? `+${number}` : '';
}

/** ISO 3166 alpha-2 of an E.164 number ('' when unknown), for the country's keyword list. */
export function countryOf(e164: string): string {
  return (e164 && parsePhoneNumberFromString(e164)?.country) || '';
}

/**
 * A handset number an operator typed (E.164, or national in the default region) as E.164; throws
 * INBOUND.INVALID_NUMBER.
 */
export function parseHandset(input: string, defaultRegion: string): string {
  const parsed = parsePhoneNumberFromString(input.trim(), defaultRegion as never);
  if (!parsed?.isPossible()) throw new InboundError('INBOUND.INVALID_NUMBER', `number "${input.slice(0, 40)}" is not a phone number (E.164, or national in ${defaultRegion})`);
  return parsed.number;
}
