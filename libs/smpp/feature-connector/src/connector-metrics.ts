import { Gauge, LATENCY_BUCKETS, counter, histogram, type Registry } from '@smsgw/shared/util-metrics';
import type { SmppError } from '@smsgw/smpp/domain';
import { commandStatusName } from '@smsgw/smpp/util-wire';
import { SUBMIT_LANES, type BindSnapshot, type PoolObserver, type SessionState, type SubmitLane } from '@smsgw/smpp/data-access-session';

const STATES: SessionState[] = ['OPEN', 'BINDING', 'BOUND', 'UNBINDING', 'CLOSED'];

export interface PoolView {
  binds(): BindSnapshot[];
  queuedIn(lane: SubmitLane): number;
  readonly adaptiveLimit: number;
}

/**
 * The connector's metrics, per carrier and bind. Labels are bounded: carrier, bind (one per
 * configured session), SMPP command and command_status name, outcome, lane (priority, bulk).
 */
export class ConnectorMetrics {
  readonly submitLatency;
  readonly responses;
  readonly throttled;
  readonly reconnects;
  readonly bindErrors;
  readonly unknownOutcomes;
  readonly withdrawn;
  readonly lateResponses;
  readonly segments;
  readonly incoming;
  readonly consumerPaused;
  readonly consumerPauses;
  readonly unknownAfterRestart;
  readonly journalReads;
  readonly queueWait;
  readonly routedToSubmitted;
  readonly duplicateOutbound;

  constructor(
    registry: Registry,
    private readonly carrier: string,
    pool: () => PoolView | undefined,
  ) {
    this.submitLatency = histogram(registry, 'smsgw_smpp_submit_latency_seconds', 'Time from submit_sm to its submit_sm_resp.', ['carrier', 'bind'], LATENCY_BUCKETS);
    this.responses = counter(registry, 'smsgw_smpp_responses_total', 'Responses to our requests by SMPP command and command_status name.', ['carrier', 'command', 'command_status']);
    this.throttled = counter(registry, 'smsgw_smpp_throttled_total', 'submit_sm answered ESME_RTHROTTLED or ESME_RMSGQFUL (resent later, never failed).', ['carrier', 'command_status']);
    this.reconnects = counter(registry, 'smsgw_smpp_reconnects_total', 'Connect/bind attempts after a bind was lost or refused.', ['carrier', 'bind']);
    this.bindErrors = counter(registry, 'smsgw_smpp_bind_errors_total', 'Failed connects and refused binds by error code (e.g. SMPP.ESME_RINVPASWD).', ['carrier', 'bind', 'code']);
    this.unknownOutcomes = counter(registry, 'smsgw_smpp_unknown_outcomes_total', 'Segments whose submit_sm got no response (timeout or connection lost).', ['carrier', 'reason', 'action']);
    this.lateResponses = counter(registry, 'smsgw_smpp_late_responses_total', 'submit_sm_resp received after the response timeout.', ['carrier', 'command_status']);
    this.segments = counter(registry, 'smsgw_smpp_segments_total', 'Segments by final submit outcome (submitted, failed, unknown, retrying).', ['carrier', 'outcome']);
    this.incoming = counter(registry, 'smsgw_smpp_deliver_sm_total', 'deliver_sm/data_sm received, by kind (receipt, mo) and result (stored, error).', ['carrier', 'kind', 'result']);
    this.withdrawn = counter(registry, 'smsgw_smpp_withdrawn_messages_total', 'Messages taken back unsent when their partition was given up (group rebalance or stop); they are consumed again, by this or another replica.', ['carrier']);
    this.consumerPauses = counter(registry, 'smsgw_smpp_consumer_pauses_total', 'Times a lane of the carrier outbound partitions was paused for back-pressure (windows full or throttled).', ['carrier', 'lane']);
    this.queueWait = histogram(registry, 'smsgw_smpp_queue_wait_seconds', 'Time a segment waited in the connector queue (for a window slot and a TPS token), by lane.', ['carrier', 'lane'], LATENCY_BUCKETS);
    this.routedToSubmitted = histogram(registry, 'smsgw_connector_routed_to_submitted_seconds', "From the router's decision to the first segment's submit_sm_resp (includes the wait on the outbound topic), by lane.", ['carrier', 'lane'], LATENCY_BUCKETS);
    this.unknownAfterRestart = counter(registry, 'smsgw_connector_unknown_outcomes_total', 'Segments consumed again after a restart whose submit intent is in the journal without an outcome (sent or not: handled by the carrier unknownOutcome policy, never resent blindly).', ['carrier']);
    this.journalReads = counter(registry, 'smsgw_connector_journal_reads_total', 'Submit journal partitions read back when an outbound partition was taken over, by result (read, failed).', ['carrier', 'result']);
    this.duplicateOutbound = counter(registry, 'smsgw_connector_duplicate_outbound_total', 'Outbound records of a message (same id and attempt) already submitted by this process: an upstream produce retried; committed without a second submit.', ['carrier']);
    this.consumerPaused = new Gauge({ name: 'smsgw_smpp_consumer_paused', help: '1 while a lane of the carrier outbound partitions is paused for back-pressure.', labelNames: ['carrier', 'lane'], registers: [registry] });
    new Gauge({
      name: 'smsgw_smpp_bind_state',
      help: '1 for the state each bind is in (OPEN, BINDING, BOUND, UNBINDING, CLOSED).',
      labelNames: ['carrier', 'bind', 'state'],
      registers: [registry],
      collect() {
        for (const b of pool()?.binds() ?? []) for (const s of STATES) this.set({ carrier, bind: b.name, state: s }, b.state === s ? 1 : 0);
      },
    });
    new Gauge({
      name: 'smsgw_smpp_window_in_use',
      help: 'submit_sm waiting for their response, per bind.',
      labelNames: ['carrier', 'bind'],
      registers: [registry],
      collect() {
        for (const b of pool()?.binds() ?? []) this.set({ carrier, bind: b.name }, b.windowInUse);
      },
    });
    new Gauge({
      name: 'smsgw_smpp_queued_segments',
      help: 'Segments waiting for a window slot or TPS token, by lane.',
      labelNames: ['carrier', 'lane'],
      registers: [registry],
      collect() {
        for (const lane of SUBMIT_LANES) this.set({ carrier, lane }, pool()?.queuedIn(lane) ?? 0);
      },
    });
    new Gauge({
      name: 'smsgw_smpp_adaptive_tps_limit',
      help: 'Segments/s limit set after throttling (0 = none).',
      labelNames: ['carrier'],
      registers: [registry],
      collect() {
        this.set({ carrier }, pool()?.adaptiveLimit ?? 0);
      },
    });
  }

  // Label children resolved once: prom-client hashes the label set on every inc() otherwise.
  private readonly children = new Map<string, { inc(): void; observe(v: number): void }>();

  private child(metric: { labels(labels: Record<string, string>): unknown }, key: string, labels: Record<string, string>): { inc(): void; observe(v: number): void } {
    let c = this.children.get(key);
    if (!c) {
      c = metric.labels(labels) as { inc(): void; observe(v: number): void };
      this.children.set(key, c);
    }
    return c;
  }

  /** Counts a segment's final outcome. */
  segment(outcome: string): void {
    this.child(this.segments, `s|${outcome}`, { carrier: this.carrier, outcome }).inc();
  }

  /** A message's first segment submitted this long after the router chose the carrier. */
  routedToSubmit(lane: string, ms: number): void {
    this.child(this.routedToSubmitted, `rs|${lane}`, { carrier: this.carrier, lane }).observe(Math.max(0, ms) / 1000);
  }

  /** Counts a deliver_sm/data_sm by kind and result. */
  incomingPdu(kind: string, result: string): void {
    this.child(this.incoming, `i|${kind}|${result}`, { carrier: this.carrier, kind, result }).inc();
  }

  /** The pool's observer hooks, feeding these metrics (and anything else passed in `also`). */
  observer(also: PoolObserver = {}): PoolObserver {
    const carrier = this.carrier;
    return {
      ...also,
      response: (command, status, latencyMs, bind) => {
        this.child(this.responses, `r|${command}|${status}`, { carrier, command, command_status: commandStatusName(status) }).inc();
        if (command === 'submit_sm' || command === 'data_sm') this.child(this.submitLatency, `l|${bind}`, { carrier, bind }).observe(latencyMs / 1000);
        also.response?.(command, status, latencyMs, bind);
      },
      throttled: (status) => {
        this.throttled.inc({ carrier, command_status: commandStatusName(status) });
        also.throttled?.(status);
      },
      reconnect: (bind) => {
        this.reconnects.inc({ carrier, bind });
        also.reconnect?.(bind);
      },
      bindError: (bind, error: SmppError) => {
        this.bindErrors.inc({ carrier, bind, code: error.code });
        also.bindError?.(bind, error);
      },
      unknownOutcome: (reason, resent) => {
        this.unknownOutcomes.inc({ carrier, reason, action: resent ? 'resent' : 'reported' });
        also.unknownOutcome?.(reason, resent);
      },
      dequeued: (lane, waitMs) => {
        this.child(this.queueWait, `q|${lane}`, { carrier, lane }).observe(waitMs / 1000);
        also.dequeued?.(lane, waitMs);
      },
      lateResponse: (bind, status) => {
        this.lateResponses.inc({ carrier, command_status: commandStatusName(status) });
        also.lateResponse?.(bind, status);
      },
    };
  }
}
