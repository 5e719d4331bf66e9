import { isZeroDelay, parseDelay, sampleDelay } from './delay';

describe('parseDelay', () => {
  it.each([
    [25, { kind: 'fixed', ms: 25 }],
    ['25', { kind: 'fixed', ms: 25 }],
    ['25ms', { kind: 'fixed', ms: 25 }],
    ['10-50', { kind: 'uniform', minMs: 10, maxMs: 50 }],
    [' 10 - 50 ', { kind: 'uniform', minMs: 10, maxMs: 50 }],
    ['7-7', { kind: 'fixed', ms: 7 }],
    [{ fixed: 3 }, { kind: 'fixed', ms: 3 }],
    [{ min: 1, max: 9 }, { kind: 'uniform', minMs: 1, maxMs: 9 }],
    [{ max: 9 }, { kind: 'uniform', minMs: 0, maxMs: 9 }],
  ])('reads %j', (input, expected) => {
    expect(parseDelay(input)).toEqual(expected);
  });

  it.each([[-1], [1.5], ['50-10'], ['soon'], [{ min: 'a', max: 2 }], [null], [[1, 2]]])('explains why %j is not a delay', (input) => {
    expect(typeof parseDelay(input)).toBe('string');
  });
});

describe('sampleDelay', () => {
  it('returns the fixed value, or draws uniformly inclusive of both ends', () => {
    expect(sampleDelay({ kind: 'fixed', ms: 4 }, () => 0.5)).toBe(4);
    expect(sampleDelay({ kind: 'uniform', minMs: 10, maxMs: 20 }, () => 0)).toBe(10);
    expect(sampleDelay({ kind: 'uniform', minMs: 10, maxMs: 20 }, () => 0.9999)).toBe(20);
  });

  it('knows a zero delay', () => {
    expect(isZeroDelay({ kind: 'fixed', ms: 0 })).toBe(true);
    expect(isZeroDelay({ kind: 'uniform', minMs: 0, maxMs: 1 })).toBe(false);
  });
});
