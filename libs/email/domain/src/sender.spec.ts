import { DEFAULT_POLICY } from '@smsgw/accounts/domain';
import { chooseSender, envelopeSenderAllowed } from './sender';
import { EmailRefusal } from './smtp-reply';

const policy = (senders: string[], defaultSender = '') => ({ ...DEFAULT_POLICY, senders, defaultSender });
const codeOf = (subject: string, p: ReturnType<typeof policy>) => {
  try {
    chooseSender(subject, p);
    return 'chosen';
  } catch (err) {
    return (err as EmailRefusal).code;
  }
};

describe('chooseSender', () => {
  it('takes a [SENDER] subject tag the account allows, and the subject without it', () => {
    expect(chooseSender('[ACMEBANK] Your statement', policy(['ACME*']))).toEqual({ sender: 'ACMEBANK', subject: 'Your statement' });
    expect(chooseSender(' [OPS]', policy([]))).toEqual({ sender: 'OPS', subject: '' });
  });

  it('falls back to the default sender, then to the only exact sender id', () => {
    expect(chooseSender('Hello', policy(['ACME', 'OPS'], 'OPS')).sender).toBe('OPS');
    expect(chooseSender('Hello', policy(['ACME'])).sender).toBe('ACME');
  });

  it('refuses tags that are not allowed or not sender ids, and mails that name no sender', () => {
    expect(codeOf('[OTHER] x', policy(['ACME*']))).toBe('POLICY.SENDER_NOT_ALLOWED');
    expect(codeOf('[NOT-A-SENDER] x', policy([]))).toBe('VALIDATION.INVALID_SENDER');
    expect(codeOf('Hello', policy(['ACME*']))).toBe('EMAIL.NO_SENDER');
    expect(codeOf('Re: [ACME] x', policy(['ACME', 'OPS']))).toBe('EMAIL.NO_SENDER');
  });
});

describe('envelopeSenderAllowed', () => {
  it('allows anyone with an empty list; else the addresses and @domains listed, without case', () => {
    expect(envelopeSenderAllowed('x@y.example', [])).toBe(true);
    expect(envelopeSenderAllowed('Ops@Acme.Example', ['ops@acme.example'])).toBe(true);
    expect(envelopeSenderAllowed('ann@acme.example', ['@acme.example'])).toBe(true);
    expect(envelopeSenderAllowed('ann@evil.acme.example', ['@acme.example'])).toBe(false);
    expect(envelopeSenderAllowed('', ['@acme.example'])).toBe(false);
  });
});
