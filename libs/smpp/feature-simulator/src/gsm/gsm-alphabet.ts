// GSM 03.38 default alphabet and extension table (unpacked: one septet per byte), as SMPP carries
// it with data_coding 0.

export const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

/** Character → septet after the 0x1B escape. */
export const GSM_EXTENSION: Readonly<Record<string, number>> = { '\f': 0x0a, '^': 0x14, '{': 0x28, '}': 0x29, '\\': 0x2f, '[': 0x3c, '~': 0x3d, ']': 0x3e, '|': 0x40, '€': 0x65 };

export const GSM_ESCAPE = 0x1b;

const EXTENSION_DECODE = new Map<number, string>(Object.entries(GSM_EXTENSION).map(([ch, code]) => [code, ch]));

/** Decodes unpacked GSM septets in bytes[start, end), at most maxChars characters. */
export function decodeGsm(bytes: Uint8Array, start: number, end: number, maxChars = Infinity): string {
  let out = '';
  let n = 0;
  for (let i = start; i < end && n < maxChars; i++, n++) {
    const b = bytes[i] & 0x7f;
    if (b === GSM_ESCAPE && i + 1 < end) {
      out += EXTENSION_DECODE.get(bytes[++i] & 0x7f) ?? ' ';
    } else {
      out += GSM_BASIC[b];
    }
  }
  return out;
}
