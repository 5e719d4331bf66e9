import type { Destination, QualityBook } from '@smsgw/routing/domain';
import { MessageStatus, SubmitOutcome, pipelineStartMs, type CarrierHealth, type StatusEvent, type SubmitEvent } from '@smsgw/shared/util-proto';

const FINAL: Partial<Record<MessageStatus, boolean>> = {
  [MessageStatus.DELIVERED]: true,
  [MessageStatus.UNDELIVERED]: false,
  [MessageStatus.EXPIRED]: false,
  [MessageStatus.REJECTED]: false,
};

/** Where routing looks a destination up: its network, else its country ("" unknown). */
export const destinationKey = (d: Destination | undefined) => d?.network || d?.country || '';

/**
 * Turns the gateway's events into quality observations. sms.status.v1 names the carrier but not
 * the destination, so a message's destination and submit time are remembered from its submit
 * events until its final status (at most `pendingMax` messages, the oldest forgotten first; a
 * status whose message is forgotten counts for the carrier as a whole, its latency from acceptance).
 */
export class ResultTracker {
  private readonly pending = new Map<string, { destination: string; atMs: number }>();

  constructor(
    private readonly book: QualityBook,
    private readonly pendingMax: number,
  ) {}

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Whether the event needs the destination looked up (so the caller batches the lookups). */
  static wantsDestination(e: SubmitEvent): boolean {
    if (!e.subject?.value.carrierId || !e.to) return false;
    return e.subject.$case === 'message' || e.subject.value.index === 0;
  }

  submitted(e: SubmitEvent, destination: Destination | undefined): void {
    const subject = e.subject;
    if (!subject?.value.carrierId) return; // the router's FAILED (no route) and ingest's CANCELED name no carrier
    const known = this.pending.get(e.messageId);
    const dest = destination ? destinationKey(destination) : (known?.destination ?? '');
    if (subject.$case === 'message') {
      if (subject.value.outcome === SubmitOutcome.ROUTED) this.remember(e.messageId, dest, e.reportedAtMs);
      return;
    }
    const { carrierId: carrier, outcome, index } = subject.value;
    if (outcome === SubmitOutcome.SUBMITTED) {
      if (index === 0) this.remember(e.messageId, dest, e.reportedAtMs); // receipt latency counts from the submit
      this.book.observe({ kind: 'submit', carrier, destination: dest, atMs: e.reportedAtMs, error: false });
    } else if (outcome === SubmitOutcome.FAILED || outcome === SubmitOutcome.UNKNOWN) {
      this.book.observe({ kind: 'submit', carrier, destination: dest, atMs: e.reportedAtMs, error: true });
    }
  }

  status(e: StatusEvent): void {
    const delivered = FINAL[e.status];
    if (delivered === undefined || !e.carrierId) return;
    const known = this.pending.get(e.messageId);
    this.pending.delete(e.messageId);
    const from = known?.atMs ?? pipelineStartMs(e);
    this.book.observe({ kind: 'final', carrier: e.carrierId, destination: known?.destination ?? '', atMs: e.occurredAtMs, delivered, latencyMs: from > 0 ? e.occurredAtMs - from : undefined });
  }

  health(h: CarrierHealth): void {
    this.book.observeHealth({ carrier: h.carrierId, instance: h.instanceId, atMs: h.reportedAtMs, bindsUp: h.bindsUp, bindsConfigured: h.bindsConfigured, throttled: h.throttled });
  }

  private remember(id: string, destination: string, atMs: number): void {
    this.pending.delete(id); // re-inserted: Map order is the order of forgetting
    this.pending.set(id, { destination, atMs });
    if (this.pending.size > this.pendingMax) this.pending.delete(this.pending.keys().next().value as string);
  }
}
