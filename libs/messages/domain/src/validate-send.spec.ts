import fc from 'fast-check';
import { getCountries, getCountryCallingCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { MAX_SCHEDULE_AHEAD_MS, ValidationError, normaliseDestination, readDestination, validateSend, type SendInput } from './index';

const rules = { defaultRegion: 'GB', maxTextLength: 1000 };
const base: SendInput = { to: '+447911123456', from: 'ACME', text: 'hello', clientReference: '', idempotencyKey: '', validitySeconds: 0, metadata: {}, callbackUrl: '', sendAtMs: 0 };

function errorOf(input: Partial<SendInput>): ValidationError {
  try {
    validateSend({ ...base, ...input }, rules);
  } catch (err) {
    return err as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

describe('validateSend', () => {
  it('accepts a good request and reports the sender type', () => {
    expect(validateSend(base, rules)).toEqual({ to: '+447911123456', from: 'ACME', senderType: 'alphanumeric', country: 'GG', numberType: 'MOBILE' }); // +44 7911 is Guernsey's range
    expect(validateSend({ ...base, from: '447700900999' }, rules).senderType).toBe('numeric');
    // The country and number type the account policy checks (premium-rate: GB 09…).
    expect(validateSend({ ...base, to: '+33612345678' }, rules)).toMatchObject({ country: 'FR', numberType: 'MOBILE' });
    expect(validateSend({ ...base, to: '+447400123456' }, rules)).toMatchObject({ country: 'GB', numberType: 'MOBILE' });
    expect(validateSend({ ...base, to: '+449098790123' }, rules)).toMatchObject({ country: 'GB', numberType: 'PREMIUM_RATE' });
  });

  it('normalises national numbers with the default region', () => {
    expect(normaliseDestination('07911 123456', 'GB')).toBe('+447911123456');
    expect(normaliseDestination('+49 151 23456789', 'GB')).toBe('+4915123456789');
    expect(normaliseDestination('(201) 555-0123', 'US')).toBe('+12015550123');
  });

  it.each([
    [{ to: '' }, 'to', 'VALIDATION.INVALID_DESTINATION'],
    [{ to: '12' }, 'to', 'VALIDATION.INVALID_DESTINATION'],
    [{ to: 'not a number' }, 'to', 'VALIDATION.INVALID_DESTINATION'],
    [{ to: 'x447911123456' }, 'to', 'VALIDATION.INVALID_DESTINATION'],
    [{ to: '+447911123456 call me' }, 'to', 'VALIDATION.INVALID_DESTINATION'],
    [{ to: '+٤٤٧٩١١١٢٣٤٥٦' }, 'to', 'VALIDATION.INVALID_DESTINATION'],
    [{ to: '+' }, 'to', 'VALIDATION.INVALID_DESTINATION'],
    [{ to: '+4479111234567890123456789' }, 'to', 'VALIDATION.INVALID_DESTINATION'],
    [{ to: '+442079460000' }, 'to', 'VALIDATION.DESTINATION_NOT_MOBILE'],
    [{ from: '' }, 'from', 'VALIDATION.INVALID_SENDER'],
    [{ from: 'TwelveChars!' }, 'from', 'VALIDATION.INVALID_SENDER'],
    [{ from: 'ABCDEFGHIJKL' }, 'from', 'VALIDATION.INVALID_SENDER'],
    [{ from: '1234567890123456' }, 'from', 'VALIDATION.INVALID_SENDER'],
    [{ text: '' }, 'text', 'VALIDATION.EMPTY_TEXT'],
    [{ text: 'x'.repeat(1001) }, 'text', 'VALIDATION.TEXT_TOO_LONG'],
    [{ text: 'half \uD83D an emoji' }, 'text', 'VALIDATION.INVALID_TEXT'],
    [{ text: 'trailing high \uD83D' }, 'text', 'VALIDATION.INVALID_TEXT'],
    [{ text: '\uDE00 low first' }, 'text', 'VALIDATION.INVALID_TEXT'],
    [{ text: 'nul\u0000' }, 'text', 'VALIDATION.INVALID_TEXT'],
    [{ text: 'bell\u0007' }, 'text', 'VALIDATION.INVALID_TEXT'],
    [{ text: 'esc\u001b[31m' }, 'text', 'VALIDATION.INVALID_TEXT'],
    [{ clientReference: 'r'.repeat(65) }, 'client_reference', 'VALIDATION.CLIENT_REFERENCE_TOO_LONG'],
    [{ validitySeconds: 8 * 24 * 3600 }, 'validity_seconds', 'VALIDATION.VALIDITY_TOO_LONG'],
    [{ callbackUrl: 'ftp://x' }, 'callback_url', 'VALIDATION.INVALID_CALLBACK_URL'],
  ])('refuses %j on field %s with %s', (input, field, code) => {
    const err = errorOf(input as Partial<SendInput>);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.field).toBe(field);
    expect(err.code).toBe(code);
    expect(err.message).toContain(field);
  });

  it('echoes a hostile value short and printable (gRPC carries the message in a header)', () => {
    const err = errorOf({ to: `\u0000${'9'.repeat(100_000)}` });
    expect(err.code).toBe('VALIDATION.INVALID_DESTINATION');
    expect(err.message.length).toBeLessThan(200);
    expect(err.message).not.toMatch(/\p{Cc}/u);
    expect(errorOf({ from: `A\uD800${'B'.repeat(5000)}` }).message.length).toBeLessThan(200);
  });

  it('takes emoji, line breaks, tabs and form feeds', () => {
    expect(() => validateSend({ ...base, text: 'line 1\r\nline 2\ttab\fpage 😀 👩‍👩‍👧' }, rules)).not.toThrow();
    expect(errorOf({ text: 'ab\u0000' }).message).toMatch(/^text holds the control character U\+0000 at character 2/);
  });

  it('counts emoji as one character against the maximum', () => {
    expect(() => validateSend({ ...base, text: '😀'.repeat(1000) }, rules)).not.toThrow();
  });
});

describe('validateSend: send_at', () => {
  const now = Date.UTC(2026, 10, 26, 9, 0, 0);
  it('accepts now, the past (= now) and up to a year ahead', () => {
    for (const sendAtMs of [0, now - 60_000, now + 3_600_000, now + MAX_SCHEDULE_AHEAD_MS]) expect(() => validateSend({ ...base, sendAtMs }, rules, now)).not.toThrow();
  });

  it('refuses more than a year ahead, which is most often microseconds given for milliseconds', () => {
    expect(() => validateSend({ ...base, sendAtMs: now * 1000 }, rules, now)).toThrow(/^send_at_ms \d+ \(beyond the year 9999\) is more than a year ahead/);
    expect(() => validateSend({ ...base, sendAtMs: now + 2 * MAX_SCHEDULE_AHEAD_MS }, rules, now)).toThrow(expect.objectContaining({ code: 'VALIDATION.SEND_AT_TOO_FAR', field: 'send_at_ms' }));
  });
});

describe('readDestination agrees with libphonenumber-js isValid()', () => {
  // readDestination uses getType() alone (isValid() would run the same type match again).
  it('accepts exactly the numbers isValid() accepts, in every region', () => {
    const regions = getCountries();
    fc.assert(
      fc.property(fc.constantFrom(...regions), fc.stringMatching(/^[0-9]{6,14}$/), (region, digits) => {
        const raw = `+${getCountryCallingCode(region)}${digits}`;
        const parsed = parsePhoneNumberFromString(raw);
        const valid = parsed?.isValid() === true && parsed.getType() !== 'FIXED_LINE';
        let accepted = true;
        try {
          readDestination(raw, 'GB');
        } catch (err) {
          if (!(err instanceof ValidationError)) throw err;
          accepted = false;
        }
        expect(accepted).toBe(valid);
      }),
      { numRuns: 5000 },
    );
  });
});
