import { decodeTime, isValid } from 'ulid';
import { messageId } from './message-id';

describe('messageId', () => {
  it('is a valid ULID carrying the given time', () => {
    const now = Date.now();
    const id = messageId(now);
    expect(id).toHaveLength(26);
    expect(isValid(id)).toBe(true);
    expect(decodeTime(id)).toBe(now);
  });

  it('is unique across many ids in the same millisecond (pool refills included)', () => {
    const now = Date.now();
    const ids = new Set(Array.from({ length: 10_000 }, () => messageId(now)));
    expect(ids.size).toBe(10_000);
  });

  it('sorts by time', () => {
    expect(messageId(1_000) < messageId(2_000)).toBe(true);
  });
});
