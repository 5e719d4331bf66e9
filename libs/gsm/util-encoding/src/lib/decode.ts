import { IE_NATIONAL_LOCKING_SHIFT, IE_NATIONAL_SINGLE_SHIFT, lockingDecodeTable, singleShiftDecodeTable } from './gsm-alphabet';
import { ESC, nationalTableById, type NationalTable } from './gsm-tables';
import { EncodingError } from './encoding-error';
import { fillBitsAfter, unpackSeptets } from './septet-packing';
import type { ConcatInfo, DecodedSegment, DecodeOptions, EncodingName, InformationElement, NationalLanguage } from './types';

const IE_CONCAT_8 = 0x00;
const IE_CONCAT_16 = 0x08;

/** The information elements of the UDH at the start of `userData`; `length` counts the UDHL octet. */
export function parseUserDataHeader(userData: Uint8Array): { length: number; informationElements: InformationElement[] } {
  if (userData.length === 0) throw malformed('UDHI is set but the user data is empty');
  const length = 1 + userData[0];
  if (length > userData.length) throw malformed(`UDH length ${userData[0]} runs past the ${userData.length}-octet user data`);
  const informationElements: InformationElement[] = [];
  for (let at = 1; at < length; ) {
    if (at + 2 > length) throw malformed(`truncated information element at octet ${at}`);
    const id = userData[at];
    const size = userData[at + 1];
    if (at + 2 + size > length) throw malformed(`information element 0x${id.toString(16)} runs past the UDH`);
    informationElements.push({ id, data: userData.slice(at + 2, at + 2 + size) });
    at += 2 + size;
  }
  return { length, informationElements };
}

function malformed(message: string): EncodingError {
  return new EncodingError('ENCODING.MALFORMED_UDH', `${message}: the message cannot be decoded; check the carrier's esm_class/UDHI`);
}

/** SMPP data_coding → text encoding; GSM 03.38 DCS groups too, since some SMSCs pass the DCS through. */
export function encodingOfDataCoding(dataCoding: number): EncodingName {
  if (dataCoding === 0 || dataCoding === 1) return 'gsm7';
  if (dataCoding === 3) return 'latin1';
  if (dataCoding === 8) return 'ucs2';
  const group = dataCoding >> 4;
  // General data coding, uncompressed (0001 xxxx): bits 3–2 select the alphabet.
  if (group === 0x1) {
    const alphabet = (dataCoding >> 2) & 3;
    if (alphabet === 0) return 'gsm7';
    if (alphabet === 2) return 'ucs2';
  }
  if (group === 0xc || group === 0xd) return 'gsm7'; // message waiting, GSM-7
  if (group === 0xe) return 'ucs2'; // message waiting, UCS-2
  if (group === 0xf && (dataCoding & 0x04) === 0) return 'gsm7'; // message class, GSM-7
  throw new EncodingError(
    'ENCODING.UNSUPPORTED_DATA_CODING',
    `data_coding 0x${dataCoding.toString(16).padStart(2, '0')} is not text this library decodes (0/1 GSM-7, 3 Latin-1, 8 UCS-2); treat the payload as binary`,
    { dataCoding },
  );
}

/**
 * Decodes one received short_message (or message_payload). Every UDH IE is read, in any order:
 * concatenation (8/16-bit) gives `concat`, national shift IEs select the GSM-7 tables, the rest
 * (ports, …) are returned untouched in `informationElements`.
 */
export function decode(userData: Uint8Array, options: DecodeOptions): DecodedSegment {
  const encoding = encodingOfDataCoding(options.dataCoding);
  let udhLength = 0;
  let informationElements: InformationElement[] = [];
  let concat: ConcatInfo | undefined;
  let locking: number | undefined;
  let single: number | undefined;
  if (options.udhi) {
    ({ length: udhLength, informationElements } = parseUserDataHeader(userData));
    // A repeated IE: the last one counts (3GPP TS 23.040 9.2.3.24).
    for (const { id, data } of informationElements) {
      if (id === IE_CONCAT_8 && data.length === 3) {
        concat = { reference: data[0], total: data[1], sequence: data[2], referenceBits: 8 };
      } else if (id === IE_CONCAT_16 && data.length === 4) {
        concat = { reference: (data[0] << 8) | data[1], total: data[2], sequence: data[3], referenceBits: 16 };
      } else if (id === IE_NATIONAL_SINGLE_SHIFT && data.length === 1) {
        single = data[0];
      } else if (id === IE_NATIONAL_LOCKING_SHIFT && data.length === 1) {
        locking = data[0];
      }
    }
  }
  if (!concat && options.sar) {
    const { msgRefNum, totalSegments, segmentSeqnum } = options.sar;
    concat = { reference: msgRefNum, total: totalSegments, sequence: segmentSeqnum, referenceBits: 16 };
  }

  let text: string;
  const body = userData.subarray(udhLength);
  const result: DecodedSegment = { text: '', encoding, informationElements };
  if (encoding === 'gsm7') {
    const lockingTable = locking === undefined ? undefined : nationalTableById(locking);
    const singleTable = single === undefined ? undefined : nationalTableById(single);
    const septets = options.packed
      ? unpackSeptets(userData, udhLength * 8 + fillBitsAfter(udhLength), options.septets)
      : body;
    text = septetsToText(septets, lockingTable, singleTable);
    const national: NonNullable<DecodedSegment['national']> = {};
    if (lockingTable?.locking) national.lockingShift = lockingTable.language as NationalLanguage;
    if (singleTable) national.singleShift = singleTable.language as NationalLanguage;
    if (national.lockingShift || national.singleShift) result.national = national;
  } else if (encoding === 'ucs2') {
    text = '';
    // A stray odd octet (seen from some carriers) is ignored rather than failing the message.
    for (let i = 0; i + 1 < body.length; i += 2) text += String.fromCharCode((body[i] << 8) | body[i + 1]);
  } else {
    text = '';
    for (let i = 0; i < body.length; i++) text += String.fromCharCode(body[i]);
  }
  result.text = text;
  if (concat) result.concat = concat;
  return result;
}

const decodeTables = new Map<string, { base: Uint16Array; extension: Uint16Array }>();

function tablesFor(locking: NationalTable | undefined, single: NationalTable | undefined) {
  const key = `${locking?.id ?? 0}:${single?.id ?? 0}`;
  let tables = decodeTables.get(key);
  if (!tables) {
    tables = { base: lockingDecodeTable(locking), extension: singleShiftDecodeTable(single) };
    decodeTables.set(key, tables);
  }
  return tables;
}

function septetsToText(septets: Uint8Array, locking: NationalTable | undefined, single: NationalTable | undefined): string {
  const { base, extension } = tablesFor(locking, single);
  let text = '';
  for (let i = 0; i < septets.length; i++) {
    const s = septets[i] & 0x7f;
    if (s !== ESC) {
      text += String.fromCharCode(base[s]);
      continue;
    }
    if (++i >= septets.length) break; // a dangling ESC at the end carries no character
    const e = septets[i] & 0x7f;
    // 23.038 6.2.1.1: ESC ESC shows a space; an undefined extension shows the base character.
    if (e === ESC) text += ' ';
    else text += String.fromCharCode(extension[e] || base[e]);
  }
  return text;
}

/**
 * Joins the decoded parts of one multi-part message in sequence order (duplicates ignored).
 * Throws ENCODING.INCOMPLETE_MESSAGE when parts are missing or do not belong together.
 */
export function reassemble(parts: readonly DecodedSegment[]): string {
  if (parts.length === 1 && !parts[0].concat) return parts[0].text;
  const first = parts[0]?.concat;
  if (!first) throw incomplete('no parts carry concatenation information', {});
  const texts = new Array<string | undefined>(first.total);
  for (const part of parts) {
    const c = part.concat;
    if (!c || c.reference !== first.reference || c.total !== first.total) {
      throw incomplete('parts from different messages (reference or total differ)', { reference: first.reference });
    }
    if (c.sequence < 1 || c.sequence > c.total) throw incomplete(`sequence ${c.sequence} outside 1–${c.total}`, { reference: c.reference });
    texts[c.sequence - 1] ??= part.text;
  }
  const missing = [...texts.keys()].filter((i) => texts[i] === undefined).map((i) => i + 1);
  if (missing.length > 0) {
    throw incomplete(`parts ${missing.join(', ')} of ${first.total} are missing`, { reference: first.reference, missing });
  }
  return texts.join('');
}

function incomplete(message: string, details: Record<string, unknown>): EncodingError {
  return new EncodingError('ENCODING.INCOMPLETE_MESSAGE', `cannot reassemble: ${message}; wait for the rest or give up after the reassembly timeout`, details);
}
