import { clientReference, idempotencyKey, bareMessageId } from './mail-identity';
import { mailVerdict, type RecipientOutcome } from './mail-outcome';
import { replyForSendError } from './smtp-reply';

const mask = (n: string) => `${n.slice(0, 4)}…`;
const ok = (number: string, id: string, duplicate = false): RecipientOutcome => ({ number, accepted: { id, duplicate } });
const no = (number: string, code: string): RecipientOutcome => ({ number, refused: replyForSendError(code, `refused because ${code}`) });

describe('mailVerdict', () => {
  it('250 when every recipient is accepted (duplicates too)', () => {
    const v = mailVerdict([ok('+447911000001', 'A'), ok('+447911000002', 'B', true)], mask);
    expect(v.outcome).toBe('accepted');
    expect(v.reply).toMatchObject({ code: 250, text: 'queued as 2 SMS: A B (1 sent before for this Message-ID, not again)' });
    expect(mailVerdict([ok('+447911000001', 'A')], mask).reply.text).toBe('queued as 1 SMS: A');
    expect(v.perRecipient.map((r) => r.text)).toEqual(['+447… queued as A', '+447… was queued before as B']);
  });

  it('a temporary refusal defers the whole mail, saying a resend sends only the others', () => {
    const v = mailVerdict([ok('+447911000001', 'A'), no('+447911000002', 'RATE.LIMITED'), no('+447911000003', 'POLICY.COUNTRY_NOT_ALLOWED')], mask);
    expect(v.outcome).toBe('deferred');
    expect(v.reply).toMatchObject({ code: 452, enhanced: '4.7.1' });
    expect(v.reply.text).toMatch(/\[RATE\.LIMITED\] \(1 of 3 recipients were accepted; sending the mail again sends only the others\)$/);
    expect(v.perRecipient.map((r) => r.code)).toEqual([250, 452, 550]);
  });

  it('none accepted: the first permanent refusal', () => {
    const v = mailVerdict([no('+447911000001', 'VALIDATION.TEXT_TOO_LONG'), no('+447911000002', 'VALIDATION.TEXT_TOO_LONG')], mask);
    expect(v).toMatchObject({ outcome: 'refused', reply: { code: 552, enhanced: '5.3.4', text: 'refused because VALIDATION.TEXT_TOO_LONG [VALIDATION.TEXT_TOO_LONG]' } });
  });

  it('some accepted, others refused for good: 250 naming each refused recipient (masked) and why', () => {
    const v = mailVerdict([ok('+447911000001', 'A'), no('+447911000002', 'POLICY.SENDER_NOT_ALLOWED')], mask);
    expect(v.outcome).toBe('partial');
    expect(v.reply.code).toBe(250);
    expect(v.reply.text).toBe('queued for 1 of 2 recipients (A); refused: +447…: 550 5.7.1 refused because POLICY.SENDER_NOT_ALLOWED [POLICY.SENDER_NOT_ALLOWED]');
  });
});

describe('replyForSendError', () => {
  it.each([
    ['VALIDATION.INVALID_DESTINATION', 550, '5.1.1'],
    ['POLICY.NUMBER_TYPE_BLOCKED', 550, '5.7.1'],
    ['RATE.LIMITED', 452, '4.7.1'],
    ['VALIDATION.INVALID_TEXT', 550, '5.6.0'],
    ['POLICY.SOMETHING_NEW', 550, '5.7.1'],
  ])('%s → %i %s, the code once at the end', (code, smtp, enhanced) => {
    expect(replyForSendError(code, `why [${code}]`)).toEqual({ code: smtp, enhanced, text: `why [${code}]` });
  });
});

describe('mail identity', () => {
  it('one idempotency key per Message-ID and number, within ingest\'s 128 characters', () => {
    const a = idempotencyKey('abc@mail.example', '+447911000001');
    expect(a).toBe(idempotencyKey('abc@mail.example', '+447911000001'));
    expect(a).not.toBe(idempotencyKey('abc@mail.example', '+447911000002'));
    expect(idempotencyKey('x'.repeat(998), '+447911000001').length).toBeLessThanOrEqual(128);
  });

  it('the Message-ID as client reference, long ones cut to 64 with a hash of the whole', () => {
    expect(bareMessageId(' <abc@mail.example> ')).toBe('abc@mail.example');
    expect(clientReference('abc@mail.example')).toBe('abc@mail.example');
    const long = clientReference(`${'a'.repeat(60)}@mail.example`);
    expect(long).toHaveLength(64);
    expect(long).not.toBe(clientReference(`${'a'.repeat(60)}@mail2.example`));
  });
});
