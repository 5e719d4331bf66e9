import type { CarrierConfig } from '@smsgw/carriers/util-config';
import { ConcatReferenceAllocator, EncodingError } from '@smsgw/gsm/util-encoding';
import type { OutboundLane } from '@smsgw/shared/data-access-kafka';
import type { Logger } from '@smsgw/shared/util-logging';
import { Encoding, type OutboundMessage, encodingOfName } from '@smsgw/shared/util-proto';
import type { CarrierSessionPool, SubmitResult, SubmitTicket } from '@smsgw/smpp/data-access-session';
import { UNKNOWN_AFTER_RESTART, decideRecovery, renderSubmits, type JournalEntry, type MessageSubmission, type RenderSettings, type SegmentOutcome } from '@smsgw/smpp/domain';
import type { SubmitSm } from '@smsgw/smpp/util-wire';
import type { ConnectorMetrics } from './connector-metrics';
import type { ReportStream } from './report-stream';
import { outcomeEntry, type SegmentRef } from './submit-journal';

/** Where a message sits in its outbound partition, and what the journal says about it after a take-over. */
export interface MessagePlace {
  lane: OutboundLane;
  partition: number;
  offset: string;
  /** The router's attempt of the message. */
  attempt: number;
  journaled: JournalEntry[] | undefined;
}


/** The pool rejects a segment only when it stopped before sending it: the same as withdrawn. */
function notSentYet(): SubmitResult {
  return { kind: 'withdrawn', attempts: 0 };
}

/** A final pool result as the journal and the reports know it; undefined while withdrawn. */
function segmentOutcome(result: SubmitResult): SegmentOutcome | undefined {
  switch (result.kind) {
    case 'submitted':
      return { kind: 'submitted', smscMessageId: result.smscMessageId, respondedAtMs: result.respondedAtMs };
    case 'rejected':
      return { kind: 'rejected', commandStatus: result.commandStatus, retryable: result.disposition === 'retryable' };
    case 'unknown':
      return { kind: 'unknown', reasonCode: result.reasonCode, reason: result.reason };
    case 'withdrawn':
      return undefined;
  }
}

/**
 * Sends one outbound message to the carrier: renders its segments with the carrier's encoding
 * settings and submits them through the pool, journaling each segment's outcome; for a message
 * consumed again after a take-over, what the journal knows is taken from it instead of sent again.
 */
export class MessageSender {
  private carrier: CarrierConfig;
  private renderSettings: RenderSettings;
  private readonly references: RenderSettings['references'] = { udh8: new ConcatReferenceAllocator({ bits: 8 }), wide: new ConcatReferenceAllocator({ bits: 16 }) };

  constructor(
    carrier: CarrierConfig,
    private readonly pool: CarrierSessionPool,
    private readonly metrics: ConnectorMetrics,
    private readonly logger: Logger,
  ) {
    this.carrier = carrier;
    this.renderSettings = this.renderSettingsOf(carrier);
  }

  /** New carrier settings (hot reload): encoding and the unknown-outcome policy apply to the next message. */
  useCarrier(carrier: CarrierConfig): void {
    this.carrier = carrier;
    this.renderSettings = this.renderSettingsOf(carrier);
  }

  /**
   * What became of the message: every segment with its final outcome, or withdrawn (taken back,
   * or the pool stopped, before all of it went out: no reports, its offset not committed).
   */
  async send(outbound: OutboundMessage, key: string, place: MessagePlace, out: ReportStream, ticket: SubmitTicket): Promise<MessageSubmission> {
    const m = outbound.encoded?.message;
    const messageId = m?.id || key;
    if (!m || !outbound.encoded) return { kind: 'invalid', messageId, outbound };
    let submits: SubmitSm[];
    let encoding: Encoding;
    try {
      const rendered = renderSubmits({ to: m.to, from: m.from, text: outbound.encoded.text || m.text, validitySeconds: m.validitySeconds, priority: m.priority }, this.renderSettings);
      submits = rendered.submits;
      encoding = encodingOfName(rendered.encoded.encoding);
    } catch (err) {
      const code = err instanceof EncodingError ? err.code : 'CONNECTOR.RENDER_FAILED';
      this.logger.warn({ messageId, code, err: (err as Error).message }, 'message cannot be rendered for this carrier');
      return { kind: 'unrenderable', messageId, outbound, reasonCode: code, reason: (err as Error).message };
    }
    const segmentCount = submits.length;
    const sent = { kind: 'sent', messageId, outbound, encoding, segmentCount } as const;
    // The first segment goes alone: if the carrier refuses it, nothing of the message went out
    // and another carrier can take all of it; the rest then follow in the window together.
    // Only the first can be withdrawn: a message that has started is finished.
    const first = await this.submitSegment(submits[0], 0, messageId, place, out, ticket);
    if (!first) return { kind: 'withdrawn' };
    if (first.kind === 'submitted' && outbound.routedAtMs > 0) this.metrics.routedToSubmit(place.lane, first.respondedAtMs - outbound.routedAtMs);
    if (first.kind === 'rejected') return { ...sent, outcomes: [first] };
    const rest = segmentCount > 1 ? await Promise.all(submits.slice(1).map((s, i) => this.submitSegment(s, i + 1, messageId, place, out))) : [];
    const outcomes = [first, ...rest];
    if (!outcomes.every((o) => o !== undefined)) {
      this.logger.warn({ messageId, segments: segmentCount, sent: outcomes.filter((o) => o !== undefined).length }, 'stopped with part of a message sent; it will be consumed again, and the parts sent are reported from the journal, not sent again');
      return { kind: 'withdrawn' };
    }
    outcomes.forEach((o, segmentIndex) => {
      if (o.kind !== 'unknown') return;
      if (this.carrier.unknownOutcome === 'fail') this.logger.warn({ messageId, segmentIndex, code: o.reasonCode }, 'unknown submit outcome: failed (unknownOutcome: fail)');
      else this.logger.warn({ messageId, segmentIndex, code: o.reasonCode }, 'unknown submit outcome: waiting for a receipt');
    });
    return { ...sent, outcomes };
  }

  /**
   * One segment: submitted through the pool (its intent journaled before it goes to a bind, its
   * outcome journaled when known), or — for a message consumed again after a take-over — taken
   * from the journal: a known outcome is reported as it was; an intent without an outcome is an
   * unknown outcome, counted and handled by the carrier's unknownOutcome policy. Undefined: withdrawn.
   */
  private async submitSegment(submit: SubmitSm, segmentIndex: number, messageId: string, place: MessagePlace, out: ReportStream, ticket?: SubmitTicket): Promise<SegmentOutcome | undefined> {
    const ref: SegmentRef = { lane: place.lane, partition: place.partition, offset: place.offset, messageId, segmentIndex, attempt: place.attempt };
    const carrierId = this.carrier.id;
    let resent = false;
    if (place.journaled) {
      const decision = decideRecovery(place.journaled, messageId, segmentIndex, this.carrier.unknownOutcome);
      if (decision.kind === 'known') return decision.outcome;
      if (decision.kind === 'unknown') {
        this.metrics.unknownAfterRestart.inc({ carrier: carrierId });
        this.logger.warn({ carrier: carrierId, messageId, segmentIndex, policy: this.carrier.unknownOutcome }, 'submit intent journaled before a restart without its outcome: the SMSC may or may not have this segment; not sent blindly, handled by the carrier unknownOutcome policy');
        if (decision.action !== 'resend') {
          out.journalOutcome(outcomeEntry(ref, UNKNOWN_AFTER_RESTART));
          return UNKNOWN_AFTER_RESTART;
        }
        resent = true;
      }
    }
    const outcome = segmentOutcome(await this.pool.submit(submit, ticket, ref, resent, place.lane).catch(notSentYet));
    if (outcome) out.journalOutcome(outcomeEntry(ref, outcome));
    return outcome;
  }

  private renderSettingsOf(carrier: CarrierConfig): RenderSettings {
    return { carrierId: carrier.id, ...carrier.encoding, registeredDelivery: carrier.registeredDelivery, serviceType: carrier.serviceType, references: this.references };
  }
}
