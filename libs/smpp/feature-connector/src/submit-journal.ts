import type { Kafka } from 'kafkajs';
import { ulid } from 'ulid';
import { prefixed, type EventProducer, type OutboundLane, type OutgoingEvent, type Topic } from '@smsgw/shared/data-access-kafka';
import type { Logger } from '@smsgw/shared/util-logging';
import { SubmitJournalEntry, SubmitJournalRecord, SubmitOutcome } from '@smsgw/shared/util-proto';
import type { SubmitIntentJournal } from '@smsgw/smpp/data-access-session';
import type { JournalEntry, SegmentOutcome } from '@smsgw/smpp/domain';

/** A segment as the journal knows it: where its OutboundMessage sits (lane, partition, offset), and which part it is. */
export interface SegmentRef {
  lane: OutboundLane;
  partition: number;
  offset: string;
  messageId: string;
  segmentIndex: number;
  /** The router's attempt of the OutboundMessage. */
  attempt: number;
}

/** Journal entries of one outbound partition, by outbound offset. */
export type JournalByOffset = Map<string, JournalEntry[]>;

/** Journal writes in flight at once; later intents wait and leave together (the batch grows with the rate). */
const MAX_WRITES_IN_FLIGHT = 1;

/**
 * The connector's submit journal of one lane on Kafka (sms.submit-journal.<carrier>[.priority].v1, acks=all): intents
 * before segments go to a bind, outcomes with the submit reports that carry them. Intents of one
 * event-loop turn (and those that arrive while two writes are in flight) share one record per
 * partition, so the journal costs one produce per window send, not one per segment.
 */
export class SubmitJournal implements SubmitIntentJournal {
  private pending: { refs: SegmentRef[]; resolve: () => void; reject: (err: Error) => void }[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly producer: EventProducer,
    readonly topic: Topic<SubmitJournalRecord>,
    private readonly instanceId: string,
  ) {}

  intend(refs: readonly unknown[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ refs: refs as SegmentRef[], resolve, reject });
      this.schedule();
    });
  }

  /** One record per partition for these entries, to publish with other events (outcomes with their reports). */
  records(entries: readonly { partition: number; entry: SubmitJournalEntry }[]): OutgoingEvent<SubmitJournalRecord>[] {
    const byPartition = new Map<number, SubmitJournalEntry[]>();
    for (const { partition, entry } of entries) {
      const list = byPartition.get(partition);
      if (list) list.push(entry);
      else byPartition.set(partition, [entry]);
    }
    return [...byPartition].map(([partition, list]) => ({ topic: this.topic, key: String(partition), partition, value: { entries: list, instanceId: this.instanceId } }));
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= MAX_WRITES_IN_FLIGHT) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const waiting = this.pending;
    if (waiting.length === 0) return;
    this.pending = [];
    const entries: { partition: number; entry: SubmitJournalEntry }[] = [];
    for (const w of waiting) {
      for (const r of w.refs) entries.push({ partition: r.partition, entry: intentEntry(r) });
    }
    this.inFlight++;
    this.producer.sendMany(this.records(entries)).then(
      () => waiting.forEach((w) => w.resolve()),
      (err: Error) => waiting.forEach((w) => w.reject(err)),
    ).finally(() => {
      this.inFlight--;
      if (this.pending.length > 0) this.schedule();
    });
  }
}

/**
 * The pool's one journal, over the lanes' own: each intent goes to its lane's journal topic, where
 * partition p mirrors that lane's outbound partition p (offsets of two topics never mix).
 */
export class LaneJournals implements SubmitIntentJournal {
  constructor(private readonly journals: Record<OutboundLane, SubmitJournal>) {}

  intend(refs: readonly unknown[]): Promise<void> {
    const byLane = new Map<OutboundLane, SegmentRef[]>();
    for (const ref of refs as SegmentRef[]) {
      const list = byLane.get(ref.lane);
      if (list) list.push(ref);
      else byLane.set(ref.lane, [ref]);
    }
    return Promise.all([...byLane].map(([lane, list]) => this.journals[lane].intend(list))).then(() => undefined);
  }
}

function intentEntry(r: SegmentRef): SubmitJournalEntry {
  return { offset: Number(r.offset), messageId: r.messageId, segmentIndex: r.segmentIndex, attempt: r.attempt, outcome: SubmitOutcome.UNSPECIFIED, smscMessageId: '', commandStatus: 0, retryable: false, reasonCode: '', reason: '', respondedAtMs: 0 };
}

/** A segment's final outcome as journaled (the reverse of toJournalEntry). */
export function outcomeEntry(ref: SegmentRef, outcome: SegmentOutcome): SubmitJournalEntry {
  const entry: SubmitJournalEntry = { ...intentEntry(ref), outcome: SubmitOutcome.UNKNOWN };
  switch (outcome.kind) {
    case 'submitted':
      entry.outcome = SubmitOutcome.SUBMITTED;
      entry.smscMessageId = outcome.smscMessageId;
      entry.respondedAtMs = outcome.respondedAtMs;
      break;
    case 'rejected':
      entry.outcome = SubmitOutcome.FAILED;
      entry.commandStatus = outcome.commandStatus;
      entry.retryable = outcome.retryable;
      break;
    case 'unknown':
      entry.reasonCode = outcome.reasonCode;
      entry.reason = outcome.reason;
      break;
  }
  return entry;
}

/** A journal entry as the recovery decision reads it. */
export function toJournalEntry(e: SubmitJournalEntry): JournalEntry {
  const segment = { messageId: e.messageId, segmentIndex: e.segmentIndex, attempt: e.attempt };
  switch (e.outcome) {
    case SubmitOutcome.SUBMITTED:
      return { ...segment, outcome: { kind: 'submitted', smscMessageId: e.smscMessageId, respondedAtMs: e.respondedAtMs } };
    case SubmitOutcome.FAILED:
      return { ...segment, outcome: { kind: 'rejected', commandStatus: e.commandStatus, retryable: e.retryable } };
    case SubmitOutcome.UNKNOWN:
      return { ...segment, outcome: { kind: 'unknown', reasonCode: e.reasonCode, reason: e.reason } };
    default:
      return segment;
  }
}

/**
 * Where each message attempt of a journal read was first journaled: a record of the same message
 * and attempt at another offset is a copy (entries without an attempt, from before it was kept, are left out).
 */
export function firstOffsets(entries: JournalByOffset): Map<string, string> {
  const first = new Map<string, string>();
  for (const [offset, list] of entries) {
    for (const e of list) {
      if (!e.attempt) continue;
      const key = `${e.messageId}#${e.attempt}`;
      const seen = first.get(key);
      if (seen === undefined || BigInt(offset) < BigInt(seen)) first.set(key, offset);
    }
  }
  return first;
}

/**
 * Reads one partition of the journal, from the first record at or after `fromMs` to its end as it
 * is now, and returns the entries by outbound offset. kafkajs has no manual assignment, so a
 * consumer of a group of its own (no commits) seeks to the start offset.
 */
export async function readJournalPartition(kafka: Kafka, topic: Topic<SubmitJournalRecord>, partition: number, fromMs: number, logger: Logger, timeoutMs = 30_000): Promise<JournalByOffset> {
  const byOffset: JournalByOffset = new Map();
  const admin = kafka.admin();
  await admin.connect();
  let start: bigint;
  let end: bigint;
  try {
    const [from, ends] = await Promise.all([admin.fetchTopicOffsetsByTimestamp(topic.name, fromMs), admin.fetchTopicOffsets(topic.name)]);
    end = BigInt(ends.find((p) => p.partition === partition)?.high ?? '0');
    const at = from.find((p) => p.partition === partition)?.offset ?? '-1';
    start = at === '-1' ? end : BigInt(at);
  } finally {
    await admin.disconnect();
  }
  if (start >= end) return byOffset;
  const consumer = kafka.consumer({ groupId: prefixed(`smsgw-journal-reader-${ulid()}`), maxWaitTimeInMs: 50 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: topic.name, fromBeginning: false });
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (done = resolve));
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (batch.partition !== partition) return;
        for (const m of batch.messages) {
          const offset = BigInt(m.offset);
          if (offset < start || offset >= end || !m.value) continue;
          let record: SubmitJournalRecord;
          try {
            record = topic.codec.decode(m.value);
          } catch (err) {
            logger.warn({ topic: topic.name, partition, offset: m.offset, err: (err as Error).message }, 'undecodable submit journal record; skipped');
            continue;
          }
          for (const e of record.entries) {
            const key = String(e.offset);
            const list = byOffset.get(key);
            if (list) list.push(toJournalEntry(e));
            else byOffset.set(key, [toJournalEntry(e)]);
          }
        }
        if (BigInt(batch.lastOffset()) >= end - 1n) done();
      },
    });
    consumer.seek({ topic: topic.name, partition, offset: start.toString() });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`reading ${topic.name} partition ${partition} took over ${timeoutMs} ms`)), timeoutMs)));
    try {
      await Promise.race([finished, timeout]);
    } finally {
      clearTimeout(timer);
    }
  } finally {
    await consumer.disconnect();
  }
  return byOffset;
}
