import { DEFAULT_GSM7, nationalAlphabets, type Gsm7Alphabet } from './gsm-alphabet';
import { ESC, NATIONAL_TABLES } from './gsm-tables';
import { EncodingError } from './encoding-error';
import { fillBitsAfter, packInto } from './septet-packing';
import { replaceLookAlikes } from './smart-encoding';
import type {
  Concatenation,
  EncodedMessage,
  EncodeOptions,
  Encoding,
  MessageCount,
  NationalLanguage,
  Replacement,
  Segment,
} from './types';

/** TP-UD holds 140 octets: UDH, fill bits and text together. */
const USER_DATA_OCTETS = 140;
/** The concatenation IE counts segments in one octet. */
const MAX_SEGMENTS = 255;
const IE_CONCAT_8 = 0x00;
const IE_CONCAT_16 = 0x08;
/** Octets of the concatenation IE (id, length, data) each mode puts, or the SMSC will put, in the UDH. */
const CONCAT_IE_OCTETS: Readonly<Record<Concatenation, number>> = { udh8: 5, udh16: 6, sar: 5, payload: 5 };
const DATA_CODING = { ucs2: 8, latin1: 3 } as const;

/** What to encode and how it splits; `ends` holds the end offset (in units) of each segment. */
interface Plan {
  encoding: Encoding;
  alphabet: Gsm7Alphabet | undefined;
  text: string;
  total: number;
  segments: number;
  replaced: Replacement[];
}

// Scratch buffers reused across calls: the hot path allocates only the result.
let septets = new Uint8Array(1024);
let ends = new Int32Array(64);

/** Septets of `text` into `septets`; their count, or -1 when a character is not in the alphabet. */
function toSeptets(text: string, map: Int16Array): number {
  const length = text.length;
  if (septets.length < length * 2) septets = new Uint8Array(length * 2 + 64);
  const buf = septets;
  let n = 0;
  for (let i = 0; i < length; i++) {
    const v = map[text.charCodeAt(i)];
    if (v < 128) {
      if (v < 0) return -1;
      buf[n++] = v;
    } else {
      buf[n++] = ESC;
      buf[n++] = v & 0x7f;
    }
  }
  return n;
}

function capacity(encoding: Encoding, udhOctets: number): number {
  const octets = USER_DATA_OCTETS - udhOctets;
  if (encoding === 'gsm7') return ((octets * 8) / 7) | 0;
  return encoding === 'ucs2' ? octets >> 1 : octets;
}

/**
 * Greedy split into `ends` (optimal for in-order packing), moving a boundary back one unit where
 * it would cut an ESC pair (gsm7) or a surrogate pair (ucs2). Returns the segment count.
 */
function layout(encoding: Encoding, text: string, total: number, shiftIeOctets: number, concatIeOctets: number): number {
  if (total <= capacity(encoding, shiftIeOctets ? 1 + shiftIeOctets : 0)) {
    ends[0] = total;
    return 1;
  }
  const cap = capacity(encoding, 1 + concatIeOctets + shiftIeOctets);
  const pairs = encoding === 'gsm7' ? total !== text.length : encoding === 'ucs2';
  let n = 0;
  for (let start = 0; start < total; n++) {
    let end = start + cap;
    if (end >= total) end = total;
    else if (pairs && cutsPair(encoding, text, end)) end--;
    if (n === ends.length) {
      const grown = new Int32Array(n * 2);
      grown.set(ends);
      ends = grown;
    }
    ends[n] = end;
    start = end;
  }
  return n;
}

function cutsPair(encoding: Encoding, text: string, end: number): boolean {
  // An ESC is always the first septet of a pair: no shift table maps a character to ESC.
  if (encoding === 'gsm7') return septets[end - 1] === ESC;
  return (text.charCodeAt(end - 1) & 0xfc00) === 0xd800 && (text.charCodeAt(end) & 0xfc00) === 0xdc00;
}

function fitsLatin1(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return false;
  return true;
}

/**
 * Picks the encoding: the default GSM alphabet whenever it holds the text; otherwise the fewest
 * segments among Latin-1 (if allowed), UCS-2 and the allowed national tables, where a national
 * table must beat both (handset support for them is patchy). Leaves `septets`/`ends` for the plan.
 */
function choose(text: string, options: EncodeOptions, concatIe: number, smart: boolean): Plan {
  const total = toSeptets(text, DEFAULT_GSM7.encodeMap);
  if (total >= 0) {
    const segments = layout('gsm7', text, total, 0, concatIe);
    return { encoding: 'gsm7', alphabet: DEFAULT_GSM7, text, total, segments, replaced: [] };
  }

  let best: Plan = { encoding: 'ucs2', alphabet: undefined, text, total: text.length, segments: 0, replaced: [] };
  best.segments = layout('ucs2', text, text.length, 0, concatIe);
  if (options.latin1 && fitsLatin1(text)) {
    const segments = layout('latin1', text, text.length, 0, concatIe);
    if (segments <= best.segments) best = { ...best, encoding: 'latin1', segments };
  }
  for (const language of options.nationalLanguages ?? []) {
    for (const alphabet of nationalAlphabets(language)) {
      const units = toSeptets(text, alphabet.encodeMap);
      if (units < 0) continue;
      const segments = layout('gsm7', text, units, alphabet.shiftIes.length, concatIe);
      const candidate: Plan = { encoding: 'gsm7', alphabet, text, total: units, segments, replaced: [] };
      if (segments < best.segments || (best.encoding === 'gsm7' && segments === best.segments && simpler(candidate, best))) {
        best = candidate;
      }
    }
  }

  if (best.encoding === 'ucs2' && smart) {
    const { text: replacedText, replaced } = replaceLookAlikes(text);
    if (replaced.length > 0) {
      const plan = choose(replacedText, options, concatIe, false);
      if (plan.encoding !== 'ucs2') return { ...plan, replaced };
    }
  }
  // The scratch buffers hold whichever candidate was tried last; rebuild them for the chosen one.
  if (best.alphabet) toSeptets(text, best.alphabet.encodeMap);
  layout(best.encoding, text, best.total, best.alphabet?.shiftIes.length ?? 0, concatIe);
  return best;
}

/** Among national candidates with equal segment counts: fewer shift IEs, then fewer septets. */
function simpler(a: Plan, b: Plan): boolean {
  const ieA = a.alphabet?.shiftIes.length ?? 0;
  const ieB = b.alphabet?.shiftIes.length ?? 0;
  return ieA < ieB || (ieA === ieB && a.total < b.total);
}

function validate(options: EncodeOptions): void {
  const { concatenation, maxSegments, gsm7DataCoding, nationalLanguages } = options;
  if (concatenation !== undefined && !(concatenation in CONCAT_IE_OCTETS)) {
    invalid(`concatenation must be one of udh8, udh16, sar, payload (got ${String(concatenation)})`);
  }
  if (maxSegments !== undefined && !(Number.isInteger(maxSegments) && maxSegments >= 1)) {
    invalid(`maxSegments must be a positive integer (got ${maxSegments})`);
  }
  if (gsm7DataCoding !== undefined && !(Number.isInteger(gsm7DataCoding) && gsm7DataCoding >= 0 && gsm7DataCoding <= 255)) {
    invalid(`gsm7DataCoding must be an integer 0–255 (got ${gsm7DataCoding})`);
  }
  if (nationalLanguages) {
    for (const language of nationalLanguages) {
      if (!Object.prototype.hasOwnProperty.call(NATIONAL_TABLES, language)) {
        invalid(`unknown national language "${language}"; known: ${Object.keys(NATIONAL_TABLES).join(', ')}`);
      }
    }
  }
}

function invalid(message: string): never {
  throw new EncodingError('ENCODING.INVALID_OPTION', message);
}

function plan(text: string, options: EncodeOptions): Plan {
  validate(options);
  const p = choose(text, options, CONCAT_IE_OCTETS[options.concatenation ?? 'udh8'], options.smart === true);
  const max = Math.min(options.maxSegments ?? MAX_SEGMENTS, MAX_SEGMENTS);
  if (p.segments > max) throw tooManySegments(p, max, options);
  return p;
}

const UNIT_NAMES: Readonly<Record<Encoding, string>> = { gsm7: 'septets', ucs2: 'UTF-16 units', latin1: 'octets' };

function tooManySegments(p: Plan, max: number, options: EncodeOptions): EncodingError {
  let hint = '';
  if (p.encoding !== 'gsm7') {
    const blocking = [...new Set([...p.text].filter((ch) => toSeptets(ch, DEFAULT_GSM7.encodeMap) < 0))].slice(0, 5);
    hint = `; it is ${p.encoding} because of ${blocking.map((ch) => JSON.stringify(ch)).join(', ')}`;
    if (!options.smart && replaceLookAlikes(p.text).replaced.length > 0) hint += ' (smart encoding may help)';
  }
  return new EncodingError(
    'ENCODING.TOO_MANY_SEGMENTS',
    `message needs ${p.segments} segments (${p.total} ${UNIT_NAMES[p.encoding]} as ${p.encoding}) but at most ${max} are allowed: shorten the text${hint}`,
    { segments: p.segments, maxSegments: max, encoding: p.encoding, units: p.total },
  );
}

function describe(p: Plan, options: EncodeOptions): Pick<MessageCount, 'encoding' | 'national' | 'nationalShift' | 'dataCoding'> {
  const out: Pick<MessageCount, 'encoding' | 'national' | 'nationalShift' | 'dataCoding'> = {
    encoding: p.encoding,
    dataCoding: p.encoding === 'gsm7' ? (options.gsm7DataCoding ?? 0) : DATA_CODING[p.encoding],
  };
  if (p.alphabet?.language) {
    out.national = p.alphabet.language as NationalLanguage;
    out.nationalShift = p.alphabet.shift;
  }
  return out;
}

function unitsOf(n: number): number[] {
  const units = new Array<number>(n);
  for (let i = 0, start = 0; i < n; i++) {
    units[i] = ends[i] - start;
    start = ends[i];
  }
  return units;
}

/**
 * Encoding, segment count and units per segment, as `encode` would produce them, without bytes.
 * Throws EncodingError ENCODING.TOO_MANY_SEGMENTS beyond `maxSegments`.
 */
export function count(text: string, options: EncodeOptions = {}): MessageCount {
  const p = plan(text, options);
  return { ...describe(p, options), segments: p.segments, units: unitsOf(p.segments), replaced: p.replaced, text: p.text };
}

/**
 * Encodes and segments `text` for SMPP submission. Throws EncodingError: TOO_MANY_SEGMENTS,
 * REFERENCE_REQUIRED (multi-part without `reference`), INVALID_OPTION.
 */
export function encode(text: string, options: EncodeOptions = {}): EncodedMessage {
  const p = plan(text, options);
  const concatenation = options.concatenation ?? 'udh8';
  let parts = p.segments;
  if (concatenation === 'payload') {
    ends[0] = p.total;
    parts = 1;
  }
  const reference = parts > 1 ? resolveReference(options.reference, concatenation) : 0;
  const segments = build(p, parts, concatenation, reference, options.packed === true);
  const units = unitsOf(parts);
  return { ...describe(p, options), concatenation, segments, units, segmentCount: p.segments, replaced: p.replaced, text: p.text };
}

function resolveReference(reference: EncodeOptions['reference'], concatenation: Concatenation): number {
  const value = typeof reference === 'function' ? reference() : reference;
  if (value === undefined) {
    throw new EncodingError(
      'ENCODING.REFERENCE_REQUIRED',
      'a multi-part message needs a concatenation reference: pass options.reference (ConcatReferenceAllocator hands them out per destination and carrier)',
    );
  }
  const max = concatenation === 'udh8' ? 0xff : 0xffff;
  if (!Number.isInteger(value) || value < 0 || value > max) {
    invalid(`reference must be an integer 0–${max} for ${concatenation} (got ${value})`);
  }
  return value;
}

function build(p: Plan, parts: number, concatenation: Concatenation, reference: number, packed: boolean): Segment[] {
  const shiftIes = p.alphabet?.shiftIes;
  const shiftOctets = shiftIes ? shiftIes.length : 0;
  const concatOctets = parts > 1 && (concatenation === 'udh8' || concatenation === 'udh16') ? CONCAT_IE_OCTETS[concatenation] : 0;
  const udhOctets = concatOctets + shiftOctets > 0 ? 1 + concatOctets + shiftOctets : 0;
  const fill = fillBitsAfter(udhOctets);
  const encoding = p.encoding;
  const text = p.text;
  const segments = new Array<Segment>(parts);

  for (let i = 0, start = 0; i < parts; i++) {
    const end = ends[i];
    const units = end - start;
    let dataOctets = units;
    if (encoding === 'ucs2') dataOctets = units * 2;
    else if (encoding === 'gsm7' && packed && units > 0) dataOctets = (fill + units * 7 + 7) >> 3;
    const bytes = new Uint8Array(udhOctets + dataOctets);

    if (udhOctets > 0) {
      bytes[0] = udhOctets - 1;
      let at = 1;
      if (concatOctets === 5) {
        bytes[1] = IE_CONCAT_8;
        bytes[2] = 3;
        bytes[3] = reference;
        at = 4;
      } else if (concatOctets === 6) {
        bytes[1] = IE_CONCAT_16;
        bytes[2] = 4;
        bytes[3] = reference >> 8;
        bytes[4] = reference & 0xff;
        at = 5;
      }
      if (concatOctets > 0) {
        bytes[at++] = parts;
        bytes[at++] = i + 1;
      }
      for (let k = 0; k < shiftOctets; k++) bytes[at++] = (shiftIes as Uint8Array)[k];
    }

    let at = udhOctets;
    if (encoding === 'gsm7') {
      if (packed) packInto(septets, start, end, bytes, at, fill);
      else for (let k = start; k < end; k++) bytes[at++] = septets[k];
    } else if (encoding === 'ucs2') {
      for (let k = start; k < end; k++) {
        const c = text.charCodeAt(k);
        bytes[at++] = c >> 8;
        bytes[at++] = c & 0xff;
      }
    } else {
      for (let k = start; k < end; k++) bytes[at++] = text.charCodeAt(k);
    }

    const segment: Segment = { bytes, units };
    if (udhOctets > 0) segment.udh = bytes.subarray(0, udhOctets);
    if (concatenation === 'sar' && parts > 1) {
      segment.sar = { msgRefNum: reference, totalSegments: parts, segmentSeqnum: i + 1 };
    }
    segments[i] = segment;
    start = end;
  }
  return segments;
}
