import type { NationalLanguage } from './types';

// Character tables of 3GPP TS 23.038. A locking table is 128 characters indexed by septet
// (0x1B is the escape, never a character); a single-shift table lists [septet after ESC, char].

export const ESC = 0x1b;

/** 6.2.1 GSM 7 bit default alphabet. */
export const DEFAULT_ALPHABET =
  '@£$¥èéùìòÇ\nØø\rÅå' +
  'Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ' +
  ' !"#¤%&\'()*+,-./' +
  '0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNO' +
  'PQRSTUVWXYZÄÖÑÜ§' +
  '¿abcdefghijklmno' +
  'pqrstuvwxyzäöñüà';

/** 6.2.1.1 default alphabet extension table. */
export const DEFAULT_EXTENSION: ReadonlyArray<readonly [number, string]> = [
  [0x0a, '\f'],
  [0x14, '^'],
  [0x28, '{'],
  [0x29, '}'],
  [0x2f, '\\'],
  [0x3c, '['],
  [0x3d, '~'],
  [0x3e, ']'],
  [0x40, '|'],
  [0x65, '€'],
];

export interface NationalTable {
  language: NationalLanguage;
  /** National Language Identifier, the octet of IE 0x24 / 0x25. */
  id: number;
  /** Annex A.3 locking shift table; absent where the spec defines none (Spanish). */
  locking?: string;
  /** Annex A.2 single shift table. */
  single: ReadonlyArray<readonly [number, string]>;
}

const TURKISH: NationalTable = {
  language: 'turkish',
  id: 1,
  // A.3.1
  locking:
    '@£$¥€éùıòÇ\nĞğ\rÅå' +
    'Δ_ΦΓΛΩΠΨΣΘΞ\x1bŞşßÉ' +
    ' !"#¤%&\'()*+,-./' +
    '0123456789:;<=>?' +
    'İABCDEFGHIJKLMNO' +
    'PQRSTUVWXYZÄÖÑÜ§' +
    'çabcdefghijklmno' +
    'pqrstuvwxyzäöñüà',
  // A.2.1
  single: [
    ...DEFAULT_EXTENSION,
    [0x47, 'Ğ'],
    [0x49, 'İ'],
    [0x53, 'Ş'],
    [0x63, 'ç'],
    [0x67, 'ğ'],
    [0x69, 'ı'],
    [0x73, 'ş'],
  ],
};

const SPANISH: NationalTable = {
  language: 'spanish',
  id: 2,
  // A.2.2 (Spanish has no locking shift table)
  single: [
    ...DEFAULT_EXTENSION,
    [0x09, 'ç'],
    [0x41, 'Á'],
    [0x49, 'Í'],
    [0x4f, 'Ó'],
    [0x55, 'Ú'],
    [0x61, 'á'],
    [0x69, 'í'],
    [0x6f, 'ó'],
    [0x75, 'ú'],
  ],
};

const PORTUGUESE: NationalTable = {
  language: 'portuguese',
  id: 3,
  // A.3.3
  locking:
    '@£$¥êéúíóç\nÔô\rÁá' +
    'Δ_ªÇÀ∞^\\€Ó|\x1bÂâÊÉ' +
    ' !"#º%&\'()*+,-./' +
    '0123456789:;<=>?' +
    'ÍABCDEFGHIJKLMNO' +
    'PQRSTUVWXYZÃÕÚÜ§' +
    '~abcdefghijklmno' +
    'pqrstuvwxyzãõ`üà',
  // A.2.3
  single: [
    [0x05, 'ê'],
    [0x09, 'ç'],
    [0x0a, '\f'],
    [0x0b, 'Ô'],
    [0x0c, 'ô'],
    [0x0e, 'Á'],
    [0x0f, 'á'],
    [0x12, 'Φ'],
    [0x13, 'Γ'],
    [0x14, '^'],
    [0x15, 'Ω'],
    [0x16, 'Π'],
    [0x17, 'Ψ'],
    [0x18, 'Σ'],
    [0x19, 'Θ'],
    [0x1f, 'Ê'],
    [0x28, '{'],
    [0x29, '}'],
    [0x2f, '\\'],
    [0x3c, '['],
    [0x3d, '~'],
    [0x3e, ']'],
    [0x40, '|'],
    [0x41, 'À'],
    [0x49, 'Í'],
    [0x4f, 'Ó'],
    [0x55, 'Ú'],
    [0x5b, 'Ã'],
    [0x5c, 'Õ'],
    [0x61, 'Â'],
    [0x65, '€'],
    [0x69, 'í'],
    [0x6f, 'ó'],
    [0x75, 'ú'],
    [0x7b, 'ã'],
    [0x7c, 'õ'],
    [0x7f, 'â'],
  ],
};

export const NATIONAL_TABLES: Readonly<Record<NationalLanguage, NationalTable>> = {
  turkish: TURKISH,
  spanish: SPANISH,
  portuguese: PORTUGUESE,
};

/** The languages this library implements, in National Language Identifier order. */
export const NATIONAL_LANGUAGES: readonly NationalLanguage[] = Object.values(NATIONAL_TABLES)
  .sort((a, b) => a.id - b.id)
  .map((t) => t.language);

const BY_ID = new Map<number, NationalTable>(Object.values(NATIONAL_TABLES).map((t) => [t.id, t]));

export function nationalTableById(id: number): NationalTable | undefined {
  return BY_ID.get(id);
}
