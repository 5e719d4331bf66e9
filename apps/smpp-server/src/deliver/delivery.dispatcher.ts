import { Inject, Injectable, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { CONFIG, LOGGER, PG_POOL } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import type { Pool } from 'pg';
import type { SmppServerEnv } from '../env';
import type { EsmeSession } from '../session/esme-session';
import { SmppServerMetrics } from '../smpp-server.metrics';
import type { PendingDelivery } from './deliver-sm';
import { acknowledgeDeliveries, claimDeliveries, releaseDeliveries } from './delivery.store';

/** Acknowledged ids are deleted in one statement at most this often. */
const ACK_FLUSH_MS = 20;

/**
 * Sends the pending deliver_sm of each account (PostgreSQL smpp_deliveries) to its receiver and
 * transceiver binds on this replica: claims as many as the binds' windows have room for (rows
 * another replica claimed are skipped), spreads them over the binds, deletes them once
 * acknowledged (batched) and gives them back at once when a bind closes or the ESME refuses one.
 * Runs when this replica queued something for the account, when a window frees, and every
 * SMPP_SERVER_POLL_MS (what other replicas queued, expired claims).
 */
@Injectable()
export class DeliveryDispatcher implements OnModuleInit, BeforeApplicationShutdown {
  private readonly receivers = new Map<string, Set<EsmeSession>>();
  private readonly running = new Map<string, boolean>();
  private acked: string[] = [];
  private ackTimer: NodeJS.Timeout | undefined;
  private poller: NodeJS.Timeout | undefined;
  private inFlight = 0;

  constructor(
    @Inject(CONFIG) private readonly config: SmppServerEnv,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly metrics: SmppServerMetrics,
  ) {}

  onModuleInit(): void {
    this.poller = setInterval(() => {
      for (const accountId of this.receivers.keys()) this.kick(accountId);
    }, this.config.SMPP_SERVER_POLL_MS);
    this.poller.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.poller);
    await this.flushAcks();
  }

  addReceiver(session: EsmeSession): void {
    const accountId = session.account?.accountId;
    if (!accountId) return;
    let set = this.receivers.get(accountId);
    if (!set) this.receivers.set(accountId, (set = new Set()));
    set.add(session);
    this.kick(accountId);
  }

  removeReceiver(session: EsmeSession, unacknowledged: PendingDelivery[]): void {
    const accountId = session.account?.accountId;
    if (!accountId) return;
    const set = this.receivers.get(accountId);
    set?.delete(session);
    if (set && set.size === 0) this.receivers.delete(accountId);
    this.inFlight -= unacknowledged.length;
    this.metrics.deliveriesPending.set(this.inFlight);
    void this.release(unacknowledged.map((d) => d.id)).then(() => this.kick(accountId));
  }

  /** deliver_sm_resp (or a timeout, as a non-zero status). */
  onResponse(session: EsmeSession, delivery: PendingDelivery, status: number): void {
    this.inFlight--;
    this.metrics.deliveriesPending.set(this.inFlight);
    if (status === 0) {
      this.acked.push(delivery.id);
      this.ackTimer ??= setTimeout(() => void this.flushAcks(), ACK_FLUSH_MS);
    } else {
      this.logger.warn({ systemId: session.account?.systemId, kind: delivery.kind, messageId: delivery.messageId, status }, 'deliver_sm not acknowledged; it is sent again');
      void this.release([delivery.id]);
    }
    if (session.account) this.kick(session.account.accountId);
  }

  /** Delivers what is pending for the account now (one run at a time per account; a kick during a run runs it again). */
  kick(accountId: string): void {
    if (!this.receivers.has(accountId)) return;
    if (this.running.has(accountId)) {
      this.running.set(accountId, true);
      return;
    }
    this.running.set(accountId, false);
    void this.run(accountId).finally(() => {
      const again = this.running.get(accountId);
      this.running.delete(accountId);
      if (again) this.kick(accountId);
    });
  }

  private async run(accountId: string): Promise<void> {
    const sessions = [...(this.receivers.get(accountId) ?? [])];
    const slots = sessions.reduce((n, s) => n + s.deliverSlots, 0);
    if (slots === 0) return;
    let claimed: PendingDelivery[];
    try {
      claimed = await claimDeliveries(this.pool, accountId, slots, this.config.SMPP_SERVER_DELIVER_TIMEOUT_MS * 2);
    } catch (err) {
      this.logger.warn({ accountId, err: (err as Error).message }, 'could not read pending deliveries; retrying at the next poll');
      return;
    }
    const unsent: string[] = [];
    let i = 0;
    for (const delivery of claimed) {
      let sent = false;
      for (let tries = 0; tries < sessions.length && !sent; tries++, i++) sent = sessions[i % sessions.length].deliver(delivery);
      if (sent) this.inFlight++;
      else unsent.push(delivery.id);
    }
    this.metrics.deliveriesPending.set(this.inFlight);
    await this.release(unsent);
    // A full claim: there may be more behind it once the windows free (deliver_sm_resp kicks again).
  }

  private async flushAcks(): Promise<void> {
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    const ids = this.acked;
    this.acked = [];
    try {
      await acknowledgeDeliveries(this.pool, ids);
    } catch (err) {
      // Not deleted: the claim expires and the ESME gets them again (a repeat, not a loss).
      this.logger.warn({ err: (err as Error).message, deliveries: ids.length }, 'could not delete acknowledged deliveries; they will be sent again');
    }
  }

  private async release(ids: string[]): Promise<void> {
    try {
      await releaseDeliveries(this.pool, ids);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message, deliveries: ids.length }, 'could not release deliveries; they go again when their claim expires');
    }
  }
}
