import type { KafkaMessage } from 'kafkajs';

interface PartitionState {
  busy: Promise<void> | undefined;
  /** The last offset of this partition whose work is complete in this process (-1: none). */
  handledThrough: bigint;
}

export interface GatePass {
  /** The batch's messages not yet handled in this process. */
  messages: KafkaMessage[];
  /** Records work complete through this offset (every earlier one included). */
  handled(through: string): void;
  /** Lets the next batch of the partition in. */
  leave(): void;
}

/**
 * One batch per partition at a time, and never an offset twice in this process. kafkajs can hand
 * out a partition's offsets again while an earlier batch of it is still running — after a
 * rebalance, or after another partition's handler threw (kafkajs issues 945 and 1097) — which
 * would submit the same SMS twice. A second batch waits for the first and gets only the messages
 * the first did not finish.
 */
export class PartitionGate {
  private readonly partitions = new Map<string, PartitionState>();

  async enter(topic: string, partition: number, messages: KafkaMessage[]): Promise<GatePass> {
    const key = `${topic}\u0000${partition}`;
    let state = this.partitions.get(key);
    if (!state) this.partitions.set(key, (state = { busy: undefined, handledThrough: -1n }));
    while (state.busy) await state.busy;
    let leave!: () => void;
    state.busy = new Promise<void>((resolve) => (leave = resolve));
    const s = state;
    // Offsets rise within a batch: when its first is new, all are (the usual case, no per-message work).
    const fresh = messages.length === 0 || BigInt(messages[0].offset) > s.handledThrough;
    return {
      messages: fresh ? messages : messages.filter((m) => BigInt(m.offset) > s.handledThrough),
      handled: (through) => {
        const offset = BigInt(through);
        if (offset > s.handledThrough) s.handledThrough = offset;
      },
      leave: () => {
        s.busy = undefined;
        leave();
      },
    };
  }
}
