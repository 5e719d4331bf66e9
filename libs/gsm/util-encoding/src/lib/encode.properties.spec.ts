import fc from 'fast-check';
import { decode, reassemble } from './decode';
import { count, encode } from './encode';
import { DEFAULT_ALPHABET, DEFAULT_EXTENSION, NATIONAL_TABLES } from './gsm-tables';
import { fillBitsAfter, unpackSeptets } from './septet-packing';
import { replaceLookAlikes } from './smart-encoding';
import type { Concatenation, EncodedMessage, EncodeOptions, EncodingName, NationalLanguage } from './types';

// Property tests: for any text and options, what encode produces decodes back to the text, fits
// the 140-octet TP-UD, never splits a pair, and uses the fewest segments the encoding allows.

const ESC = 0x1b;
const NATIONAL = Object.values(NATIONAL_TABLES);
const gsmBase = [...DEFAULT_ALPHABET].filter((ch) => ch !== '\x1b');
const gsmExtension = DEFAULT_EXTENSION.map(([, ch]) => ch);
const nationalChars = [...new Set(NATIONAL.flatMap((t) => [...(t.locking ?? '').replace('\x1b', ''), ...t.single.map(([, ch]) => ch)]))];
const lookAlikes = ['’', '‘', '“', '”', '–', '—', '…', '\u00a0', '\u200b', '\t', '•', '«'];
const others = ['ж', '中', 'ý', 'ÿ', '😀', '👍🏽', '🇩🇪', '\ud800', '\udfff', '\u0000'];

const char = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(...gsmBase) },
  { weight: 2, arbitrary: fc.constantFrom(...gsmExtension) },
  { weight: 2, arbitrary: fc.constantFrom(...nationalChars) },
  { weight: 1, arbitrary: fc.constantFrom(...lookAlikes) },
  { weight: 1, arbitrary: fc.constantFrom(...others) },
);
// Mostly one "kind" of text per sample, so every encoding gets chosen often; size 'max' because
// the interesting lengths (segment boundaries) are far beyond fast-check's small default.
const text = fc.oneof(
  fc.string({ unit: fc.constantFrom(...gsmBase, ...gsmExtension), maxLength: 700, size: 'max' }),
  fc.string({ unit: fc.constantFrom(...gsmBase, ...nationalChars), maxLength: 500, size: 'max' }),
  fc.string({ unit: char, maxLength: 500, size: 'max' }),
  fc.string({ unit: fc.constantFrom('ж', '😀', 'a', '👍🏽'), maxLength: 300, size: 'max' }),
  fc.string({ unit: 'binary', maxLength: 300, size: 'max' }),
);
const options: fc.Arbitrary<EncodeOptions> = fc.record({
  smart: fc.boolean(),
  latin1: fc.boolean(),
  nationalLanguages: fc.subarray<NationalLanguage>(['turkish', 'spanish', 'portuguese']),
  concatenation: fc.constantFrom<Concatenation>('udh8', 'udh16', 'sar', 'payload'),
  packed: fc.boolean(),
  reference: fc.integer({ min: 0, max: 255 }),
});

function decodeAll(message: EncodedMessage, packed: boolean): string {
  const parts = message.segments.map((segment) =>
    decode(segment.bytes, {
      dataCoding: message.dataCoding,
      udhi: segment.udh !== undefined,
      packed,
      septets: segment.units,
      sar: segment.sar,
    }),
  );
  return parts.length === 1 ? parts[0].text : reassemble(parts);
}

/** Octets a segment takes in TP-UD, counting the concatenation IE an SMSC adds for SAR. */
function userDataOctets(encoding: EncodingName, udhOctets: number, units: number): number {
  if (encoding === 'gsm7') return udhOctets + Math.ceil((fillBitsAfter(udhOctets) + units * 7) / 8);
  return udhOctets + (encoding === 'ucs2' ? units * 2 : units);
}

/** Units of each indivisible piece of `text` in the chosen encoding (test's own model of the tables). */
function atoms(message: EncodedMessage): number[] {
  const t = message.text;
  if (message.encoding === 'latin1') return [...t].flatMap((ch) => (ch.length === 2 ? [1, 1] : [1]));
  if (message.encoding === 'ucs2') return [...t].map((ch) => ch.length);
  const table = message.national ? NATIONAL_TABLES[message.national] : undefined;
  const locking = message.nationalShift?.startsWith('locking') && table?.locking ? table.locking : DEFAULT_ALPHABET;
  const single = message.nationalShift?.endsWith('single') && table ? table.single : DEFAULT_EXTENSION;
  return [...t].map((ch) => {
    if (locking.includes(ch) && ch !== '\x1b') return 1;
    if (single.some(([, c]) => c === ch)) return 2;
    throw new Error(`${JSON.stringify(ch)} is not in the chosen alphabet`);
  });
}

function capacity(encoding: EncodingName, udhOctets: number): number {
  const octets = 140 - udhOctets;
  return encoding === 'gsm7' ? Math.floor((octets * 8) / 7) : encoding === 'ucs2' ? Math.floor(octets / 2) : octets;
}

/** Fewest segments by dynamic programming over atoms (independent of the greedy split). */
function minimumSegments(message: EncodedMessage): number {
  const sizes = atoms(message);
  const shiftOctets = message.nationalShift ? (message.nationalShift === 'locking+single' ? 6 : 3) : 0;
  const total = sizes.reduce((s, x) => s + x, 0);
  if (total <= capacity(message.encoding, shiftOctets ? 1 + shiftOctets : 0)) return 1;
  const concatOctets = message.concatenation === 'udh16' ? 6 : 5;
  const cap = capacity(message.encoding, 1 + concatOctets + shiftOctets);
  const best = new Array<number>(sizes.length + 1).fill(Infinity);
  best[0] = 0;
  for (let end = 1; end <= sizes.length; end++) {
    for (let start = end - 1, sum = sizes[start]; start >= 0 && sum <= cap; start--, sum += sizes[start] ?? 0) {
      best[end] = Math.min(best[end], best[start] + 1);
    }
  }
  return best[sizes.length];
}

describe('encode properties', () => {
  it('decode(encode(x)) = x, for every text and every option', () => {
    fc.assert(
      fc.property(text, options, (input, opts) => {
        const message = encode(input, opts);
        const expected = opts.smart && message.replaced.length > 0 ? replaceLookAlikes(input).text : input;
        expect(message.text).toBe(expected);
        expect(decodeAll(message, opts.packed === true)).toBe(expected);
      }),
      { numRuns: 400 },
    );
  });

  it('every segment with its UDH fits 140 octets, and no segment splits a surrogate pair, escape or shift pair', () => {
    fc.assert(
      fc.property(text, options, (input, opts) => {
        const message = encode(input, opts);
        const sar = message.segments.length > 1 && opts.concatenation === 'sar';
        let offset = 0;
        for (const [i, segment] of message.segments.entries()) {
          const udhOctets = segment.udh?.length ?? 0;
          // SAR: the SMSC adds the 5-octet concat IE (and the UDHL octet if there is no UDH yet).
          const onAir = sar ? udhOctets + (udhOctets ? 5 : 6) : udhOctets;
          if (opts.concatenation !== 'payload') expect(userDataOctets(message.encoding, onAir, segment.units)).toBeLessThanOrEqual(140);
          if (opts.packed && message.encoding === 'gsm7') {
            expect(segment.bytes.length).toBe(userDataOctets('gsm7', udhOctets, segment.units));
          }
          const last = i === message.segments.length - 1;
          offset += segment.units;
          if (last || segment.units === 0) continue;
          if (message.encoding === 'gsm7') {
            const septets = opts.packed
              ? unpackSeptets(segment.bytes, udhOctets * 8 + fillBitsAfter(udhOctets), segment.units)
              : segment.bytes.subarray(udhOctets);
            // The last septet is never a lone ESC (shift pairs are ESC pairs too).
            let escapes = 0;
            for (let k = septets.length - 1; k >= 0 && septets[k] === ESC; k--) escapes++;
            expect(escapes % 2).toBe(0);
          } else if (message.encoding === 'ucs2') {
            const high = message.text.charCodeAt(offset - 1);
            const low = message.text.charCodeAt(offset);
            expect(high >= 0xd800 && high <= 0xdbff && low >= 0xdc00 && low <= 0xdfff).toBe(false);
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it('the segment count is the minimum for the chosen encoding, and count() agrees with encode()', () => {
    fc.assert(
      fc.property(text, options, (input, opts) => {
        const message = encode(input, opts);
        expect(message.segmentCount).toBe(minimumSegments(message));
        const counted = count(input, opts);
        expect(counted).toMatchObject({ encoding: message.encoding, dataCoding: message.dataCoding, segments: message.segmentCount });
        expect(counted.national).toBe(message.national);
        if (opts.concatenation !== 'payload') expect(counted.units).toEqual(message.units);
        else expect(counted.units.reduce((s, u) => s + u, 0)).toBe(message.units[0]);
      }),
      { numRuns: 400 },
    );
  });

  it('prefers the default GSM alphabet whenever it holds the text; national tables only beat UCS-2', () => {
    fc.assert(
      fc.property(text, options, (input, opts) => {
        const message = encode(input, opts);
        const defaultHolds = [...input].every((ch) => ch !== '\x1b' && (gsmBase.includes(ch) || gsmExtension.includes(ch)));
        if (defaultHolds) expect(message).toMatchObject({ encoding: 'gsm7', text: input, replaced: [] });
        if (defaultHolds) expect(message.national).toBeUndefined();
        if (message.national) {
          const asUcs2 = count(message.text, { concatenation: opts.concatenation });
          expect(message.segmentCount).toBeLessThan(asUcs2.segments);
        }
      }),
      { numRuns: 300 },
    );
  });
});
