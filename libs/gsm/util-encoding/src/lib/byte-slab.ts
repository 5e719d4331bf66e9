// `new Uint8Array(n)` allocates a zeroed backing store per call, which costs more than encoding
// a short message; segments are views into shared 64 KiB slabs instead (as Node's Buffer pool
// does). A view's `.buffer` is the whole slab: use byteOffset/byteLength, or copy to keep it.
// The free part of the slab doubles as scratch space, so a single-segment message is encoded
// where its bytes stay, without a copy.
const SLAB_OCTETS = 64 * 1024;

/** What encode.ts asks of Node's Buffer: a native string write into the same memory. */
export interface NativeStringWriter {
  write(text: string, offset: number, length: number, encoding: 'latin1' | 'utf16le'): number;
}

// Node's Buffer when there is one; in a browser (the console bundles this library for its live
// counter) there is none, and encode.ts takes its plain loops instead.
const NodeBuffer = (globalThis as { Buffer?: { from(memory: ArrayBufferLike): NativeStringWriter } }).Buffer;

/** A native writer over `memory`, or undefined where the platform has none. */
export const nativeWriter = (memory: ArrayBufferLike): NativeStringWriter | undefined => NodeBuffer?.from(memory);

export class ByteSlab {
  /** The whole slab; write at offsets handed out by `reserve`. */
  bytes: Uint8Array;
  /** Same memory, for Node's native string writes (undefined outside Node). */
  nodeBuffer: NativeStringWriter | undefined;
  private used = 0;

  constructor() {
    this.bytes = new Uint8Array(SLAB_OCTETS);
    this.nodeBuffer = nativeWriter(this.bytes.buffer);
  }

  /** Makes `length` bytes writable from the returned offset on (not zeroed: may hold scratch). */
  reserve(length: number): number {
    if (this.used + length > this.bytes.length) {
      this.bytes = new Uint8Array(Math.max(SLAB_OCTETS, length));
      this.nodeBuffer = nativeWriter(this.bytes.buffer);
      this.used = 0;
    }
    return this.used;
  }

  /** Marks everything before `end` as handed out (views onto it were made by the caller). */
  commit(end: number): void {
    this.used = end;
  }

  /** Hands out [offset, offset + length) of the reserved space for good. */
  take(offset: number, length: number): Uint8Array {
    this.used = offset + length;
    return new Uint8Array(this.bytes.buffer, offset, length);
  }
}
