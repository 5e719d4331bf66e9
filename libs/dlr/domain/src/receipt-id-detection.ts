// Finding out a carrier's receipt id format from its traffic, for carriers whose file does not say
// (receiptIdFormat unset = 'same'). Padding and case need no detection: normaliseSmscId strips
// leading zeros and lower-cases both sides. What it cannot guess is the base: an SMSC that answers
// submit_sm_resp in hex and writes receipts in decimal (or the other way round) leaves every receipt
// unmatched. The evidence: receipts still unmatched whose id, read in the other base, is the id of a
// submission still waiting for its receipt.
import { normaliseSmscId, type ReceiptIdFormat } from './smsc-id';

/** The formats detection can find (the mixed ones; 'same' is where every carrier starts). */
export type MixedIdFormat = Exclude<ReceiptIdFormat, 'same'>;
export const MIXED_ID_FORMATS: readonly MixedIdFormat[] = ['hex-to-decimal', 'decimal-to-hex'];

const HEX = /^[0-9a-f]+$/;
const DECIMAL = /^[0-9]+$/;

/**
 * The id the submission would have been stored under (normalised as 'same', as it was before any
 * detection) if the carrier used `format`, for an unmatched receipt's id (normalised as 'same');
 * undefined when the id cannot be read in that format's receipt base.
 */
export function submitIdUnder(receiptId: string, format: MixedIdFormat): string | undefined {
  const id = normaliseSmscId(receiptId, 'receipt');
  if (format === 'hex-to-decimal') return DECIMAL.test(id) ? BigInt(id).toString(16) : undefined;
  return HEX.test(id) ? BigInt('0x' + id).toString(10) : undefined;
}

/** Each other reading of an unmatched receipt's id: the submission id to look for, per format. */
export function alternativeSubmitIds(receiptId: string): { format: MixedIdFormat; submitId: string }[] {
  const out: { format: MixedIdFormat; submitId: string }[] = [];
  const same = normaliseSmscId(receiptId, 'receipt');
  for (const format of MIXED_ID_FORMATS) {
    const submitId = submitIdUnder(receiptId, format);
    // "0".."9" read the same in both bases: no evidence either way.
    if (submitId !== undefined && submitId !== same) out.push({ format, submitId });
  }
  return out;
}

/** What the traffic said about one format of one carrier, summed over scans. */
export interface IdFormatEvidence {
  /** Unmatched receipts whose id could be read in this format's receipt base. */
  tested: number;
  /** Of those, how many named a waiting submission under this format. */
  hits: number;
}

export interface IdFormatDetectionRules {
  /** Hits needed before a format is believed (a few chance collisions must not switch a carrier). */
  minHits: number;
  /** Share of the tested receipts that must hit. */
  minHitRatio: number;
}

export const DEFAULT_ID_FORMAT_DETECTION: IdFormatDetectionRules = { minHits: 5, minHitRatio: 0.5 };

/**
 * The format the evidence shows, or undefined while it shows none or both: a format wins with at
 * least minHits hits, at least minHitRatio of its tested receipts hitting, and more hits than the
 * other format has.
 */
export function detectIdFormat(evidence: Partial<Record<MixedIdFormat, IdFormatEvidence>>, rules: IdFormatDetectionRules = DEFAULT_ID_FORMAT_DETECTION): MixedIdFormat | undefined {
  const fits = MIXED_ID_FORMATS.filter((f) => {
    const e = evidence[f];
    return e !== undefined && e.hits >= rules.minHits && e.hits >= rules.minHitRatio * e.tested;
  });
  if (fits.length !== 1) return undefined;
  const [winner] = fits;
  const other = MIXED_ID_FORMATS.find((f) => f !== winner) as MixedIdFormat;
  return (evidence[winner]?.hits ?? 0) > (evidence[other]?.hits ?? 0) ? winner : undefined;
}

/** Adds one scan's evidence to what was known. */
export function addEvidence(known: Partial<Record<MixedIdFormat, IdFormatEvidence>>, scan: Partial<Record<MixedIdFormat, IdFormatEvidence>>): Partial<Record<MixedIdFormat, IdFormatEvidence>> {
  const out: Partial<Record<MixedIdFormat, IdFormatEvidence>> = { ...known };
  for (const f of MIXED_ID_FORMATS) {
    const s = scan[f];
    if (!s) continue;
    const k = out[f] ?? { tested: 0, hits: 0 };
    out[f] = { tested: k.tested + s.tested, hits: k.hits + s.hits };
  }
  return out;
}
