// Duplicate detection: the same segment is the same source, destination and message bytes
// (short_message including its UDH, or message_payload, plus SAR TLVs when those number the
// parts), read from the PDU's raw bytes. A 53-bit hash keeps millions of segments cheaply.
import type { SubmitView } from './pdu-codec';

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
 * Remembers fingerprints in two generations of at most `capacity` each (a JS Set holds at most
 * 2^24), so memory stays bounded on long benchmarks while recent duplicates are still caught.
 */
export class SeenSegments {
  private current = new Set<number>();
  private previous = new Set<number>();

  constructor(private readonly capacity: number) {}

  /** True when the fingerprint was seen before; remembers it either way. */
  check(fp: number): boolean {
    if (this.current.has(fp) || this.previous.has(fp)) return true;
    if (this.current.size >= this.capacity) {
      this.previous = this.current;
      this.current = new Set<number>();
    }
    this.current.add(fp);
    return false;
  }

  clear(): void {
    this.current.clear();
    this.previous.clear();
  }
}
