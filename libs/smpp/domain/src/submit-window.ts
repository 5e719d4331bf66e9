export interface WindowSlot<T> {
  readonly sequence: number;
  readonly entry: T;
  readonly sentAt: number;
  readonly deadline: number;
}

/**
 * The requests of one bind that wait for their response, keyed by sequence number, each with its
 * own deadline. The capacity is the bind's window: no more unanswered requests than that.
 */
export class SubmitWindow<T> {
  private readonly slots = new Map<number, WindowSlot<T>>();

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`window capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.slots.size;
  }

  get free(): number {
    return Math.max(0, this.capacity - this.slots.size);
  }

  get full(): boolean {
    return this.slots.size >= this.capacity;
  }

  has(sequence: number): boolean {
    return this.slots.has(sequence);
  }

  /** Records a request just sent; throws when the window is full or the sequence is already waiting. */
  add(sequence: number, entry: T, now: number, timeoutMs: number): void {
    if (this.full) throw new RangeError(`window full (${this.capacity})`);
    if (this.slots.has(sequence)) throw new RangeError(`sequence ${sequence} is already waiting for a response`);
    this.slots.set(sequence, { sequence, entry, sentAt: now, deadline: now + timeoutMs });
  }

  /** Removes and returns the request a response answers; undefined for a late or unknown sequence. */
  take(sequence: number): WindowSlot<T> | undefined {
    const slot = this.slots.get(sequence);
    if (slot) this.slots.delete(sequence);
    return slot;
  }

  /** Removes and returns the requests whose deadline has passed, oldest first. */
  expire(now: number): WindowSlot<T>[] {
    const out: WindowSlot<T>[] = [];
    for (const slot of this.slots.values()) {
      if (slot.deadline <= now) out.push(slot);
    }
    for (const slot of out) this.slots.delete(slot.sequence);
    return out;
  }

  /** The earliest deadline, for scheduling the next expiry check. */
  nextDeadline(): number | undefined {
    let min: number | undefined;
    for (const slot of this.slots.values()) if (min === undefined || slot.deadline < min) min = slot.deadline;
    return min;
  }

  /** Removes and returns everything (the connection is gone), oldest first. */
  drain(): WindowSlot<T>[] {
    const out = [...this.slots.values()];
    this.slots.clear();
    return out;
  }
}
