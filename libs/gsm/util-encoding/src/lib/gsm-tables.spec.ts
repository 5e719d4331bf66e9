import { decode } from './decode';
import { encode } from './encode';
import { DEFAULT_ALPHABET, DEFAULT_EXTENSION, NATIONAL_LANGUAGES, NATIONAL_TABLES } from './gsm-tables';
import type { NationalLanguage } from './types';

// Expectations written from 3GPP TS 23.038 independently of the tables under test: the default
// alphabet by row, and each national locking table as its differences from the default.
const DEFAULT_ROWS = [
  ['@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å'],
  ['Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', 'ESC', 'Æ', 'æ', 'ß', 'É'],
  [' ', '!', '"', '#', '¤', '%', '&', "'", '(', ')', '*', '+', ',', '-', '.', '/'],
];
const EXTENSION: Record<number, string> = { 0x0a: '\f', 0x14: '^', 0x28: '{', 0x29: '}', 0x2f: '\\', 0x3c: '[', 0x3d: '~', 0x3e: ']', 0x40: '|', 0x65: '€' };

const LOCKING_DIFFERENCES: Partial<Record<NationalLanguage, Record<number, string>>> = {
  turkish: { 0x04: '€', 0x07: 'ı', 0x0b: 'Ğ', 0x0c: 'ğ', 0x1c: 'Ş', 0x1d: 'ş', 0x40: 'İ', 0x60: 'ç' },
  portuguese: {
    0x04: 'ê', 0x06: 'ú', 0x07: 'í', 0x08: 'ó', 0x09: 'ç', 0x0b: 'Ô', 0x0c: 'ô', 0x0e: 'Á', 0x0f: 'á',
    0x12: 'ª', 0x13: 'Ç', 0x14: 'À', 0x15: '∞', 0x16: '^', 0x17: '\\', 0x18: '€', 0x19: 'Ó', 0x1a: '|',
    0x1c: 'Â', 0x1d: 'â', 0x1e: 'Ê', 0x24: 'º', 0x40: 'Í', 0x5b: 'Ã', 0x5c: 'Õ', 0x5d: 'Ú', 0x60: '~',
    0x7b: 'ã', 0x7c: 'õ', 0x7d: '`',
  },
};
const SINGLE_SHIFT: Record<NationalLanguage, Record<number, string>> = {
  turkish: { ...EXTENSION, 0x47: 'Ğ', 0x49: 'İ', 0x53: 'Ş', 0x63: 'ç', 0x67: 'ğ', 0x69: 'ı', 0x73: 'ş' },
  spanish: { ...EXTENSION, 0x09: 'ç', 0x41: 'Á', 0x49: 'Í', 0x4f: 'Ó', 0x55: 'Ú', 0x61: 'á', 0x69: 'í', 0x6f: 'ó', 0x75: 'ú' },
  portuguese: {
    0x05: 'ê', 0x09: 'ç', 0x0a: '\f', 0x0b: 'Ô', 0x0c: 'ô', 0x0e: 'Á', 0x0f: 'á', 0x12: 'Φ', 0x13: 'Γ', 0x14: '^',
    0x15: 'Ω', 0x16: 'Π', 0x17: 'Ψ', 0x18: 'Σ', 0x19: 'Θ', 0x1f: 'Ê', 0x28: '{', 0x29: '}', 0x2f: '\\', 0x3c: '[',
    0x3d: '~', 0x3e: ']', 0x40: '|', 0x41: 'À', 0x49: 'Í', 0x4f: 'Ó', 0x55: 'Ú', 0x5b: 'Ã', 0x5c: 'Õ', 0x61: 'Â',
    0x65: '€', 0x69: 'í', 0x6f: 'ó', 0x75: 'ú', 0x7b: 'ã', 0x7c: 'õ', 0x7f: 'â',
  },
};
const NLI: Record<NationalLanguage, number> = { turkish: 1, spanish: 2, portuguese: 3 };

const gsm = (septets: number[], udh: number[] = []) =>
  decode(Uint8Array.from([...udh, ...septets]), { dataCoding: 0, udhi: udh.length > 0 }).text;

describe('GSM 03.38 default alphabet', () => {
  it('has 128 positions matching the spec rows', () => {
    expect(DEFAULT_ALPHABET).toHaveLength(128);
    DEFAULT_ROWS.forEach((row, r) =>
      row.forEach((ch, c) => {
        if (ch !== 'ESC') expect(DEFAULT_ALPHABET[r * 16 + c]).toBe(ch);
      }),
    );
    expect(DEFAULT_ALPHABET.slice(0x30)).toBe('0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà');
  });

  it('encodes every base character as its one septet and decodes it back', () => {
    for (let septet = 0; septet < 128; septet++) {
      if (septet === 0x1b) continue;
      const ch = DEFAULT_ALPHABET[septet];
      const message = encode(ch);
      expect({ ch, bytes: [...message.segments[0].bytes], units: message.units }).toEqual({ ch, bytes: [septet], units: [1] });
      expect(gsm([septet])).toBe(ch);
    }
  });

  it.each(Object.entries(EXTENSION))('encodes extension 0x%s as ESC + code, 2 septets, and decodes it', (code, ch) => {
    const message = encode(ch);
    expect(message.encoding).toBe('gsm7');
    expect([...message.segments[0].bytes]).toEqual([0x1b, Number(code)]);
    expect(message.units).toEqual([2]);
    expect(gsm([0x1b, Number(code)])).toBe(ch);
  });

  it('lists exactly the spec extension table', () => {
    expect(Object.fromEntries(DEFAULT_EXTENSION)).toEqual(EXTENSION);
  });

  it('decodes ESC ESC as a space and an undefined extension as the base character', () => {
    expect(gsm([0x41, 0x1b, 0x1b, 0x42])).toBe('A B');
    expect(gsm([0x1b, 0x41])).toBe('A');
    expect(gsm([0x41, 0x1b])).toBe('A'); // dangling ESC
  });

  it('does not encode characters outside the table (control characters, ç, `)', () => {
    for (const ch of ['\t', '\u001b', 'ç', '`', 'á', 'Ş']) expect(encode(ch).encoding).toBe('ucs2');
  });
});

describe.each(NATIONAL_LANGUAGES.map((language) => [language]))('%s national language tables', (language) => {
  const table = NATIONAL_TABLES[language];
  const id = NLI[language];

  it('has the National Language Identifier of the spec', () => {
    expect(table.id).toBe(id);
  });

  it('single shift table matches the spec and decodes under IE 0x24', () => {
    expect(Object.fromEntries(table.single)).toEqual(SINGLE_SHIFT[language]);
    for (const [code, ch] of Object.entries(SINGLE_SHIFT[language])) {
      expect(gsm([0x1b, Number(code)], [0x03, 0x24, 0x01, id])).toBe(ch);
    }
  });

  const differences = LOCKING_DIFFERENCES[language];
  if (differences) {
    it('locking shift table matches the spec and decodes under IE 0x25', () => {
      expect(table.locking).toHaveLength(128);
      for (let septet = 0; septet < 128; septet++) {
        if (septet === 0x1b) continue;
        const expected = differences[septet] ?? DEFAULT_ALPHABET[septet];
        expect(table.locking?.[septet]).toBe(expected);
        expect(gsm([septet], [0x03, 0x25, 0x01, id])).toBe(expected);
      }
    });
  } else {
    it('has no locking shift table; IE 0x25 decodes with the default alphabet', () => {
      expect(table.locking).toBeUndefined();
      expect(gsm([0x04, 0x1b, 0x75], [0x06, 0x25, 0x01, id, 0x24, 0x01, id])).toBe('èú');
    });
  }

  it('encodes each of its characters the default alphabet lacks, when that beats UCS-2', () => {
    const own = new Set([...Object.values(SINGLE_SHIFT[language]), ...Object.values(differences ?? {})]);
    for (const ch of own) {
      if (encode(ch).encoding === 'gsm7') continue; // in the default alphabet already
      const text = ch + 'x'.repeat(100); // > 70 UCS-2 units, ≤ 1 GSM-7 segment
      const message = encode(text, { nationalLanguages: [language] });
      expect({ ch, encoding: message.encoding, national: message.national }).toEqual({ ch, encoding: 'gsm7', national: language });
      const segment = message.segments[0];
      expect(decode(segment.bytes, { dataCoding: 0, udhi: true }).text).toBe(text);
    }
  });
});
