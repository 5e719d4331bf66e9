import { DEFAULT_ALPHABET, DEFAULT_EXTENSION, ESC, NATIONAL_TABLES, type NationalTable } from './gsm-tables';
import type { NationalLanguage, NationalShift } from './types';

export const IE_NATIONAL_SINGLE_SHIFT = 0x24;
export const IE_NATIONAL_LOCKING_SHIFT = 0x25;

/** A GSM-7 character set ready for encoding: base (locking) table plus single-shift table. */
export interface Gsm7Alphabet {
  language?: NationalLanguage;
  shift?: NationalShift;
  /** UTF-16 code unit → septet (0–127), 0x100|septet for an ESC pair (2 septets), -1 if absent. */
  encodeMap: Int16Array;
  /** UDH IEs that select the tables (empty for the default alphabet). */
  shiftIes: Uint8Array;
}

function compile(
  base: string,
  extension: ReadonlyArray<readonly [number, string]>,
  language?: NationalLanguage,
  shift?: NationalShift,
  shiftIes: number[] = [],
): Gsm7Alphabet {
  // A flat 64K table: one indexed load per character on the hot path, built once per alphabet.
  const encodeMap = new Int16Array(0x10000).fill(-1);
  for (const [septet, ch] of extension) encodeMap[ch.charCodeAt(0)] = 0x100 | septet;
  // Base characters win over the shift table: one septet instead of two.
  for (let septet = 0; septet < 128; septet++) {
    if (septet !== ESC) encodeMap[base.charCodeAt(septet)] = septet;
  }
  return { language, shift, encodeMap, shiftIes: Uint8Array.from(shiftIes) };
}

export const DEFAULT_GSM7: Gsm7Alphabet = compile(DEFAULT_ALPHABET, DEFAULT_EXTENSION);

const compiled = new Map<string, Gsm7Alphabet>();

/** The alphabets a national language offers: single shift, locking shift (if defined), both. */
export function nationalAlphabets(language: NationalLanguage): Gsm7Alphabet[] {
  const table = NATIONAL_TABLES[language];
  if (!table) return [];
  const shifts: NationalShift[] = table.locking ? ['single', 'locking', 'locking+single'] : ['single'];
  return shifts.map((shift) => nationalAlphabet(table, shift));
}

function nationalAlphabet(table: NationalTable, shift: NationalShift): Gsm7Alphabet {
  const key = `${table.language}:${shift}`;
  let alphabet = compiled.get(key);
  if (!alphabet) {
    const locking = shift !== 'single';
    const single = shift !== 'locking';
    const ies: number[] = [];
    if (locking) ies.push(IE_NATIONAL_LOCKING_SHIFT, 1, table.id);
    if (single) ies.push(IE_NATIONAL_SINGLE_SHIFT, 1, table.id);
    alphabet = compile(
      locking && table.locking ? table.locking : DEFAULT_ALPHABET,
      single ? table.single : DEFAULT_EXTENSION,
      table.language,
      shift,
      ies,
    );
    compiled.set(key, alphabet);
  }
  return alphabet;
}

/** Septet → UTF-16 code unit for a locking table; ESC maps to 0. */
export function lockingDecodeTable(table: NationalTable | undefined): Uint16Array {
  const base = table?.locking ?? DEFAULT_ALPHABET;
  const out = new Uint16Array(128);
  for (let i = 0; i < 128; i++) out[i] = i === ESC ? 0 : base.charCodeAt(i);
  return out;
}

/** Septet after ESC → UTF-16 code unit; 0 where the table defines nothing. */
export function singleShiftDecodeTable(table: NationalTable | undefined): Uint16Array {
  const out = new Uint16Array(128);
  for (const [septet, ch] of table?.single ?? DEFAULT_EXTENSION) out[septet] = ch.charCodeAt(0);
  return out;
}
