import fc from 'fast-check';
import { normaliseSmscId } from './smsc-id';

describe('normaliseSmscId', () => {
  it.each([
    ['abc', 'submit', 'same', 'abc'],
    ['  ABC ', 'receipt', 'same', 'abc'],
    ['000123', 'submit', 'same', '123'],
    ['0000', 'submit', 'same', '0'],
    ['0 !', 'submit', 'same', '!'],
    ['00 0 5', 'receipt', 'same', '5'],
    ['0A1B', 'submit', 'hex-to-decimal', '2587'],
    ['02587', 'receipt', 'hex-to-decimal', '2587'],
    ['2587', 'submit', 'decimal-to-hex', '2587'],
    ['0a1b', 'receipt', 'decimal-to-hex', '2587'],
    ['not-hex', 'submit', 'hex-to-decimal', 'not-hex'],
    ['ffffffffffffffffffff', 'submit', 'hex-to-decimal', '1208925819614629174706175'],
  ] as const)('%s (%s, %s) → %s', (id, side, format, expected) => {
    expect(normaliseSmscId(id, side, format)).toBe(expected);
  });

  it('matches a hex submit id to its decimal receipt id, with any padding', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n }), fc.nat(4), fc.nat(4), fc.boolean(), (n, padHex, padDec, upper) => {
        let hex = '0'.repeat(padHex) + n.toString(16);
        if (upper) hex = hex.toUpperCase();
        const dec = '0'.repeat(padDec) + n.toString(10);
        expect(normaliseSmscId(hex, 'submit', 'hex-to-decimal')).toBe(normaliseSmscId(dec, 'receipt', 'hex-to-decimal'));
        expect(normaliseSmscId(dec, 'submit', 'decimal-to-hex')).toBe(normaliseSmscId(hex, 'receipt', 'decimal-to-hex'));
      }),
    );
  });

  it('is idempotent on the same side for "same" carriers', () => {
    fc.assert(fc.property(fc.string(), (id) => expect(normaliseSmscId(normaliseSmscId(id, 'submit'), 'receipt')).toBe(normaliseSmscId(id, 'submit'))));
  });
});
