/**
 * Which messages of a batch are finished, as the offset up to which the batch can be committed:
 * messages finish out of order, but a commit covers every offset before it, so one unfinished
 * message holds back the commit of all after it.
 */
export class FinishedPrefix {
  private readonly finished = new Set<string>();
  private next = 0;

  constructor(private readonly offsets: readonly string[]) {}

  finish(offset: string): void {
    this.finished.add(offset);
  }

  get complete(): boolean {
    return this.through() === this.offsets[this.offsets.length - 1];
  }

  /** The last offset of the finished prefix; undefined while the first message is unfinished. */
  through(): string | undefined {
    while (this.next < this.offsets.length && this.finished.has(this.offsets[this.next])) this.next++;
    return this.next === 0 ? undefined : this.offsets[this.next - 1];
  }
}
