import { MessageIdSequence, formatMessageId, receiptIdOf, uuidPrefixFrom } from './message-id';

describe('MessageIdSequence', () => {
  it('starts at the clock (ms × 100) and counts up within a millisecond', () => {
    const seq = new MessageIdSequence(() => 1_700_000_000_000);
    expect([seq.next(), seq.next(), seq.next()]).toEqual([170_000_000_000_000, 170_000_000_000_001, 170_000_000_000_002]);
  });

  it('never goes back when the clock does, and jumps forward with it', () => {
    let now = 1000;
    const seq = new MessageIdSequence(() => now);
    const a = seq.next();
    now = 900;
    const b = seq.next();
    now = 2000;
    const c = seq.next();
    expect(b).toBe(a + 1);
    expect(c).toBe(200_000);
  });
});

describe('formatMessageId', () => {
  const n = 179_567_158_683_200;

  it('renders decimal, hex and uuid', () => {
    expect(formatMessageId(n, 'decimal')).toBe('179567158683200');
    expect(formatMessageId(n, 'hex')).toBe('a350bcb4e640');
    expect(formatMessageId(n, 'uuid', '01234567-89ab-4cde-8000-')).toBe('01234567-89ab-4cde-8000-a350bcb4e640');
  });

  it('keeps uuids 36 characters long for small numbers', () => {
    expect(formatMessageId(255, 'uuid')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8000-0000000000ff$/);
  });

  it('gives the receipt the same id, or the same number in another format', () => {
    expect(receiptIdOf(n, 'hex', 'same')).toBe('a350bcb4e640');
    expect(receiptIdOf(n, 'hex', 'decimal')).toBe('179567158683200');
    expect(parseInt(receiptIdOf(n, 'decimal', 'hex'), 16)).toBe(n);
  });
});

describe('uuidPrefixFrom', () => {
  it('is shaped like a version 4 uuid', () => {
    expect(uuidPrefixFrom(() => 0.99) + '000000000001').toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
