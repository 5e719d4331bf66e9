import { EncodingError } from './encoding-error';

export interface ConcatReferenceAllocatorOptions {
  /** 8 for UDH IE 0x00 (0–255), 16 for IE 0x08 and SAR (0–65535). Default 8. */
  bits?: 8 | 16;
  /** A key idle this long is forgotten (its references may then repeat). Default 24 h. */
  windowMs?: number;
  /** Bound on remembered keys; the least recently used goes first. Default 100,000. */
  maxKeys?: number;
  /** Clock in ms; default Date.now. */
  now?: () => number;
  /** [0, 1) source for the first reference of a new key; default Math.random. */
  random?: () => number;
}

interface KeyState {
  next: number;
  lastUsedAt: number;
}

/**
 * Hands out concatenation references per destination and carrier. Per key they cycle through
 * all 2^bits values, so a reference comes back only after every other one was used, and a key
 * idle for `windowMs` is forgotten. A new key starts at a random value so that replicas, restarts
 * and forgotten keys do not all start at 0 for the same handset.
 */
export class ConcatReferenceAllocator {
  private readonly keys = new Map<string, KeyState>(); // in least-recently-used order
  private readonly modulus: number;
  private readonly windowMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(options: ConcatReferenceAllocatorOptions = {}) {
    const { bits = 8, windowMs = 24 * 3600_000, maxKeys = 100_000, now = Date.now, random = Math.random } = options;
    if (bits !== 8 && bits !== 16) throw invalid(`bits must be 8 or 16 (got ${bits})`);
    if (!(windowMs > 0)) throw invalid(`windowMs must be positive (got ${windowMs})`);
    if (!(Number.isInteger(maxKeys) && maxKeys > 0)) throw invalid(`maxKeys must be a positive integer (got ${maxKeys})`);
    this.modulus = bits === 8 ? 0x100 : 0x10000;
    this.windowMs = windowMs;
    this.maxKeys = maxKeys;
    this.now = now;
    this.random = random;
  }

  /** The next reference for a message to `destination` over `carrier`. */
  next(destination: string, carrier: string): number {
    const now = this.now();
    this.forgetIdle(now);
    const key = `${carrier}\u0000${destination}`;
    let state = this.keys.get(key);
    if (state) {
      this.keys.delete(key); // re-insert below: most recently used goes last
    } else {
      state = { next: Math.floor(this.random() * this.modulus) % this.modulus, lastUsedAt: now };
      if (this.keys.size >= this.maxKeys) this.keys.delete(this.keys.keys().next().value as string);
    }
    const reference = state.next;
    state.next = (reference + 1) % this.modulus;
    state.lastUsedAt = now;
    this.keys.set(key, state);
    return reference;
  }

  /** Keys currently remembered. */
  get size(): number {
    return this.keys.size;
  }

  private forgetIdle(now: number): void {
    // LRU order: idle keys are at the front, so this stops at the first live one.
    for (const [key, state] of this.keys) {
      if (now - state.lastUsedAt < this.windowMs) break;
      this.keys.delete(key);
    }
  }
}

function invalid(message: string): EncodingError {
  return new EncodingError('ENCODING.INVALID_OPTION', message);
}
