// Duplicate detection: the same segment is the same source, destination and message bytes
// (short_message including its UDH, or message_payload, plus SAR TLVs when those number the
// parts), read from the PDU's raw bytes. A 53-bit hash keeps millions of segments cheaply.
import type { SubmitView } from './submit-reader';

export function segmentFingerprint(body: Uint8Array, v: SubmitView): number {
  let h1 = 0xdeadbeef ^ v.sar;
  let h2 = 0x41c6ce57 ^ v.sar;
  const mix = (start: number, end: number): void => {
    for (let i = start; i < end; i++) {
      h1 = Math.imul(h1 ^ body[i], 2654435761);
      h2 = Math.imul(h2 ^ body[i], 1597334677);
    }
    // separator, so "12"+"3" and "1"+"23" differ
    h1 = Math.imul(h1 ^ 0x100, 2654435761);
    h2 = Math.imul(h2 ^ 0x100, 1597334677);
  };
  mix(v.srcStart, v.srcEnd);
  mix(v.dstStart, v.dstEnd);
  mix(v.contentStart, v.contentEnd);
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/**
 * Remembers fingerprints in two generations of at most `capacity` each, so memory stays bounded on
 * long benchmarks while recent duplicates are still caught. Open addressing over typed arrays:
 * 8 bytes a slot, no per-entry objects (a Set of 53-bit numbers costs ~5× the memory and time).
 */
export class SeenSegments {
  private current: FingerprintTable;
  private previous: FingerprintTable | undefined;

  constructor(private readonly capacity: number) {
    this.current = new FingerprintTable(Math.min(capacity, 1 << 15));
  }

  /** True when the fingerprint was seen before; remembers it either way. */
  check(fp: number): boolean {
    if (this.current.has(fp) || (this.previous?.has(fp) ?? false)) return true;
    if (this.current.size >= this.capacity) {
      this.previous = this.current;
      this.current = new FingerprintTable(Math.min(this.capacity, 1 << 15));
    } else if (this.current.full) {
      this.current = this.current.grown(this.capacity);
    }
    this.current.add(fp);
    return false;
  }

  clear(): void {
    this.current = new FingerprintTable(Math.min(this.capacity, 1 << 15));
    this.previous = undefined;
  }
}

/** Linear-probing hash set of 53-bit numbers, kept at most half full. */
class FingerprintTable {
  size = 0;
  private readonly mask: number;
  private readonly lo: Uint32Array;
  /** High 21 bits + 1, so 0 marks an empty slot. */
  private readonly hi: Uint32Array;

  constructor(entries: number) {
    let slots = 16;
    while (slots < entries * 2) slots *= 2;
    this.mask = slots - 1;
    this.lo = new Uint32Array(slots);
    this.hi = new Uint32Array(slots);
  }

  get full(): boolean {
    return this.size * 2 >= this.mask + 1;
  }

  has(fp: number): boolean {
    const lo = fp >>> 0;
    const hi = Math.floor(fp / 4294967296) + 1;
    for (let i = lo & this.mask; ; i = (i + 1) & this.mask) {
      const h = this.hi[i];
      if (h === 0) return false;
      if (h === hi && this.lo[i] === lo) return true;
    }
  }

  add(fp: number): void {
    const lo = fp >>> 0;
    const hi = Math.floor(fp / 4294967296) + 1;
    let i = lo & this.mask;
    while (this.hi[i] !== 0) i = (i + 1) & this.mask;
    this.hi[i] = hi;
    this.lo[i] = lo;
    this.size++;
  }

  /** A table twice as large (up to `capacity` entries) holding the same fingerprints. */
  grown(capacity: number): FingerprintTable {
    const next = new FingerprintTable(Math.min(capacity, (this.mask + 1) * 2));
    for (let i = 0; i <= this.mask; i++) if (this.hi[i] !== 0) next.add((this.hi[i] - 1) * 4294967296 + this.lo[i]);
    return next;
  }
}
