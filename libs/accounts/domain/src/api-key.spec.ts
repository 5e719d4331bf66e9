import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { API_KEY_PREFIX, SECRET_LENGTH, base62, formatApiKey, generateApiKey, hashSecret, keyIdOf, parseApiKey, secretMatches } from './api-key';
import { AuthError } from './errors';

const BASE62 = /^[0-9A-Za-z]+$/;
const keyOf = (bytes: Uint8Array[]) => {
  let i = 0;
  return generateApiKey((n) => {
    const b = bytes[i++ % bytes.length];
    return Uint8Array.from({ length: n }, (_, k) => b[k % b.length] ?? 0);
  });
};
const seeds = fc.array(fc.uint8Array({ minLength: 1, maxLength: 32 }), { minLength: 2, maxLength: 2 });

describe('API keys', () => {
  it('look like smsgw_<12>_<43>, base62 only, and store only the SHA-256 of the secret', () => {
    const key = generateApiKey();
    expect(key.apiKey).toMatch(/^smsgw_[0-9A-Za-z]{12}_[0-9A-Za-z]{43}$/);
    expect(key.apiKey).toBe(`${API_KEY_PREFIX}_${key.keyId}_${key.secret}`);
    expect(key.secretHash).toEqual(hashSecret(key.secret));
    expect(key.secretHash.toString('hex')).toBe(createHash('sha256').update(key.secret).digest('hex'));
    expect(generateApiKey().apiKey).not.toBe(key.apiKey);
  });

  it('base62 keeps every 32-byte value in 43 digits, and different bytes give different digits', () => {
    expect(base62(new Uint8Array(32).fill(255), SECRET_LENGTH)).toMatch(/^[0-9A-Za-z]{43}$/);
    expect(base62(new Uint8Array(32), SECRET_LENGTH)).toBe('0'.repeat(43));
    expect(() => base62(new Uint8Array(33).fill(255), SECRET_LENGTH)).toThrow(RangeError);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (a, b) => {
        const [x, y] = [base62(a, SECRET_LENGTH), base62(b, SECRET_LENGTH)];
        expect(x).toMatch(BASE62);
        expect(x === y).toBe(Buffer.from(a).equals(Buffer.from(b)));
      }),
    );
  });

  it('parse(format(key)) gives the key back and its secret verifies (property)', () => {
    fc.assert(
      fc.property(seeds, (bytes) => {
        const key = keyOf(bytes);
        const parsed = parseApiKey(key.apiKey);
        expect(parsed).toEqual({ keyId: key.keyId, secret: key.secret });
        expect(formatApiKey(parsed.keyId, parsed.secret)).toBe(key.apiKey);
        expect(secretMatches(parsed.secret, key.secretHash)).toBe(true);
        expect(keyIdOf(key.apiKey)).toBe(key.keyId);
      }),
    );
  });

  it('a key with any character of its secret changed fails verification (property)', () => {
    fc.assert(
      fc.property(seeds, fc.nat(SECRET_LENGTH - 1), fc.constantFrom(...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'), (bytes, at, c) => {
        const key = keyOf(bytes);
        fc.pre(key.secret[at] !== c);
        const tampered = key.secret.slice(0, at) + c + key.secret.slice(at + 1);
        const parsed = parseApiKey(formatApiKey(key.keyId, tampered));
        expect(secretMatches(parsed.secret, key.secretHash)).toBe(false);
      }),
    );
  });

  it('anything else fails to parse with AUTH.MALFORMED_KEY and never echoes the input (property)', () => {
    const valid = generateApiKey().apiKey;
    const cases = [
      '',
      'Bearer ' + valid,
      valid.slice(0, -1),
      valid + 'x',
      valid.replace('smsgw_', 'sk_'),
      valid.replace(/_([^_]+)$/, '-$1'),
      valid.slice(0, 20) + '+' + valid.slice(21),
    ];
    for (const bad of cases) {
      expect(() => parseApiKey(bad)).toThrow(AuthError);
      try {
        parseApiKey(bad);
      } catch (err) {
        expect((err as AuthError).code).toBe('AUTH.MALFORMED_KEY');
        if (bad.length > 8) expect((err as Error).message).not.toContain(bad);
      }
    }
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (s) => {
        fc.pre(!/^smsgw_[0-9A-Za-z]{12}_[0-9A-Za-z]{43}$/.test(s.trim()));
        expect(() => parseApiKey(s)).toThrow(/not an smsgw key/);
        expect(keyIdOf(s)).toBeUndefined();
      }),
    );
  });

  it('secretMatches refuses a stored hash of another length instead of throwing', () => {
    expect(secretMatches('x', new Uint8Array(16))).toBe(false);
  });
});
