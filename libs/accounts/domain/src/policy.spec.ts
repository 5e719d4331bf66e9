import fc from 'fast-check';
import { AccountError } from './errors';
import { BLOCKED_NUMBER_TYPES, DEFAULT_POLICY, RateLimitedError, checkPolicy, isPrivateHost, rateWindow, senderMatches, validatePolicy, type AccountPolicy, type PolicedMessage } from './policy';

const message = (over: Partial<PolicedMessage> = {}): PolicedMessage => ({ from: 'ACME', country: 'GB', numberType: 'MOBILE', callbackUrl: '', ...over });
const policy = (over: Partial<AccountPolicy> = {}): AccountPolicy => ({ ...DEFAULT_POLICY, ...over });
const codeOf = (m: PolicedMessage, p: AccountPolicy) => {
  const v = checkPolicy(m, p);
  return v.allowed ? 'allowed' : v.error.code;
};

const alnumSender = fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,10}$/);
const country = fc.stringMatching(/^[A-Z]{2}$/);
const octet = fc.integer({ min: 0, max: 255 });
const privateV4 = fc.oneof(
  fc.tuple(fc.constant(10), octet, octet, octet),
  fc.tuple(fc.constant(127), octet, octet, octet),
  fc.tuple(fc.constant(172), fc.integer({ min: 16, max: 31 }), octet, octet),
  fc.tuple(fc.constant(192), fc.constant(168), octet, octet),
  fc.tuple(fc.constant(169), fc.constant(254), octet, octet),
);
const publicV4 = fc
  .tuple(fc.integer({ min: 1, max: 223 }), octet, octet, octet)
  .filter(([a, b]) => ![10, 127].includes(a) && !(a === 172 && b >= 16 && b <= 31) && !(a === 192 && b === 168) && !(a === 169 && b === 254) && !(a === 100 && b >= 64 && b <= 127));

describe('checkPolicy', () => {
  it('the default policy allows any sender, any country and a public https callback', () => {
    fc.assert(fc.property(alnumSender, country, (from, c) => codeOf(message({ from, country: c, callbackUrl: 'https://hooks.example.com/sms' }), DEFAULT_POLICY) === 'allowed'));
  });

  it('allows exactly the listed senders and the senders a pattern covers', () => {
    fc.assert(
      fc.property(fc.uniqueArray(alnumSender, { minLength: 1, maxLength: 5 }), alnumSender, (senders, from) => {
        const expected = senders.includes(from) ? 'allowed' : 'POLICY.SENDER_NOT_ALLOWED';
        return codeOf(message({ from }), policy({ senders })) === expected;
      }),
    );
    expect(codeOf(message({ from: 'ACMEBANK' }), policy({ senders: ['ACME*'] }))).toBe('allowed');
    expect(codeOf(message({ from: 'ACM' }), policy({ senders: ['ACME*'] }))).toBe('POLICY.SENDER_NOT_ALLOWED');
    expect(codeOf(message({ from: 'acme' }), policy({ senders: ['ACME'] }))).toBe('POLICY.SENDER_NOT_ALLOWED');
  });

  it('allows a destination country only when it is listed (or nothing is)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(country, { minLength: 1, maxLength: 5 }), country, (countries, c) => {
        const v = checkPolicy(message({ country: c }), policy({ countries }));
        return v.allowed === countries.includes(c) && (v.allowed || (v.error.code === 'POLICY.COUNTRY_NOT_ALLOWED' && v.error.field === 'to' && v.error.forbidden));
      }),
    );
  });

  it('blocks premium-rate and other special number types unless the account allows that type', () => {
    fc.assert(
      fc.property(fc.constantFrom(...BLOCKED_NUMBER_TYPES), fc.subarray([...BLOCKED_NUMBER_TYPES]), (numberType, allowedNumberTypes) => {
        const expected = allowedNumberTypes.includes(numberType) ? 'allowed' : 'POLICY.NUMBER_TYPE_BLOCKED';
        return codeOf(message({ numberType }), policy({ allowedNumberTypes })) === expected;
      }),
    );
    for (const numberType of ['MOBILE', 'FIXED_LINE_OR_MOBILE', '']) expect(codeOf(message({ numberType }), DEFAULT_POLICY)).toBe('allowed');
  });

  it('refuses http callbacks unless the account allows http', () => {
    const m = message({ callbackUrl: 'http://hooks.example.com/sms' });
    expect(codeOf(m, DEFAULT_POLICY)).toBe('POLICY.CALLBACK_URL_NOT_ALLOWED');
    expect(codeOf(m, policy({ callbackHttp: true }))).toBe('allowed');
    const refused = checkPolicy(m, DEFAULT_POLICY);
    expect(!refused.allowed && refused.error).toMatchObject({ field: 'callback_url', forbidden: false, message: expect.stringContaining('must be https') });
  });

  it('refuses callbacks to private, loopback and link-local IPv4 literals unless allowed; public ones pass', () => {
    fc.assert(
      fc.property(privateV4, (ip) => {
        const m = message({ callbackUrl: `https://${ip.join('.')}:8443/cb` });
        return codeOf(m, DEFAULT_POLICY) === 'POLICY.CALLBACK_URL_NOT_ALLOWED' && codeOf(m, policy({ callbackPrivate: true })) === 'allowed';
      }),
    );
    fc.assert(fc.property(publicV4, (ip) => codeOf(message({ callbackUrl: `https://${ip.join('.')}/cb` }), DEFAULT_POLICY) === 'allowed'));
  });

  it('refuses the IPv4 spellings the URL parser turns into 127.0.0.1', () => {
    for (const url of ['https://2130706433/', 'https://0x7f.1/', 'https://127.1/', 'https://localhost/', 'https://a.localhost./']) {
      expect(codeOf(message({ callbackUrl: url }), DEFAULT_POLICY)).toBe('POLICY.CALLBACK_URL_NOT_ALLOWED');
    }
  });
});

describe('isPrivateHost', () => {
  it('knows IPv6 loopback, unspecified, link-local, unique-local and IPv4-mapped private addresses', () => {
    for (const url of ['https://[::1]/', 'https://[::]/', 'https://[fe80::1]/', 'https://[FD12:3456::1]/', 'https://[fc00::]/', 'https://[::ffff:10.0.0.1]/', 'https://[::ffff:127.0.0.1]/', 'https://[0:0:0:0:0:0:0:1]/']) {
      expect([url, isPrivateHost(new URL(url).hostname)]).toEqual([url, true]);
    }
    for (const url of ['https://[2001:db8::1]/', 'https://[2a00:1450:4009:81d::200e]/', 'https://[::ffff:8.8.8.8]/', 'https://hooks.example.com/', 'https://8.8.8.8/']) {
      expect([url, isPrivateHost(new URL(url).hostname)]).toEqual([url, false]);
    }
  });

  it('refuses every address of fc00::/7 and fe80::/10 written in full', () => {
    const group = fc.integer({ min: 0, max: 0xffff });
    const v6 = (first: number, rest: number[]) => `[${[first, ...rest].map((g) => g.toString(16)).join(':')}]`;
    fc.assert(fc.property(fc.integer({ min: 0xfc00, max: 0xfdff }), fc.array(group, { minLength: 7, maxLength: 7 }), (first, rest) => isPrivateHost(new URL(`https://${v6(first, rest)}/`).hostname)));
    fc.assert(fc.property(fc.integer({ min: 0xfe80, max: 0xfebf }), fc.array(group, { minLength: 7, maxLength: 7 }), (first, rest) => isPrivateHost(new URL(`https://${v6(first, rest)}/`).hostname)));
  });
});

describe('senderMatches', () => {
  it('a pattern matches every sender it prefixes; an exact value only itself', () => {
    fc.assert(fc.property(alnumSender, fc.stringMatching(/^[A-Za-z0-9]{0,5}$/), (prefix, more) => senderMatches(`${prefix}*`, prefix + more) && senderMatches(prefix, prefix) && (more === '' || !senderMatches(prefix, prefix + more))));
  });
});

describe('validatePolicy', () => {
  it('normalises countries and number types, drops blanks and repeats', () => {
    expect(validatePolicy(policy({ senders: [' ACME ', 'ACME', 'OPS*', ''], countries: ['gb', 'GB', ' fr'], allowedNumberTypes: ['premium_rate'] }))).toEqual(
      policy({ senders: ['ACME', 'OPS*'], countries: ['GB', 'FR'], allowedNumberTypes: ['PREMIUM_RATE'] }),
    );
  });

  it('gives an empty pumping mode, floor and factor their defaults, and refuses bad ones', () => {
    expect(validatePolicy(policy({ pumpingMode: '' as never, pumpingMinPerMinute: 0, pumpingFactor: 0 }))).toMatchObject({ pumpingMode: 'refuse', pumpingMinPerMinute: 1000, pumpingFactor: 10 });
    expect(validatePolicy(policy({ pumpingMode: 'monitor', pumpingMinPerMinute: 50, pumpingFactor: 2.5 }))).toMatchObject({ pumpingMode: 'monitor', pumpingMinPerMinute: 50, pumpingFactor: 2.5 });
    expect(validatePolicy(policy({ pumpingMode: 'hold' }))).toMatchObject({ pumpingMode: 'hold' });
    expect(() => validatePolicy(policy({ pumpingMode: 'queue' as never }))).toThrow(/pumping mode "queue"/);
    expect(() => validatePolicy(policy({ pumpingFactor: 0.5 }))).toThrow(/pumping factor 0.5/);
    expect(() => validatePolicy(policy({ pumpingMinPerMinute: 2.5 }))).toThrow(/pumping floor 2.5/);
  });

  it('keeps a default sender the senders allow, and email senders lower-cased without repeats', () => {
    expect(validatePolicy(policy({ senders: ['ACME*'], defaultSender: ' ACMEBANK ', emailSenders: ['Ops@Acme.Example', 'ops@acme.example', '@acme.example', ' '] }))).toMatchObject({
      defaultSender: 'ACMEBANK',
      emailSenders: ['ops@acme.example', '@acme.example'],
    });
  });

  it('gives a rate of 0 the default, and a burst of 0 twice the rate', () => {
    expect(validatePolicy(policy({ ratePerSecond: 0, rateBurst: 0 }))).toMatchObject({ ratePerSecond: 100, rateBurst: 200 });
    expect(validatePolicy(policy({ ratePerSecond: 50, rateBurst: 0 }))).toMatchObject({ ratePerSecond: 50, rateBurst: 100 });
  });

  it.each([
    [{ ratePerSecond: 1.5 }, /rate 1.5/],
    [{ ratePerSecond: 100, rateBurst: 99 }, /burst 99/],
    [{ senders: ['TOO-LONG-SENDER-ID'] }, /sender "TOO-LONG-SENDER-ID"/],
    [{ senders: ['A*B'] }, /sender "A\*B"/],
    [{ countries: ['GBR'] }, /country "GBR"/],
    [{ allowedNumberTypes: ['MOBILE'] }, /number type "MOBILE"/],
    [{ defaultSender: 'TOO-LONG-SENDER-ID' }, /default sender "TOO-LONG-SENDER-ID"/],
    [{ senders: ['ACME*'], defaultSender: 'OTHER' }, /default sender "OTHER" must be .* allowed by the account's senders \(ACME\*\)/],
    [{ emailSenders: ['not an address'] }, /email sender "not an address"/],
    [{ emailSenders: ['@localhost'] }, /email sender "@localhost"/],
  ])('refuses %p with ACCOUNT.INVALID_POLICY', (over, message) => {
    expect(() => validatePolicy(policy(over))).toThrow(AccountError);
    expect(() => validatePolicy(policy(over))).toThrow(message);
  });
});

describe('rateWindow', () => {
  it('counts whole-second windows that hold the rate on average and the burst at once', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 1, max: 60 }), (rate, factor) => {
        const { points, seconds } = rateWindow({ ratePerSecond: rate, rateBurst: rate * factor });
        return Number.isInteger(seconds) && seconds >= 1 && points / seconds === rate && points === rate * factor;
      }),
    );
    expect(rateWindow({ ratePerSecond: 100, rateBurst: 200 })).toEqual({ points: 200, seconds: 2 });
    expect(rateWindow({ ratePerSecond: 100, rateBurst: 120 })).toEqual({ points: 100, seconds: 1 });
  });

  it('says when to retry', () => {
    expect(new RateLimitedError(250, 100)).toMatchObject({ code: 'RATE.LIMITED', retryAfterMs: 250, message: expect.stringContaining('retry in 250 ms') });
  });
});
