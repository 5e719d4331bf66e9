import fc from 'fast-check';
import { addEvidence, alternativeSubmitIds, detectIdFormat, submitIdUnder } from './receipt-id-detection';
import { normaliseSmscId } from './smsc-id';

describe('submitIdUnder', () => {
  it.each([
    ['2587', 'hex-to-decimal', 'a1b'],
    ['0002587', 'hex-to-decimal', 'a1b'],
    ['0A1B', 'decimal-to-hex', '2587'],
    ['a1b', 'hex-to-decimal', undefined],
    ['not-an-id', 'decimal-to-hex', undefined],
  ] as const)('%s under %s → %s', (id, format, expected) => {
    expect(submitIdUnder(id, format)).toBe(expected);
  });

  it('finds the stored submission id of any number written the other way, whatever the padding and case', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n }), fc.nat(3), fc.boolean(), (n, pad, upper) => {
        const hex = n.toString(16);
        const dec = n.toString(10);
        const padded = (s: string) => (upper ? '0'.repeat(pad) + s.toUpperCase() : '0'.repeat(pad) + s);
        // submit_sm_resp hex, receipt decimal: the receipt names the row the submit was stored under.
        expect(submitIdUnder(padded(dec), 'hex-to-decimal')).toBe(normaliseSmscId(hex, 'submit'));
        expect(submitIdUnder(padded(hex), 'decimal-to-hex')).toBe(normaliseSmscId(dec, 'submit'));
      }),
    );
  });
});

describe('alternativeSubmitIds', () => {
  it('reads a decimal id both ways and a hex id with letters only as hex', () => {
    expect(alternativeSubmitIds('255')).toEqual([
      { format: 'hex-to-decimal', submitId: 'ff' },
      { format: 'decimal-to-hex', submitId: '597' },
    ]);
    expect(alternativeSubmitIds('ff')).toEqual([{ format: 'decimal-to-hex', submitId: '255' }]);
  });

  it('gives no evidence for ids that read the same in both bases', () => {
    expect(alternativeSubmitIds('7')).toEqual([]);
    expect(alternativeSubmitIds('007')).toEqual([]);
  });
});

describe('detectIdFormat', () => {
  it('believes a format once enough of its readings hit', () => {
    expect(detectIdFormat({ 'hex-to-decimal': { tested: 10, hits: 9 }, 'decimal-to-hex': { tested: 10, hits: 0 } })).toBe('hex-to-decimal');
    expect(detectIdFormat({ 'decimal-to-hex': { tested: 6, hits: 6 } })).toBe('decimal-to-hex');
  });

  it('waits for enough hits', () => {
    expect(detectIdFormat({ 'hex-to-decimal': { tested: 4, hits: 4 } })).toBeUndefined();
  });

  it('is not switched by chance hits among receipts that belong elsewhere', () => {
    expect(detectIdFormat({ 'hex-to-decimal': { tested: 1000, hits: 6 }, 'decimal-to-hex': { tested: 1000, hits: 5 } })).toBeUndefined();
  });

  it('decides nothing when both formats fit equally', () => {
    expect(detectIdFormat({ 'hex-to-decimal': { tested: 10, hits: 8 }, 'decimal-to-hex': { tested: 10, hits: 8 } })).toBeUndefined();
  });

  it('sums scans', () => {
    let known = {};
    for (let i = 0; i < 3; i++) known = addEvidence(known, { 'hex-to-decimal': { tested: 2, hits: 2 } });
    expect(known).toEqual({ 'hex-to-decimal': { tested: 6, hits: 6 } });
    expect(detectIdFormat(known)).toBe('hex-to-decimal');
  });
});
