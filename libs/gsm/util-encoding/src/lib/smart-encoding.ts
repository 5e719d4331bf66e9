import type { Replacement } from './types';

// Look-alikes that editors and phones insert silently; each would force UCS-2 (70 chars a
// segment instead of 160) for no visible gain. Keys are code points; values GSM text.
const LOOK_ALIKES: ReadonlyArray<readonly [string, number[]]> = [
  ["'", [0x2018, 0x2019, 0x201a, 0x201b, 0x2032, 0x2035, 0x02b9, 0x02bb, 0x02bc, 0x0060, 0x00b4]],
  ['"', [0x201c, 0x201d, 0x201e, 0x201f, 0x2033, 0x2036, 0x02ba, 0x00ab, 0x00bb]],
  ['<', [0x2039]],
  ['>', [0x203a]],
  ['-', [0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212, 0x2043, 0xfe58, 0xfe63]],
  ['-', [0x2022, 0x2023, 0x2219, 0x25cf, 0x25e6]], // bullets
  [' ', [0x0009, 0x00a0, 0x1680, 0x202f, 0x205f, 0x3000]],
  [' ', range(0x2000, 0x200a)],
  ['', [0x00ad, 0x180e, 0x200b, 0x200c, 0x200d, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xfeff]],
  ['\n', [0x0085, 0x2028, 0x2029]],
  ['...', [0x2026]],
  ['..', [0x2025]],
  ['.', [0x2024]],
  ['/', [0x2044, 0x2215]],
  ['^', [0x02c6]],
  ['~', [0x02dc]],
];

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

const REPLACEMENTS = new Map<number, string>();
for (const [to, codes] of LOOK_ALIKES) for (const code of codes) REPLACEMENTS.set(code, to);
// Fullwidth ASCII forms (U+FF01–FF5E) → ASCII.
for (let code = 0xff01; code <= 0xff5e; code++) REPLACEMENTS.set(code, String.fromCharCode(code - 0xfee0));

/** Replaces look-alikes by GSM characters; the caller decides whether the result is worth using. */
export function replaceLookAlikes(text: string): { text: string; replaced: Replacement[] } {
  let out = '';
  let from = 0;
  let found: Map<string, Replacement> | undefined;
  for (let i = 0; i < text.length; i++) {
    const to = REPLACEMENTS.get(text.charCodeAt(i));
    if (to === undefined) continue;
    out += text.slice(from, i) + to;
    from = i + 1;
    found ??= new Map();
    const ch = text[i];
    const seen = found.get(ch);
    if (seen) seen.count++;
    else found.set(ch, { from: ch, to, count: 1 });
  }
  if (!found) return { text, replaced: [] };
  return { text: out + text.slice(from), replaced: [...found.values()] };
}
