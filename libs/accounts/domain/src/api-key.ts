// API keys: `smsgw_<key id>_<secret>`. The prefix makes a leaked key easy to spot (secret
// scanners, logs); the key id is public and finds the stored row; the secret is 32 random bytes in
// base62 (no "_" or "-", so a double click selects the whole key) and only its SHA-256 is stored.
// A fast hash is right here: the secret has 256 bits of entropy, so there is nothing to brute-force
// and a slow KDF would only cost the hot path.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AuthError } from './errors';

export const API_KEY_PREFIX = 'smsgw';
export const KEY_ID_LENGTH = 12;
export const SECRET_BYTES = 32;
/** ceil(256 / log2(62)): every 32-byte value fits in 43 base62 digits. */
export const SECRET_LENGTH = 43;

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KEY_PATTERN = new RegExp(`^${API_KEY_PREFIX}_([0-9A-Za-z]{${KEY_ID_LENGTH}})_([0-9A-Za-z]{${SECRET_LENGTH}})$`);

export interface ParsedApiKey {
  keyId: string;
  secret: string;
}

export interface NewApiKey extends ParsedApiKey {
  /** The whole key, shown once. */
  apiKey: string;
  /** SHA-256 of the secret: all that is stored. */
  secretHash: Buffer;
}

/** Bytes as a fixed-width base62 number. */
export function base62(bytes: Uint8Array, width: number): string {
  let n = BigInt('0x' + (Buffer.from(bytes).toString('hex') || '0'));
  let out = '';
  while (n > 0n) {
    out = BASE62[Number(n % 62n)] + out;
    n /= 62n;
  }
  if (out.length > width) throw new RangeError(`${bytes.length} bytes do not fit in ${width} base62 digits`);
  return out.padStart(width, '0');
}

/** A key id: public, random, short (12 base62 digits, ~71 bits). */
export function newKeyId(random: (n: number) => Uint8Array = randomBytes): string {
  // 9 bytes (72 bits) reduced to 12 digits; a collision is caught by the primary key anyway.
  const digits = base62(random(9), 13);
  return digits.slice(-KEY_ID_LENGTH);
}

export function formatApiKey(keyId: string, secret: string): string {
  return `${API_KEY_PREFIX}_${keyId}_${secret}`;
}

/** A new key with its id, secret and the hash to store. */
export function generateApiKey(random: (n: number) => Uint8Array = randomBytes): NewApiKey {
  const keyId = newKeyId(random);
  const secret = base62(random(SECRET_BYTES), SECRET_LENGTH);
  return { keyId, secret, apiKey: formatApiKey(keyId, secret), secretHash: hashSecret(secret) };
}

export function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** Splits a presented key; throws AuthError AUTH.MALFORMED_KEY without echoing the key. */
export function parseApiKey(presented: string): ParsedApiKey {
  const m = KEY_PATTERN.exec(presented.trim());
  if (!m) {
    const hint = presented.startsWith(`${API_KEY_PREFIX}_`) ? 'it is cut short or has extra characters' : `it does not start with "${API_KEY_PREFIX}_"`;
    throw new AuthError('AUTH.MALFORMED_KEY', `the API key is not an smsgw key (${hint}); keys look like ${API_KEY_PREFIX}_<12 characters>_<43 characters>, as printed once by \`smsgw keys create\``);
  }
  return { keyId: m[1], secret: m[2] };
}

/** Whether the secret hashes to the stored hash, in constant time. */
export function secretMatches(secret: string, storedHash: Uint8Array): boolean {
  const presented = hashSecret(secret);
  return storedHash.length === presented.length && timingSafeEqual(presented, storedHash);
}

/** The key id of a presented key, or undefined: for logs, which must never hold the whole key. */
export function keyIdOf(presented: string): string | undefined {
  return KEY_PATTERN.exec(presented.trim())?.[1];
}
