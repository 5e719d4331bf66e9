import { ConcatReferenceAllocator } from './concat-reference-allocator';

function clock(start = 0) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('ConcatReferenceAllocator', () => {
  it('does not repeat a reference for a key until all 256 were used', () => {
    const allocator = new ConcatReferenceAllocator({ random: () => 0.5 });
    const refs = Array.from({ length: 256 }, () => allocator.next('+4915112345678', 'carrier-a'));
    expect(new Set(refs).size).toBe(256);
    expect(refs[0]).toBe(128); // random start
    expect(allocator.next('+4915112345678', 'carrier-a')).toBe(refs[0]);
  });

  it('keeps keys apart by destination and by carrier', () => {
    const allocator = new ConcatReferenceAllocator({ random: () => 0 });
    expect([allocator.next('+1', 'a'), allocator.next('+1', 'a'), allocator.next('+2', 'a'), allocator.next('+1', 'b')]).toEqual([0, 1, 0, 0]);
    expect(allocator.size).toBe(3);
  });

  it('hands out 16-bit references', () => {
    const allocator = new ConcatReferenceAllocator({ bits: 16, random: () => 0.99999 });
    expect(allocator.next('+1', 'a')).toBe(65535);
    expect(allocator.next('+1', 'a')).toBe(0);
  });

  it('forgets a key idle for the window, and only then', () => {
    const time = clock();
    let starts = 0;
    const allocator = new ConcatReferenceAllocator({ windowMs: 1000, now: time.now, random: () => (starts++ === 0 ? 0 : 0.5) });
    expect(allocator.next('+1', 'a')).toBe(0);
    time.advance(999);
    expect(allocator.next('+1', 'a')).toBe(1); // still remembered; the idle time restarts
    time.advance(1000);
    expect(allocator.next('+2', 'a')).toBe(128); // sweeps +1
    expect(allocator.size).toBe(1);
    expect(allocator.next('+1', 'a')).toBe(128); // a fresh start
  });

  it('bounds memory: the least recently used key goes first', () => {
    const allocator = new ConcatReferenceAllocator({ maxKeys: 2, random: () => 0 });
    allocator.next('+1', 'a');
    allocator.next('+2', 'a');
    allocator.next('+1', 'a'); // +1 now most recent
    allocator.next('+3', 'a'); // evicts +2
    expect(allocator.size).toBe(2);
    expect(allocator.next('+1', 'a')).toBe(2);
    expect(allocator.next('+2', 'a')).toBe(0);
  });

  it('validates its options', () => {
    expect(() => new ConcatReferenceAllocator({ bits: 12 as never })).toThrow(/bits/);
    expect(() => new ConcatReferenceAllocator({ windowMs: 0 })).toThrow(/windowMs/);
    expect(() => new ConcatReferenceAllocator({ maxKeys: 0 })).toThrow(/maxKeys/);
  });
});
