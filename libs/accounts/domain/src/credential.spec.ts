import { generateApiKey, parseApiKey } from './api-key';
import { assertNamedAccount, bearerToken, presentedApiKey, validateAccountName, verifyApiKey, type StoredKey } from './credential';
import { AccountError, AuthError } from './errors';
import { DEFAULT_POLICY } from './policy';

const key = generateApiKey();
const stored = (over: Partial<StoredKey> = {}): StoredKey => ({ keyId: key.keyId, accountId: 'acc-1', secretHash: key.secretHash, revoked: false, accountEnabled: true, policy: DEFAULT_POLICY, ...over });
const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as AuthError).code;
  }
  return 'no error';
};

describe('verifyApiKey', () => {
  it('gives the account of a good key', () => {
    expect(verifyApiKey(parseApiKey(key.apiKey), stored({ accountName: 'acme' }))).toEqual({ accountId: 'acc-1', accountName: 'acme', keyId: key.keyId, policy: DEFAULT_POLICY });
  });

  it('answers an unknown key and a wrong secret alike', () => {
    const other = generateApiKey();
    expect(codeOf(() => verifyApiKey(parseApiKey(key.apiKey), undefined))).toBe('AUTH.INVALID_KEY');
    expect(codeOf(() => verifyApiKey({ keyId: key.keyId, secret: other.secret }, stored()))).toBe('AUTH.INVALID_KEY');
  });

  it('refuses a revoked key, and a disabled account as forbidden', () => {
    expect(codeOf(() => verifyApiKey(parseApiKey(key.apiKey), stored({ revoked: true })))).toBe('AUTH.KEY_REVOKED');
    const disabled = (() => {
      try {
        verifyApiKey(parseApiKey(key.apiKey), stored({ accountEnabled: false }));
      } catch (err) {
        return err as AuthError;
      }
    })();
    expect(disabled?.code).toBe('AUTH.ACCOUNT_DISABLED');
    expect(disabled?.forbidden).toBe(true);
    expect(new AuthError('AUTH.INVALID_KEY', 'x').forbidden).toBe(false);
  });
});

describe('the authorization metadata', () => {
  it('reads "Bearer <key>" in any case of the scheme', () => {
    expect(bearerToken(`Bearer ${key.apiKey}`)).toBe(key.apiKey);
    expect(bearerToken(`bearer  ${key.apiKey} `)).toBe(key.apiKey);
    expect(bearerToken(key.apiKey)).toBeUndefined();
    expect(bearerToken('Basic abc')).toBeUndefined();
  });

  it('says AUTH.MISSING_KEY when there is none or it is not a bearer token', () => {
    expect(codeOf(() => presentedApiKey(undefined))).toBe('AUTH.MISSING_KEY');
    expect(() => presentedApiKey(undefined)).toThrow(/authorization: Bearer/);
    expect(codeOf(() => presentedApiKey('Basic abc'))).toBe('AUTH.MISSING_KEY');
  });
});

describe('validateAccountName', () => {
  it('keeps plain names and refuses others', () => {
    expect(validateAccountName(' acme-eu.prod_1 ')).toBe('acme-eu.prod_1');
    for (const bad of ['', '-x', 'a b', 'x'.repeat(65), 'naïve']) expect(() => validateAccountName(bad)).toThrow(AccountError);
  });
});

describe('assertNamedAccount', () => {
  const principal = { accountId: 'acc-1', accountName: 'acme', keyId: key.keyId, policy: DEFAULT_POLICY };
  it('passes the key of the account named by id or name, and refuses another or none as forbidden', () => {
    expect(assertNamedAccount(principal, 'acc-1')).toBe(principal);
    expect(assertNamedAccount(principal, 'acme')).toBe(principal);
    for (const named of ['acc-2', '', undefined]) {
      const code = codeOf(() => assertNamedAccount(principal, named));
      expect([named, code]).toEqual([named, 'AUTH.ACCOUNT_MISMATCH']);
    }
    expect(new AuthError('AUTH.ACCOUNT_MISMATCH', 'x').forbidden).toBe(true);
  });
});
