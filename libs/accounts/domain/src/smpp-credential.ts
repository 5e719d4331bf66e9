// SMPP credentials of an account: the system_id and password an ESME binds with (SMPP 3.4
// §5.2.1: system_id at most 15 characters, password at most 8). Eight characters are too few for
// a fast hash, so the password is kept as a salted scrypt hash; binds are rare, the cost is fine.
import { randomBytes, randomInt, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { AccountError } from './errors';

export const SYSTEM_ID_MAX = 15;
export const SMPP_PASSWORD_LENGTH = 8;
const SYSTEM_ID_PATTERN = /^[A-Za-z0-9._-]{1,15}$/;
const PASSWORD_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const SCRYPT = { N: 16384, r: 8, p: 1 } as const;

function scrypt(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(password, salt, 32, options, (err, key) => (err ? reject(err) : resolve(key))));
}

/** A system_id as stored: 1 to 15 letters, digits, ".", "_", "-"; throws ACCOUNT.INVALID_SYSTEM_ID. */
export function validateSystemId(systemId: string): string {
  if (!SYSTEM_ID_PATTERN.test(systemId)) {
    throw new AccountError('ACCOUNT.INVALID_SYSTEM_ID', `system_id "${systemId.slice(0, 32)}": expected 1 to ${SYSTEM_ID_MAX} letters, digits, ".", "_" or "-" (SMPP 3.4 allows 15 characters)`);
  }
  return systemId;
}

/** The default system_id for an account: its name when it fits, else the name cut, plus random digits. */
export function defaultSystemId(accountName: string): string {
  const clean = accountName.replace(/[^A-Za-z0-9._-]/g, '');
  if (clean.length >= 1 && clean.length <= SYSTEM_ID_MAX) return clean;
  return `${clean.slice(0, SYSTEM_ID_MAX - 5)}${randomInt(10000, 99999)}`;
}

/** A new password: 8 characters of a 56-letter alphabet without look-alikes (about 46 bits). */
export function generateSmppPassword(): string {
  let out = '';
  for (let i = 0; i < SMPP_PASSWORD_LENGTH; i++) out += PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)];
  return out;
}

/** `scrypt$N$r$p$<salt base64>$<hash base64>` */
export async function hashSmppPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Whether the password matches a stored hash (false for a hash in an unknown format). */
export async function verifySmppPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await scrypt(password, Buffer.from(salt, 'base64'), { N: Number(n), r: Number(r), p: Number(p) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
