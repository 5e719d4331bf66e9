import { AccountError } from './errors';
import { defaultSystemId, generateSmppPassword, hashSmppPassword, validateSystemId, verifySmppPassword } from './smpp-credential';

describe('SMPP credentials', () => {
  it('hash a password with a salt and verify only the right one', async () => {
    const password = generateSmppPassword();
    expect(password).toMatch(/^[2-9A-Za-z]{8}$/);
    const [a, b] = [await hashSmppPassword(password), await hashSmppPassword(password)];
    expect(a).not.toBe(b);
    expect(a).not.toContain(password);
    await expect(verifySmppPassword(password, a)).resolves.toBe(true);
    await expect(verifySmppPassword(password.slice(1) + 'x', a)).resolves.toBe(false);
    await expect(verifySmppPassword(password, 'sha256$abc')).resolves.toBe(false);
  });

  it('accept system ids SMPP can carry and refuse the rest with a reason', () => {
    expect(validateSystemId('acme_1')).toBe('acme_1');
    for (const bad of ['', 'a'.repeat(16), 'a b', 'é']) expect(() => validateSystemId(bad)).toThrow(AccountError);
    expect(defaultSystemId('acme')).toBe('acme');
    expect(defaultSystemId('a-very-long-account-name')).toMatch(/^a-very-lon\d{5}$/);
  });
});
