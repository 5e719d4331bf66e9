// The live counter: the gateway's own encoder library (bundled), so the page shows the encoding
// and segments the encoder will choose, not an estimate.
import { count, EncodingError } from '@smsgw/gsm/util-encoding';

export interface TextCount {
  characters: number;
  encoding: 'GSM-7' | 'UCS-2' | 'Latin-1';
  segments: number;
  /** Units left in the last segment before another one starts. */
  remaining: number;
  /** Characters that smart encoding would replace (shown when it is on). */
  replaced: number;
  /** Characters that force UCS-2 (a few, for the hint). */
  blocking: string[];
  tooLong: boolean;
}

const NAMES = { gsm7: 'GSM-7', ucs2: 'UCS-2', latin1: 'Latin-1' } as const;
/** User data units per segment: alone, and as part of a concatenated message (udh8). */
const CAPACITY = { gsm7: [160, 153], ucs2: [70, 67], latin1: [140, 134] } as const;
/** ENCODER_MAX_SEGMENTS' default: longer messages end FAILED. */
export const MAX_SEGMENTS = 10;

export function countText(text: string, smart: boolean): TextCount {
  const characters = [...text].length;
  try {
    const c = count(text, { smart, maxSegments: 255 });
    const [single, multi] = CAPACITY[c.encoding];
    const last = c.units[c.units.length - 1] ?? 0;
    const remaining = (c.segments <= 1 ? single : multi) - last;
    const blocking = c.encoding === 'gsm7' ? [] : [...new Set([...c.text].filter((ch) => count(ch).encoding !== 'gsm7'))].slice(0, 5);
    return { characters, encoding: NAMES[c.encoding], segments: text === '' ? 0 : c.segments, remaining, replaced: c.replaced.length, blocking, tooLong: c.segments > MAX_SEGMENTS };
  } catch (err) {
    if (!(err instanceof EncodingError)) throw err;
    return { characters, encoding: 'UCS-2', segments: 256, remaining: 0, replaced: 0, blocking: [], tooLong: true };
  }
}
