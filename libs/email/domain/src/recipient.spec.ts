import { DEFAULT_POLICY } from '@smsgw/accounts/domain';
import { readRecipient } from './recipient';
import { EmailRefusal } from './smtp-reply';

const rules = { domain: 'sms.example', policy: DEFAULT_POLICY };
const refusalOf = (address: string, over: Partial<typeof rules> = {}) => {
  try {
    readRecipient(address, { ...rules, ...over });
  } catch (err) {
    if (err instanceof EmailRefusal) return `${err.reply.code} ${err.reply.enhanced} ${err.code}`;
    throw err;
  }
  return 'accepted';
};

describe('readRecipient', () => {
  it('reads <E.164 digits>@domain, with or without "+", domain in any case', () => {
    expect(readRecipient('447911123456@sms.example', rules)).toEqual({ address: '447911123456@sms.example', number: '+447911123456', country: 'GG', numberType: 'MOBILE' });
    expect(readRecipient('+33612345678@SMS.Example', rules).number).toBe('+33612345678');
  });

  it.each([
    ['447911123456@other.example', '550 5.1.2 EMAIL.WRONG_DOMAIN'],
    ['447911123456', '550 5.1.2 EMAIL.WRONG_DOMAIN'],
    ['ann@sms.example', '550 5.1.1 VALIDATION.INVALID_DESTINATION'],
    ['44 7911 123456@sms.example', '550 5.1.1 VALIDATION.INVALID_DESTINATION'],
    ['4479@sms.example', '550 5.1.1 VALIDATION.INVALID_DESTINATION'],
    ['07911123456@sms.example', '550 5.1.1 VALIDATION.INVALID_DESTINATION'], // national form: no country code
    ['442079460000@sms.example', '550 5.1.1 VALIDATION.DESTINATION_NOT_MOBILE'],
  ])('refuses %s with %s', (address, reply) => {
    expect(refusalOf(address)).toBe(reply);
  });

  it("refuses, per recipient, what the account's policy does not allow", () => {
    expect(refusalOf('33612345678@sms.example', { policy: { ...DEFAULT_POLICY, countries: ['GB'] } })).toBe('550 5.7.1 POLICY.COUNTRY_NOT_ALLOWED');
    expect(refusalOf('447400123456@sms.example', { policy: { ...DEFAULT_POLICY, countries: ['GB'] } })).toBe('accepted');
  });
});
