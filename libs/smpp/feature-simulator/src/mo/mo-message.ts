// MO (mobile-originated) text as a handset's SMSC would deliver it: GSM 7-bit (unpacked septets,
// data_coding 0) when every character is in the GSM 03.38 default alphabet or its extension table,
// UCS-2 (data_coding 8) otherwise; long text split into parts with an 8-bit-reference
// concatenation UDH (05 00 03 ref total seq), esm_class UDHI.
import { GSM_BASIC, GSM_ESCAPE, GSM_EXTENSION } from '../gsm/gsm-alphabet';

const GSM_CODE = new Map<string, number>([...GSM_BASIC].map((ch, i) => [ch, i]));

export const DATA_CODING_GSM = 0x00;
export const DATA_CODING_UCS2 = 0x08;
export const ESM_CLASS_UDHI = 0x40;

export interface MoMessage {
  dataCoding: number;
  esmClass: number;
  /** short_message of each part, UDH included when there is more than one part. */
  parts: Buffer[];
}

/** `reference` is the concatenation reference (0–255) the caller rotates per message. */
export function buildMoMessage(text: string, reference: number): MoMessage {
  const septets = toGsmSeptets(text);
  const units: number[][] = septets ?? toUcs2Units(text);
  const dataCoding = septets ? DATA_CODING_GSM : DATA_CODING_UCS2;
  const single = septets ? 160 : 70;
  const perPart = septets ? 153 : 67;
  const count = units.reduce((n, u) => n + u.length, 0);
  const encode = (chunk: number[][]): Buffer => (septets ? Buffer.from(chunk.flat()) : ucs2Bytes(chunk.flat()));
  if (count <= single) return { dataCoding, esmClass: 0, parts: [encode(units)] };

  // Split on whole characters: never between ESC and its extension character or a surrogate pair.
  const chunks: number[][][] = [];
  let chunk: number[][] = [];
  let size = 0;
  for (const u of units) {
    if (size + u.length > perPart) {
      chunks.push(chunk);
      chunk = [];
      size = 0;
    }
    chunk.push(u);
    size += u.length;
  }
  if (chunk.length) chunks.push(chunk);
  if (chunks.length > 255) throw new RangeError(`MO text needs ${chunks.length} parts; at most 255 fit a concatenation UDH`);
  const ref = reference & 0xff;
  const parts = chunks.map((c, i) => Buffer.concat([Buffer.from([0x05, 0x00, 0x03, ref, chunks.length, i + 1]), encode(c)]));
  return { dataCoding, esmClass: ESM_CLASS_UDHI, parts };
}

/** Septets per character (1, or 2 for the extension table), or undefined if text is not GSM-7. */
function toGsmSeptets(text: string): number[][] | undefined {
  const out: number[][] = [];
  for (const ch of text) {
    const code = GSM_CODE.get(ch);
    if (code !== undefined && code !== GSM_ESCAPE) out.push([code]);
    else if (ch in GSM_EXTENSION) out.push([GSM_ESCAPE, GSM_EXTENSION[ch]]);
    else return undefined;
  }
  return out;
}

/** UTF-16 code units per character (2 for a surrogate pair). */
function toUcs2Units(text: string): number[][] {
  const out: number[][] = [];
  for (const ch of text) {
    const units: number[] = [];
    for (let i = 0; i < ch.length; i++) units.push(ch.charCodeAt(i));
    out.push(units);
  }
  return out;
}

function ucs2Bytes(units: number[]): Buffer {
  const b = Buffer.alloc(units.length * 2);
  units.forEach((u, i) => b.writeUInt16BE(u, i * 2));
  return b;
}
