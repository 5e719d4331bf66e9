import { ByteSlab, nativeWriter } from './byte-slab';
import { DEFAULT_GSM7 as DEFAULT_GSM7_IMPORT, nationalAlphabets, type Gsm7Alphabet } from './gsm-alphabet';
import { NATIONAL_TABLES } from './gsm-tables';
import { EncodingError } from './encoding-error';
import { fillBitsAfter, packInto } from './septet-packing';
import { replaceLookAlikes } from './smart-encoding';
import type { Concatenation, EncodedMessage, EncodeOptions, EncodingName, MessageCount, Replacement, Segment } from './types';

/** TP-UD holds 140 octets: UDH, fill bits and text together. */
const USER_DATA_OCTETS = 140;
/** The concatenation IE counts segments in one octet. */
const MAX_SEGMENTS = 255;
const IE_CONCAT_8 = 0x00;
const IE_CONCAT_16 = 0x08;
/** Octets of the concatenation IE (id, length, data) each mode puts, or the SMSC will put, in the UDH. */
const CONCAT_IE_OCTETS: Readonly<Record<Concatenation, number>> = { udh8: 5, udh16: 6, sar: 5, payload: 5 };
const DATA_CODING = { ucs2: 8, latin1: 3 } as const;
const UNIT_NAMES: Readonly<Record<EncodingName, string>> = { gsm7: 'septets', ucs2: 'UTF-16 units', latin1: 'octets' };

/**
 * The chosen encoding and its split. For gsm7 the septets sit in `slab.bytes` from `base` on;
 * `ends` holds the end offset (in units) of each segment.
 */
interface Plan {
  encoding: EncodingName;
  alphabet: Gsm7Alphabet | undefined;
  text: string;
  base: number;
  total: number;
  segments: number;
  replaced: Replacement[];
}

// Module-local copies: compiled to CommonJS, imported bindings are getters on every access.
const DEFAULT_GSM7 = DEFAULT_GSM7_IMPORT;
const ESC = 0x1b;

const slab = new ByteSlab();
let ends = new Int32Array(64);

// Characters whose GSM septet equals their ASCII code, plus @ $ _ (patched after the copy):
// text made only of these is converted by a native string write instead of a per-character loop.
const NOT_ASCII_GSM = /[^\n\r !-Z_a-z]/;

// UTF-16 code units of the text, copied natively: a typed-array loop beats charCodeAt by a third.
let codeUnits = new Uint16Array(1024);
let codeUnitsBuffer = nativeWriter(codeUnits.buffer);

/** Septets of `text` into the slab from `base` on; their count, or -1 if a character is missing. */
function toSeptets(text: string, alphabet: Gsm7Alphabet, base: number): number {
  const length = text.length;
  const buf = slab.bytes;
  const map = alphabet.encodeMap;
  let n = base;
  const native = slab.nodeBuffer;
  if (length < 32 || native === undefined) {
    // Too short for the native copies to pay off, or no Buffer (a browser).
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
    return n - base;
  }
  if (alphabet === DEFAULT_GSM7 && !NOT_ASCII_GSM.test(text)) {
    native.write(text, base, length, 'latin1');
    for (let i = text.indexOf('@'); i >= 0; i = text.indexOf('@', i + 1)) buf[base + i] = 0x00;
    for (let i = text.indexOf('$'); i >= 0; i = text.indexOf('$', i + 1)) buf[base + i] = 0x02;
    for (let i = text.indexOf('_'); i >= 0; i = text.indexOf('_', i + 1)) buf[base + i] = 0x11;
    return length;
  }
  if (codeUnits.length < length) {
    codeUnits = new Uint16Array(length * 2);
    codeUnitsBuffer = nativeWriter(codeUnits.buffer);
  }
  codeUnitsBuffer?.write(text, 0, length * 2, 'utf16le');
  const units = codeUnits;
  for (let i = 0; i < length; i++) {
    const v = map[units[i]];
    if (v < 128) {
      if (v < 0) return -1;
      buf[n++] = v;
    } else {
      buf[n++] = ESC;
      buf[n++] = v & 0x7f;
    }
  }
  return n - base;
}

/** Slab space for scratch septets (≤ 2 per char) and the encoded segments after them. */
function reserveFor(text: string): number {
  return slab.reserve(text.length * 4 + 8 * ((text.length >> 6) + 2));
}

function capacity(encoding: EncodingName, udhOctets: number): number {
  const octets = USER_DATA_OCTETS - udhOctets;
  if (encoding === 'gsm7') return ((octets * 8) / 7) | 0;
  return encoding === 'ucs2' ? octets >> 1 : octets;
}

/**
 * Greedy split into `ends` (optimal for in-order packing), moving a boundary back one unit where
 * it would cut an ESC pair (gsm7) or a surrogate pair (ucs2). Returns the segment count.
 */
function layout(encoding: EncodingName, text: string, base: number, total: number, shiftIeOctets: number, concatIeOctets: number): number {
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
    else if (pairs && cutsPair(encoding, text, base, end)) end--;
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

function cutsPair(encoding: EncodingName, text: string, base: number, end: number): boolean {
  // An ESC is always the first septet of a pair: no shift table maps a character to ESC.
  if (encoding === 'gsm7') return slab.bytes[base + end - 1] === ESC;
  return (text.charCodeAt(end - 1) & 0xfc00) === 0xd800 && (text.charCodeAt(end) & 0xfc00) === 0xdc00;
}

function fitsLatin1(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return false;
  return true;
}

/**
 * Picks the encoding: the default GSM alphabet whenever it holds the text; otherwise the fewest
 * segments among Latin-1 (if allowed), UCS-2 and the allowed national tables, where a national
 * table must beat both (handset support for them is patchy). Leaves slab and `ends` for the plan.
 */
function choose(text: string, options: EncodeOptions, concatIe: number, smart: boolean): Plan {
  const base = reserveFor(text);
  const total = toSeptets(text, DEFAULT_GSM7, base);
  if (total >= 0) {
    const segments = layout('gsm7', text, base, total, 0, concatIe);
    return { encoding: 'gsm7', alphabet: DEFAULT_GSM7, text, base, total, segments, replaced: [] };
  }

  let best: Plan = { encoding: 'ucs2', alphabet: undefined, text, base, total: text.length, segments: 0, replaced: [] };
  best.segments = layout('ucs2', text, base, text.length, 0, concatIe);
  if (options.latin1 && fitsLatin1(text)) {
    const segments = layout('latin1', text, base, text.length, 0, concatIe);
    if (segments <= best.segments) best = { encoding: 'latin1', alphabet: undefined, text, base, total: text.length, segments, replaced: [] };
  }
  const languages = options.nationalLanguages;
  if (languages) {
    for (const language of languages) {
      for (const alphabet of nationalAlphabets(language)) {
        const units = toSeptets(text, alphabet, base);
        if (units < 0) continue;
        const segments = layout('gsm7', text, base, units, alphabet.shiftIes.length, concatIe);
        const candidate: Plan = { encoding: 'gsm7', alphabet, text, base, total: units, segments, replaced: [] };
        if (segments < best.segments || (best.encoding === 'gsm7' && segments === best.segments && simpler(candidate, best))) {
          best = candidate;
        }
      }
    }
  }

  if (best.encoding === 'ucs2' && smart) {
    const { text: replacedText, replaced } = replaceLookAlikes(text);
    if (replaced.length > 0) {
      const plan = choose(replacedText, options, concatIe, false);
      if (plan.encoding !== 'ucs2') {
        plan.replaced = replaced;
        return plan;
      }
      best.base = reserveFor(text);
    }
  }
  // The slab and `ends` hold whichever candidate was tried last; rebuild them for the chosen one.
  if (best.alphabet) toSeptets(text, best.alphabet, best.base);
  layout(best.encoding, text, best.base, best.total, best.alphabet?.shiftIes.length ?? 0, concatIe);
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
  if (concatenation !== undefined && !Object.prototype.hasOwnProperty.call(CONCAT_IE_OCTETS, concatenation)) {
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

function tooManySegments(p: Plan, max: number, options: EncodeOptions): EncodingError {
  let hint = '';
  if (p.encoding !== 'gsm7') {
    const blocking = [...new Set(p.text)].filter((ch) => DEFAULT_GSM7.encodeMap[ch.charCodeAt(0)] < 0 || ch.length > 1);
    hint = `; it is ${p.encoding} because of ${blocking.slice(0, 5).map((ch) => JSON.stringify(ch)).join(', ')}`;
    if (!options.smart && replaceLookAlikes(p.text).replaced.length > 0) hint += ' (smart encoding may help)';
  }
  return new EncodingError(
    'ENCODING.TOO_MANY_SEGMENTS',
    `message needs ${p.segments} segments (${p.total} ${UNIT_NAMES[p.encoding]} as ${p.encoding}) but at most ${max} are allowed: shorten the text${hint}`,
    { segments: p.segments, maxSegments: max, encoding: p.encoding, units: p.total },
  );
}

function dataCodingOf(p: Plan, options: EncodeOptions): number {
  return p.encoding === 'gsm7' ? (options.gsm7DataCoding ?? 0) : DATA_CODING[p.encoding];
}

/** Adds `national`/`nationalShift` when a national table was chosen (absent keys otherwise). */
function withNational<T extends MessageCount | EncodedMessage>(p: Plan, out: T): T {
  if (p.alphabet?.language) {
    out.national = p.alphabet.language;
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
  // Literal objects, not spreads: V8 builds spread results on a slow path (10x slower here).
  const out: MessageCount = {
    encoding: p.encoding,
    dataCoding: dataCodingOf(p, options),
    segments: p.segments,
    units: unitsOf(p.segments),
    replaced: p.replaced,
    text: p.text,
  };
  return withNational(p, out);
}

/**
 * Encodes and segments `text` for SMPP submission. Throws EncodingError: TOO_MANY_SEGMENTS,
 * REFERENCE_REQUIRED (multi-part without `reference`), INVALID_OPTION.
 * Segment bytes are views into a shared slab (see byte-slab.ts): copy them to keep them long.
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
  const out: EncodedMessage = {
    encoding: p.encoding,
    dataCoding: dataCodingOf(p, options),
    concatenation,
    segments,
    units: unitsOf(parts),
    segmentCount: p.segments,
    replaced: p.replaced,
    text: p.text,
  };
  return withNational(p, out);
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
  const encoding = p.encoding;
  const base = p.base;
  const segments = new Array<Segment>(parts);

  // The common case: one unpacked GSM-7 segment without UDH is already in place.
  if (parts === 1 && udhOctets === 0 && encoding === 'gsm7' && !packed) {
    segments[0] = { bytes: slab.take(base, p.total), units: p.total };
    return segments;
  }

  const buf = slab.bytes;
  const memory = buf.buffer;
  const sar = concatenation === 'sar' && parts > 1;

  if (encoding === 'gsm7' && !packed) {
    // In place: segment i moves up by (i + 1) UDHs, last one first so nothing is overwritten
    // before it moved, and gets its UDH in the gap below it.
    for (let i = parts - 1; i >= 0; i--) {
      const start = i === 0 ? 0 : ends[i - 1];
      const end = ends[i];
      const at = base + i * udhOctets + start;
      if (udhOctets > 0) {
        buf.copyWithin(at + udhOctets, base + start, base + end);
        writeUdh(buf, at, udhOctets, concatOctets, reference, parts, i + 1, shiftIes);
      }
      segments[i] = segment(memory, at, udhOctets, end - start, end - start, sar, reference, parts, i + 1);
    }
    slab.commit(base + p.total + parts * udhOctets);
    return segments;
  }

  const fill = fillBitsAfter(udhOctets);
  const text = p.text;
  // Packed gsm7 goes after its scratch septets; ucs2 and latin1 have no scratch.
  let at = encoding === 'gsm7' ? base + p.total : base;
  for (let i = 0, start = 0; i < parts; i++) {
    const end = ends[i];
    const units = end - start;
    let dataOctets = units;
    if (encoding === 'ucs2') dataOctets = units * 2;
    else if (encoding === 'gsm7' && units > 0) dataOctets = (fill + units * 7 + 7) >> 3;
    segments[i] = segment(memory, at, udhOctets, dataOctets, units, sar, reference, parts, i + 1);
    if (udhOctets > 0) writeUdh(buf, at, udhOctets, concatOctets, reference, parts, i + 1, shiftIes);
    at += udhOctets;
    if (encoding === 'gsm7') {
      buf.fill(0, at, at + dataOctets); // the slab may hold scratch; packing ORs bits in
      packInto(buf, base + start, base + end, buf, at, fill);
      at += dataOctets;
    } else if (encoding === 'ucs2') {
      for (let k = start; k < end; k++) {
        const c = text.charCodeAt(k);
        buf[at++] = c >> 8;
        buf[at++] = c & 0xff;
      }
    } else {
      for (let k = start; k < end; k++) buf[at++] = text.charCodeAt(k);
    }
    start = end;
  }
  slab.commit(at);
  return segments;
}

function segment(
  memory: ArrayBufferLike,
  at: number,
  udhOctets: number,
  dataOctets: number,
  units: number,
  sar: boolean,
  reference: number,
  total: number,
  sequence: number,
): Segment {
  const out: Segment = { bytes: new Uint8Array(memory, at, udhOctets + dataOctets), units };
  if (udhOctets > 0) out.udh = new Uint8Array(memory, at, udhOctets);
  if (sar) out.sar = { msgRefNum: reference, totalSegments: total, segmentSeqnum: sequence };
  return out;
}

/** UDHL, then the concatenation IE (8- or 16-bit reference) if any, then the shift IEs. */
function writeUdh(
  buf: Uint8Array,
  at: number,
  udhOctets: number,
  concatOctets: number,
  reference: number,
  total: number,
  sequence: number,
  shiftIes: Uint8Array | undefined,
): void {
  buf[at++] = udhOctets - 1;
  if (concatOctets === 5) {
    buf[at++] = IE_CONCAT_8;
    buf[at++] = 3;
    buf[at++] = reference;
  } else if (concatOctets === 6) {
    buf[at++] = IE_CONCAT_16;
    buf[at++] = 4;
    buf[at++] = reference >> 8;
    buf[at++] = reference & 0xff;
  }
  if (concatOctets > 0) {
    buf[at++] = total;
    buf[at++] = sequence;
  }
  if (shiftIes) for (let k = 0; k < shiftIes.length; k++) buf[at++] = shiftIes[k];
}
