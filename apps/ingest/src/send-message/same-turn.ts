/**
 * The calls of one event-loop turn (concurrent unary Sends) run as one: one statement for all of
 * them, and each caller reads its part from the shared answer. The accept path's PostgreSQL reads
 * and writes (idempotency keys, suppressions) coalesce through this.
 */
export class SameTurn<I, R> {
  private pending: { items: I[]; done: Promise<R> } | undefined;

  constructor(private readonly run: (items: I[]) => Promise<R>) {}

  add(items: readonly I[]): Promise<R> {
    if (!this.pending) {
      const batch: I[] = [];
      const done = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        this.pending = undefined;
        return this.run(batch);
      });
      this.pending = { items: batch, done };
    }
    this.pending.items.push(...items);
    return this.pending.done;
  }
}
