import type { Logger } from '@smsgw/shared/util-logging';
import {
  DEFAULT_THROTTLE_GOVERNOR,
  SmppError,
  ThrottleGovernor,
  TokenBucket,
  backoffDelay,
  classifySubmitStatus,
  commandStatusName,
  type BackoffPolicy,
  type IncomingMessagePdu,
  type SubmitSm,
  type ThrottleGovernorOptions,
} from '@smsgw/smpp/domain';
import { CarrierSession, type BindType, type SessionSettings, type SessionState } from './carrier-session';

export type UnknownOutcomePolicy = 'wait-for-receipt' | 'resend-once';

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
  /** All windows full, throttled, or waiting for TPS tokens while work is queued (or no longer). */
  pressure?(saturated: boolean): void;
}

export interface IncomingHandler {
  (pdu: IncomingMessagePdu, bind: string): Promise<number>;
}

interface QueueItem {
  order: number;
  submit: SubmitSm;
  attempts: number;
  resent: boolean;
  ticket: SubmitTicket | undefined;
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
  private queue: QueueItem[] = [];
  private head = 0;
  /** Segments to resend before anything else, kept in their original order. */
  private front: QueueItem[] = [];
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
  private saturated = false;
  private boundWaiters: (() => void)[] = [];
  private governorTimer: NodeJS.Timeout | undefined;
  /** resend-once: segments whose response never came, by bind name, until that bind is bound again. */
  private readonly awaitingRebind = new Map<string, QueueItem[]>();
  /** Sessions being unbound so that their held segments can be resent after a fresh bind. */
  private readonly recycling = new WeakSet<CarrierSession>();

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
    return this.queue.length - this.head + this.front.length;
  }

  get throttledRecently(): boolean {
    return this.governor.throttledRecently(Date.now());
  }

  get adaptiveLimit(): number {
    return this.governor.currentLimit;
  }

  get isSaturated(): boolean {
    return this.saturated;
  }

  binds(): BindSnapshot[] {
    return this.bindNames.map((name, i) => ({ name, state: this.sessions[i]?.state ?? 'CLOSED', windowInUse: this.sessions[i]?.windowInUse ?? 0 }));
  }

  /**
   * Queues one segment; resolves with its final outcome. Rejects only when the pool stops before
   * sending it. With a ticket, the segment can be withdrawn while it waits (→ `withdrawn`).
   */
  submit(submit: SubmitSm, ticket?: SubmitTicket): Promise<SubmitResult> {
    if (this.stopping) return Promise.reject(notSent('the connector is stopping'));
    if (ticket?.withdrawn) return Promise.resolve(WITHDRAWN);
    return new Promise((resolve, reject) => {
      this.queue.push({ order: this.nextOrder++, submit, attempts: 0, resent: false, ticket, resolve, reject });
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
    this.front = this.front.filter(keep);
    this.queue = this.queue.slice(this.head).filter(keep);
    this.head = 0;
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
    while (Date.now() < deadline && (this.queued > 0 || this.windowInUse > 0) && this.bindsUp > 0) {
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
    const items = [...this.front, ...this.queue.slice(this.head)];
    this.front = [];
    this.queue = [];
    this.head = 0;
    return items;
  }

  private nextItem(): QueueItem | undefined {
    if (this.front.length > 0) return this.front.shift();
    if (this.head < this.queue.length) {
      const item = this.queue[this.head];
      this.queue[this.head++] = undefined as unknown as QueueItem;
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      return item;
    }
    return undefined;
  }

  /** Puts a segment back before everything queued after it (throttled, rebind, resend-once). */
  private requeueFront(item: QueueItem): void {
    let i = this.front.length;
    while (i > 0 && this.front[i - 1].order > item.order) i--;
    this.front.splice(i, 0, item);
  }

  private pickSession(): CarrierSession | undefined {
    let best: CarrierSession | undefined;
    let bestFree = 0;
    for (const s of this.sessions) {
      const free = s ? s.windowFree : 0;
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
      this.send(item, session);
      if (++sent % 256 === 0) now = Date.now();
    }
    this.updatePressure(blocked, now);
  }

  /**
   * Saturated: throttled, or blocked (windows full, no bind, no tokens) with at least a full round
   * of windows queued; relieved below half of that. The hysteresis keeps pause/resume from flapping.
   */
  private updatePressure(blocked: boolean, now: number): void {
    const threshold = Math.max(1, this.settings.session.window * this.bindNames.length);
    const throttled = this.governor.isPaused(now);
    let saturated = this.saturated;
    if (!saturated) saturated = throttled || (blocked && this.queued >= threshold);
    else saturated = throttled || (blocked && this.queued >= threshold / 2);
    if (saturated === this.saturated) return;
    this.saturated = saturated;
    this.observer.pressure?.(saturated);
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
