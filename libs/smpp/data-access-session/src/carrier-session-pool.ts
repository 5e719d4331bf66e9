import type { Logger } from '@smsgw/shared/util-logging';
import {
  DEFAULT_THROTTLE_GOVERNOR,
  SmppError,
  ThrottleGovernor,
  TokenBucket,
  backoffDelay,
  classifySubmitStatus,
  type BackoffPolicy,
  type ThrottleGovernorOptions,
} from '@smsgw/smpp/domain';
import { commandStatusName, type IncomingMessagePdu, type SubmitSm } from '@smsgw/smpp/util-wire';
import { CarrierSession, type BindType, type SessionSettings, type SessionState } from './carrier-session';

/**
 * The queue a segment waits in: every `priority` segment (OTP, transactional) goes before any
 * `bulk` one (marketing); within a lane, in order. Both share the carrier's windows and TPS.
 */
export type SubmitLane = 'priority' | 'bulk';
export const SUBMIT_LANES: readonly SubmitLane[] = ['priority', 'bulk'];

/** fail: as wait-for-receipt here (reported unknown); the connector turns it into FAILED. */
export type UnknownOutcomePolicy = 'wait-for-receipt' | 'resend-once' | 'fail';

export interface PoolSettings {
  carrierId: string;
  /** Connection and bind settings shared by every bind (name and bind type are set per bind). */
  session: Omit<SessionSettings, 'name' | 'bindType'>;
  bindMode: 'transceiver' | 'transmitter+receiver';
  /** Binds of this replica (with transmitter+receiver, that many of each). */
  binds: number;
  /** This replica's share of the carrier's TPS, in segments a second; 0 = unlimited. */
  tps: number;
  permanentErrors: readonly number[];
  unknownOutcome: UnknownOutcomePolicy;
  reconnect: BackoffPolicy;
  throttle?: ThrottleGovernorOptions;
}

/**
 * The final outcome of one segment's submission (throttling and rebinds are handled inside).
 * `withdrawn`: taken back before it was sent (its ticket was withdrawn); the SMSC never saw it.
 */
export type SubmitResult =
  | { kind: 'submitted'; smscMessageId: string; commandStatus: 0; latencyMs: number; attempts: number; /** when submit_sm_resp came (ms) */ respondedAtMs: number }
  | { kind: 'rejected'; commandStatus: number; disposition: 'permanent' | 'retryable'; attempts: number }
  | { kind: 'unknown'; reasonCode: string; reason: string; attempts: number }
  | { kind: 'withdrawn'; attempts: 0 };

/**
 * Segments queued under one ticket can be taken back together while they wait (see
 * CarrierSessionPool.withdraw): the connector gives each Kafka batch one, so a partition that is
 * being reassigned, or a connector that is stopping, sends nothing more of it.
 */
export class SubmitTicket {
  withdrawn = false;
}

export interface PoolObserver {
  bindState?(bind: string, state: SessionState): void;
  response?(command: string, commandStatus: number, latencyMs: number, bind: string): void;
  throttled?(commandStatus: number): void;
  reconnect?(bind: string): void;
  bindError?(bind: string, error: SmppError): void;
  unknownOutcome?(reasonCode: string, resent: boolean): void;
  lateResponse?(bind: string, commandStatus: number): void;
  /**
   * A lane's consumer should pause (or may resume): all windows full, throttled, or waiting for
   * TPS tokens while a round of windows is queued. bulk counts every queued segment, priority only
   * its own, so marketing backs off long before OTPs do.
   */
  pressure?(saturated: boolean, lane: SubmitLane): void;
  /** A segment left the queue for a window, after waiting this long. */
  dequeued?(lane: SubmitLane, waitMs: number): void;
}

/**
 * Records, durably, that segments are about to be written to a bind (the connector's submit
 * journal). The pool calls it once for each group of segments it takes for the windows and sends
 * them only once it resolves, so a crash can never leave a segment sent but not journaled.
 */
export interface SubmitIntentJournal {
  intend(refs: readonly unknown[]): Promise<void>;
}

export interface IncomingHandler {
  (pdu: IncomingMessagePdu, bind: string): Promise<number>;
}

interface QueueItem {
  order: number;
  lane: SubmitLane;
  /** When it was submitted; 0 once it has left the queue the first time. */
  queuedAtMs: number;
  submit: SubmitSm;
  attempts: number;
  resent: boolean;
  ticket: SubmitTicket | undefined;
  /** What the journal knows the segment by; undefined: not journaled. */
  ref: unknown;
  /** Its intent is journaled already (a segment sent again after throttling is not journaled twice). */
  journaled: boolean;
  resolve(result: SubmitResult): void;
  reject(error: Error): void;
}

export interface BindSnapshot {
  name: string;
  state: SessionState;
  windowInUse: number;
}

/**
 * The binds of one carrier in this replica and the queue in front of them. Segments wait in
 * order; each goes to a bound session with room in its window, within the TPS token bucket.
 * Throttling (ESME_RTHROTTLED, ESME_RMSGQFUL) pauses and slows the whole carrier and puts the
 * segment back at the front, in its place; a lost session is rebound with back-off and jitter;
 * a missing response is an unknown outcome handled by the carrier's policy, never a blind resend:
 * with resend-once, the segment waits until its bind has been closed and bound again (so the
 * lost response can no longer arrive), then goes once more.
 */
export class CarrierSessionPool {
  private readonly sessions: (CarrierSession | undefined)[] = [];
  private readonly bindNames: string[] = [];
  private readonly bindTypes: BindType[] = [];
  /** Per lane, in SUBMIT_LANES order: taken from the first lane with anything waiting. */
  private readonly lanes: Record<SubmitLane, LaneQueue> = { priority: new LaneQueue(), bulk: new LaneQueue() };
  private nextOrder = 0;
  private readonly bucket: TokenBucket;
  private readonly governor: ThrottleGovernor;
  private permanent: Set<number>;
  /** Bumped when the bind layout changes: loops of an older generation end. */
  private generation = 0;
  private pumping = false;
  private pumpAgain = false;
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeAt = 0;
  private stopping = false;
  private readonly loops: Promise<void>[] = [];
  private readonly sleepers = new Set<() => void>();
  private readonly saturated: Record<SubmitLane, boolean> = { priority: false, bulk: false };
  private boundWaiters: (() => void)[] = [];
  private governorTimer: NodeJS.Timeout | undefined;
  /** resend-once: segments whose response never came, by bind name, until that bind is bound again. */
  private readonly awaitingRebind = new Map<string, QueueItem[]>();
  /** Sessions being unbound so that their held segments can be resent after a fresh bind. */
  private readonly recycling = new WeakSet<CarrierSession>();
  private journal: SubmitIntentJournal | undefined;
  /** Window slots held for segments whose intent is being journaled. */
  private readonly reserved = new Map<CarrierSession, number>();
  private reservedTotal = 0;
  private intentGroup: { item: QueueItem; session: CarrierSession }[] = [];
  private journalFailures = 0;
  private journalBlockedUntil = 0;

  constructor(
    private settings: PoolSettings,
    private readonly onIncoming: IncomingHandler,
    private readonly logger: Logger,
    private readonly observer: PoolObserver = {},
    private readonly random: () => number = Math.random,
  ) {
    this.bucket = new TokenBucket(settings.tps, burstFor(settings.tps), Date.now());
    this.governor = new ThrottleGovernor(settings.throttle ?? DEFAULT_THROTTLE_GOVERNOR, random);
    this.permanent = new Set(settings.permanentErrors);
    this.buildLayout();
  }

  private buildLayout(): void {
    const { bindMode, binds, carrierId } = this.settings;
    this.bindNames.length = 0;
    this.bindTypes.length = 0;
    this.sessions.length = 0;
    for (let i = 1; i <= binds; i++) {
      if (bindMode === 'transmitter+receiver') {
        this.bindNames.push(`${carrierId}#tx${i}`, `${carrierId}#rx${i}`);
        this.bindTypes.push('transmitter', 'receiver');
      } else {
        this.bindNames.push(`${carrierId}#${i}`);
        this.bindTypes.push('transceiver');
      }
    }
  }

  /**
   * Applies changed carrier settings without a restart. Rates, the permanent set and the
   * unknown-outcome policy apply at once; connection settings by rebinding one session at a time
   * (each drains its window first); a different number of binds or bind mode rebuilds the binds.
   */
  async updateSettings(next: PoolSettings): Promise<void> {
    const prev = this.settings;
    this.settings = next;
    this.permanent = new Set(next.permanentErrors);
    this.pump();
    if (this.stopping) return;
    if (prev.binds !== next.binds || prev.bindMode !== next.bindMode) {
      this.logger.info({ carrier: next.carrierId, binds: next.binds, bindMode: next.bindMode }, 'bind layout changed: rebinding every session');
      const gen = ++this.generation;
      const old = this.sessions.slice();
      const oldLoops = this.loops.splice(0);
      for (const wake of this.sleepers) wake();
      await Promise.all(old.map((s) => s && this.drainAndUnbind(s)));
      await Promise.all(oldLoops);
      if (this.stopping || gen !== this.generation) return;
      this.buildLayout();
      // Every bind is new: segments held for a rebind may go on any of them.
      for (const name of [...this.awaitingRebind.keys()]) this.releaseAfterRebind(name);
      for (let i = 0; i < this.bindNames.length; i++) this.loops.push(this.runBind(i, gen));
      return;
    }
    if (JSON.stringify(prev.session) !== JSON.stringify(next.session)) {
      this.logger.info({ carrier: next.carrierId }, 'connection settings changed: rebinding the sessions one at a time');
      for (const s of this.sessions.slice()) {
        if (!s || this.stopping) continue;
        await this.drainAndUnbind(s);
        const deadline = Date.now() + next.session.timeouts.connectMs + next.session.timeouts.bindMs + next.reconnect.maxMs;
        while (!this.stopping && this.bindsUp < this.bindNames.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  private async drainAndUnbind(session: CarrierSession): Promise<void> {
    session.drain();
    const deadline = Date.now() + this.settings.session.timeouts.responseMs;
    while (session.windowInUse > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await session.unbind();
  }

  /** Starts every bind's connect/bind/reconnect loop; returns at once. */
  start(): void {
    for (let i = 0; i < this.bindNames.length; i++) this.loops.push(this.runBind(i, this.generation));
    this.governorTimer = setInterval(() => {
      this.governor.tick(Date.now());
      this.pump();
    }, 500);
    this.governorTimer.unref();
  }

  /** Resolves once at least one bind can submit (or after timeoutMs, rejecting). */
  whenBound(timeoutMs: number): Promise<void> {
    if (this.bindsUp > 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no bind to ${this.settings.carrierId} within ${timeoutMs} ms`)), timeoutMs);
      this.boundWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  get bindsConfigured(): number {
    return this.bindNames.length;
  }

  get bindsUp(): number {
    return this.sessions.filter((s) => s?.bound).length;
  }

  get windowInUse(): number {
    return this.sessions.reduce((sum, s) => sum + (s?.windowInUse ?? 0), 0);
  }

  /** Segments waiting to be sent (not counting those in a window). */
  get queued(): number {
    return this.lanes.priority.size + this.lanes.bulk.size;
  }

  /** Segments of one lane waiting to be sent. */
  queuedIn(lane: SubmitLane): number {
    return this.lanes[lane].size;
  }

  get throttledRecently(): boolean {
    return this.governor.throttledRecently(Date.now());
  }

  get adaptiveLimit(): number {
    return this.governor.currentLimit;
  }

  /** The bulk lane's view: the whole queue is at least a round of windows while blocked. */
  get isSaturated(): boolean {
    return this.saturated.bulk;
  }

  binds(): BindSnapshot[] {
    return this.bindNames.map((name, i) => ({ name, state: this.sessions[i]?.state ?? 'CLOSED', windowInUse: this.sessions[i]?.windowInUse ?? 0 }));
  }

  /** From now on, segments submitted with a ref are journaled before they are sent. */
  useJournal(journal: SubmitIntentJournal): void {
    this.journal = journal;
  }

  /**
   * Queues one segment; resolves with its final outcome. Rejects only when the pool stops before
   * sending it. With a ticket, the segment can be withdrawn while it waits (→ `withdrawn`). With a
   * ref (and a journal), its intent is journaled before it is sent; `resent` (sent once already,
   * before a restart) keeps resend-once from sending it a third time. A `priority` segment goes
   * before every `bulk` one still waiting.
   */
  submit(submit: SubmitSm, ticket?: SubmitTicket, ref?: unknown, resent = false, lane: SubmitLane = 'bulk'): Promise<SubmitResult> {
    if (this.stopping) return Promise.reject(notSent('the connector is stopping'));
    if (ticket?.withdrawn) return Promise.resolve(WITHDRAWN);
    return new Promise((resolve, reject) => {
      this.lanes[lane].push({ order: this.nextOrder++, lane, queuedAtMs: Date.now(), submit, attempts: 0, resent, ticket, ref, journaled: false, resolve, reject });
      this.pump();
    });
  }

  /**
   * Takes back every segment of this ticket that is still waiting (never sent, or back in the
   * queue after throttling); each resolves as `withdrawn`. Segments in a window are not affected:
   * they reach their outcome as usual. Returns how many were withdrawn.
   */
  withdraw(ticket: SubmitTicket): number {
    ticket.withdrawn = true;
    const taken: QueueItem[] = [];
    const keep = (item: QueueItem) => {
      if (item.ticket !== ticket) return true;
      taken.push(item);
      return false;
    };
    for (const lane of SUBMIT_LANES) this.lanes[lane].retain(keep);
    for (const item of taken) item.resolve(WITHDRAWN);
    if (taken.length > 0) this.pump();
    return taken.length;
  }

  /**
   * Graceful stop: no new segments, wait up to `drainMs` for queued and in-flight ones to finish,
   * fail what is still queued (not sent, so the caller does not commit it), unbind every session.
   */
  async stop(drainMs: number): Promise<void> {
    this.stopping = true;
    const deadline = Date.now() + drainMs;
    while (Date.now() < deadline && (this.queued > 0 || this.windowInUse > 0 || this.reservedTotal > 0) && this.bindsUp > 0) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const left = this.takeAllQueued();
    if (left.length) this.logger.warn({ carrier: this.settings.carrierId, segments: left.length }, 'stopping with segments not sent; their batch is not committed and will be consumed again');
    for (const item of left) item.reject(notSent('the connector stopped before sending it'));
    // Sent once already, response lost, no rebind to resend on: the outcome stays unknown.
    for (const items of this.awaitingRebind.values()) for (const item of items) item.resolve(unknown(item, 'SMPP.RESPONSE_TIMEOUT', 'no submit_sm_resp, and the connector stopped before it could resend after a rebind'));
    this.awaitingRebind.clear();
    clearInterval(this.governorTimer);
    clearTimeout(this.wakeTimer);
    for (const wake of this.sleepers) wake();
    await Promise.all(this.sessions.map((s) => s?.unbind()));
    await Promise.all(this.loops);
  }

  private async runBind(index: number, gen: number): Promise<void> {
    const name = this.bindNames[index];
    let attempt = 0;
    while (!this.stopping && gen === this.generation) {
      const session = new CarrierSession({ ...this.settings.session, name, bindType: this.bindTypes[index] }, this.sessionHandler(), this.logger);
      this.sessions[index] = session;
      try {
        await session.open();
        attempt = 0;
        this.logger.info({ bind: name, host: this.settings.session.host, port: this.settings.session.port }, 'bound');
        for (const wake of this.boundWaiters.splice(0)) wake();
        this.pump();
        const error = await session.closed;
        if (this.stopping || gen !== this.generation) break;
        if (error) this.logger.warn({ bind: name, code: error.code, err: error.message }, 'session closed; rebinding');
        else this.logger.info({ bind: name }, 'session unbound; binding again');
      } catch (err) {
        const error = err as SmppError;
        this.observer.bindError?.(name, error);
        this.logger.error({ bind: name, code: error.code, commandStatus: error.statusName, err: error.message }, 'bind failed');
        await session.closed;
      }
      if (this.stopping || gen !== this.generation) break;
      attempt++;
      const delay = backoffDelay(attempt, this.settings.reconnect, this.random);
      await this.sleep(delay);
      if (!this.stopping && gen === this.generation) this.observer.reconnect?.(name);
    }
  }

  private sessionHandler() {
    return {
      onIncoming: (pdu: IncomingMessagePdu, session: CarrierSession) => this.onIncoming(pdu, session.name),
      onStateChange: (state: SessionState, session: CarrierSession) => {
        this.observer.bindState?.(session.name, state);
        // A BOUND session is always a new one: what waited for this bind's rebind can go now.
        if (state === 'BOUND') this.releaseAfterRebind(session.name);
        if (state === 'BOUND' || state === 'CLOSED') this.pump();
      },
      onResponse: (command: string, status: number, latencyMs: number, session: CarrierSession) => this.observer.response?.(command, status, latencyMs, session.name),
      onLateResponse: (sequence: number, status: number, messageId: string, session: CarrierSession) => {
        this.logger.warn({ bind: session.name, sequence, commandStatus: commandStatusName(status), smscMessageId: messageId }, 'submit_sm_resp after its timeout: the outcome reported as unknown was in fact this');
        this.observer.lateResponse?.(session.name, status);
      },
    };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepers.add(done);
    });
  }

  private takeAllQueued(): QueueItem[] {
    return SUBMIT_LANES.flatMap((lane) => this.lanes[lane].takeAll());
  }

  private nextItem(): QueueItem | undefined {
    return this.lanes.priority.shift() ?? this.lanes.bulk.shift();
  }

  /** Puts a segment back before everything of its lane queued after it (throttled, rebind, resend-once). */
  private requeueFront(item: QueueItem): void {
    this.lanes[item.lane].requeueFront(item);
  }

  private pickSession(): CarrierSession | undefined {
    let best: CarrierSession | undefined;
    let bestFree = 0;
    for (const s of this.sessions) {
      const free = s ? s.windowFree - (this.reservedTotal > 0 ? (this.reserved.get(s) ?? 0) : 0) : 0;
      if (free > bestFree) {
        best = s;
        bestFree = free;
      }
    }
    return best;
  }

  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        this.pumpOnce();
      } while (this.pumpAgain);
    } finally {
      this.pumping = false;
    }
  }

  private pumpOnce(): void {
    let now = Date.now();
    let blocked = false;
    this.applyRate(now);
    let sent = 0;
    while (this.queued > 0) {
      if (this.journalBlockedUntil > now) {
        this.wakeAtTime(this.journalBlockedUntil);
        blocked = true;
        break;
      }
      if (this.governor.isPaused(now)) {
        this.wakeAtTime(this.governor.pausedUntil());
        blocked = true;
        break;
      }
      const session = this.pickSession();
      if (!session) {
        blocked = true;
        break;
      }
      if (!this.bucket.tryTake(now)) {
        this.wakeAtTime(now + Math.max(1, this.bucket.waitMs(now)));
        blocked = true;
        break;
      }
      const item = this.nextItem();
      if (!item) break;
      if (item.queuedAtMs > 0) {
        this.observer.dequeued?.(item.lane, now - item.queuedAtMs);
        item.queuedAtMs = 0; // once: not again when put back after throttling
      }
      if (this.journal && item.ref !== undefined && !item.journaled) this.reserve(item, session);
      else this.send(item, session);
      if (++sent % 256 === 0) now = Date.now();
    }
    if (this.intentGroup.length > 0) this.journalIntents();
    this.updatePressure(blocked, now);
  }

  private reserve(item: QueueItem, session: CarrierSession): void {
    this.reserved.set(session, (this.reserved.get(session) ?? 0) + 1);
    this.reservedTotal++;
    this.intentGroup.push({ item, session });
  }

  private unreserve(session: CarrierSession): void {
    this.reserved.set(session, (this.reserved.get(session) ?? 1) - 1);
    this.reservedTotal--;
  }

  /**
   * One journal write per lane for the segments taken in this pump; they go to their binds once it is
   * acknowledged. A failed write puts them back in their place and holds sending for a back-off.
   */
  private journalIntents(): void {
    const taken = this.intentGroup;
    this.intentGroup = [];
    // A write per lane: priority segments never wait for a bulk write to be acknowledged.
    for (const lane of SUBMIT_LANES) {
      const group = taken.filter((g) => g.item.lane === lane);
      if (group.length > 0) this.journalGroup(group);
    }
  }

  private journalGroup(group: { item: QueueItem; session: CarrierSession }[]): void {
    const journal = this.journal as SubmitIntentJournal;
    journal.intend(group.map((g) => g.item.ref)).then(
      () => {
        this.journalFailures = 0;
        for (const { item, session } of group) {
          this.unreserve(session);
          item.journaled = true;
          this.send(item, session);
        }
        this.pump();
      },
      (err: Error) => {
        const delay = backoffDelay(++this.journalFailures, this.settings.reconnect);
        this.journalBlockedUntil = Date.now() + delay;
        this.logger.error({ carrier: this.settings.carrierId, segments: group.length, err: err.message, retryInMs: delay }, 'could not journal submit intents; nothing is sent until the journal takes them');
        for (const { item, session } of group) {
          this.unreserve(session);
          this.requeueFront(item);
        }
        this.pump();
      },
    );
  }

  /**
   * Saturated: throttled, or blocked (windows full, no bind, no tokens) with at least a full round
   * of windows queued; relieved below half of that. The hysteresis keeps pause/resume from flapping.
   * The bulk lane counts the whole queue, the priority lane its own segments only (and is not
   * paused by throttling alone): a marketing backlog never stops OTPs from being fetched.
   */
  private updatePressure(blocked: boolean, now: number): void {
    const threshold = Math.max(1, this.settings.session.window * this.bindNames.length);
    const throttled = this.governor.isPaused(now);
    const waiting = { priority: this.lanes.priority.size, bulk: this.queued };
    for (const lane of SUBMIT_LANES) {
      const was = this.saturated[lane];
      const over = waiting[lane] >= (was ? threshold / 2 : threshold);
      const saturated = lane === 'bulk' ? throttled || (blocked && over) : (throttled || blocked) && over;
      if (saturated === was) continue;
      this.saturated[lane] = saturated;
      this.observer.pressure?.(saturated, lane);
    }
  }

  private wakeAtTime(at: number): void {
    if (this.wakeTimer && this.wakeAt <= at) return;
    clearTimeout(this.wakeTimer);
    this.wakeAt = at;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      this.pump();
    }, Math.max(1, at - Date.now()));
  }

  /** The bucket runs at the lower of the configured share and the throttle governor's limit. */
  private applyRate(now: number): void {
    const configured = this.settings.tps;
    const adaptive = this.governor.currentLimit;
    const rate = adaptive > 0 ? (configured > 0 ? Math.min(configured, adaptive) : adaptive) : configured;
    if (Math.abs(rate - this.bucket.rate) > 1e-6) this.bucket.setRate(rate, now, burstFor(rate));
  }

  /**
   * resend-once: the segment waits until its bind is bound again. A session that timed out but
   * is still up is drained and unbound first; one whose connection was lost is rebinding already.
   */
  private holdForRebind(item: QueueItem, session: CarrierSession): void {
    const held = this.awaitingRebind.get(session.name);
    if (held) held.push(item);
    else this.awaitingRebind.set(session.name, [item]);
    if (session.state === 'BOUND' && !this.recycling.has(session)) {
      this.recycling.add(session);
      this.logger.warn({ bind: session.name }, 'submit_sm_resp timed out: rebinding this session before resending (resend-once)');
      void this.drainAndUnbind(session);
    }
  }

  private releaseAfterRebind(bindName: string): void {
    const held = this.awaitingRebind.get(bindName);
    if (!held) return;
    this.awaitingRebind.delete(bindName);
    for (const item of held) this.requeueFront(item);
  }

  private send(item: QueueItem, session: CarrierSession): void {
    item.attempts++;
    session.submit(item.submit).then(
      (response) => this.onResponse(item, response.commandStatus, response.messageId, response.latencyMs, session),
      (error: SmppError) => this.onSubmitError(item, error, session),
    );
  }

  private onResponse(item: QueueItem, status: number, messageId: string, latencyMs: number, session: CarrierSession): void {
    const now = Date.now();
    switch (classifySubmitStatus(status, { permanent: this.permanent })) {
      case 'submitted':
        this.governor.onAccepted(now);
        item.resolve({ kind: 'submitted', smscMessageId: messageId, commandStatus: 0, latencyMs, attempts: item.attempts, respondedAtMs: now });
        break;
      case 'throttled':
        this.governor.onThrottled(now);
        this.observer.throttled?.(status);
        this.requeueFront(item);
        break;
      case 'rebind':
        this.logger.warn({ bind: session.name }, 'the SMSC says we are not bound (ESME_RINVBNDSTS); rebinding');
        session.destroy(SmppError.fromResponse('submit_sm', status));
        this.requeueFront(item);
        break;
      case 'permanent':
        item.resolve({ kind: 'rejected', commandStatus: status, disposition: 'permanent', attempts: item.attempts });
        break;
      case 'retryable':
        item.resolve({ kind: 'rejected', commandStatus: status, disposition: 'retryable', attempts: item.attempts });
        break;
    }
    this.pump();
  }

  private onSubmitError(item: QueueItem, error: SmppError, session: CarrierSession): void {
    if (error.outcomeUnknown) {
      const resend = this.settings.unknownOutcome === 'resend-once' && !item.resent && !this.stopping;
      this.observer.unknownOutcome?.(error.code, resend);
      if (resend) {
        item.resent = true;
        this.holdForRebind(item, session);
      } else {
        item.resolve(unknown(item, error.code, error.message));
      }
    } else if (this.stopping) {
      item.reject(notSent(error.message));
    } else {
      // Nothing reached the SMSC: safe to send again on another (or the rebound) session.
      this.requeueFront(item);
    }
    this.pump();
  }
}

const WITHDRAWN: SubmitResult = { kind: 'withdrawn', attempts: 0 };

/** One lane's waiting segments: those put back (throttled, rebind) first, in order, then the rest in order. */
class LaneQueue {
  private queue: QueueItem[] = [];
  private head = 0;
  /** Segments to resend before anything else of the lane, kept in their original order. */
  private front: QueueItem[] = [];

  get size(): number {
    return this.queue.length - this.head + this.front.length;
  }

  push(item: QueueItem): void {
    this.queue.push(item);
  }

  shift(): QueueItem | undefined {
    if (this.front.length > 0) return this.front.shift();
    if (this.head >= this.queue.length) return undefined;
    const item = this.queue[this.head];
    this.queue[this.head++] = undefined as unknown as QueueItem;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  requeueFront(item: QueueItem): void {
    let i = this.front.length;
    while (i > 0 && this.front[i - 1].order > item.order) i--;
    this.front.splice(i, 0, item);
  }

  /** Keeps the items `keep` says yes to. */
  retain(keep: (item: QueueItem) => boolean): void {
    this.front = this.front.filter(keep);
    this.queue = this.queue.slice(this.head).filter(keep);
    this.head = 0;
  }

  takeAll(): QueueItem[] {
    const items = [...this.front, ...this.queue.slice(this.head)];
    this.front = [];
    this.queue = [];
    this.head = 0;
    return items;
  }
}

function unknown(item: QueueItem, reasonCode: string, reason: string): SubmitResult {
  return { kind: 'unknown', reasonCode, reason, attempts: item.attempts };
}

function burstFor(rate: number): number {
  // A tenth of a second of traffic: smooth enough for SMSCs that count per second or finer.
  return rate > 0 ? Math.max(1, rate / 10) : 1;
}

function notSent(reason: string): SmppError {
  return new SmppError('SMPP.CLOSED', `not sent: ${reason}`, { retryable: true, sessionSurvives: false });
}
