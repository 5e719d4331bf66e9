import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { ConcatReassembly } from '@smsgw/smpp/domain';
import { CommandStatus, type IncomingMessagePdu } from '@smsgw/smpp/util-wire';
import { CONFIG, LOGGER, PG_POOL } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import type { SendRequest, SendResult } from '@smsgw/shared/util-proto';
import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import type { Pool } from 'pg';
import { recordSubmissions, type Submission } from '../deliver/delivery.store';
import type { SmppServerEnv } from '../env';
import { IntakeClient } from '../ingest/intake.client';
import type { BoundAccount } from '../session/esme-session';
import { SmppServerMetrics } from '../smpp-server.metrics';
import { SubmitRefusal, commandStatusOfRefusal, readSubmitPart, toSendRequest, type SubmitPart } from './submit-mapping';

export interface SubmitOutcome {
  status: number;
  messageId: string;
}

interface Queued {
  request: SendRequest;
  first: SubmitPart;
  resolve(outcome: SubmitOutcome): void;
}

/** The status for a SendBatch that failed as a whole (ingest unreachable, intake refused). */
export function commandStatusOfCallError(err: unknown): number {
  const code = (err as ServiceError)?.code;
  if (code === GrpcStatus.RESOURCE_EXHAUSTED) return CommandStatus.ESME_RTHROTTLED;
  if (code === GrpcStatus.PERMISSION_DENIED || code === GrpcStatus.UNAUTHENTICATED || code === GrpcStatus.INVALID_ARGUMENT) return CommandStatus.ESME_RSUBMITFAIL;
  // UNAVAILABLE, DEADLINE_EXCEEDED…: temporary; the ESME sends again later.
  return CommandStatus.ESME_RMSGQFUL;
}

/** The answer for one message of a SendBatch. */
export function outcomeOf(result: SendResult | undefined): SubmitOutcome {
  if (result?.accepted?.id) return { status: CommandStatus.ESME_ROK, messageId: result.accepted.id };
  return { status: commandStatusOfRefusal(result?.error?.code ?? ''), messageId: '' };
}

/**
 * submit_sm → ingest. Parts of concatenated messages wait for each other (every part is answered
 * with the whole message's id); whole messages arriving within SMPP_SERVER_BATCH_MS are sent in
 * one SendBatch per account (one round trip per batch), and the ones that asked for a receipt
 * are remembered in one statement before the ESME gets its submit_sm_resp.
 */
@Injectable()
export class SubmitService implements BeforeApplicationShutdown {
  private readonly reassembly: ConcatReassembly<SubmitPart, SubmitOutcome>;
  private queue: Queued[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(CONFIG) private readonly config: SmppServerEnv,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly intake: IntakeClient,
    private readonly metrics: SmppServerMetrics,
  ) {
    this.reassembly = new ConcatReassembly(config.SMPP_SERVER_REASSEMBLY_TIMEOUT_MS, (parts, complete) => this.whole(parts, complete), (p) => p.accountId);
  }

  async submit(pdu: IncomingMessagePdu, account: BoundAccount): Promise<SubmitOutcome> {
    let part: SubmitPart;
    try {
      part = readSubmitPart(pdu, account.accountId, account.systemId);
    } catch (err) {
      if (err instanceof SubmitRefusal) return { status: err.commandStatus, messageId: '' };
      throw err;
    }
    return this.reassembly.add(part).then(
      (outcome) => outcome,
      (err) => (err instanceof SubmitRefusal ? { status: err.commandStatus, messageId: '' } : Promise.reject(err)),
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.reassembly.flushAll();
    await this.flush();
  }

  private whole(parts: SubmitPart[], complete: boolean): Promise<SubmitOutcome> {
    const request = toSendRequest(parts, complete);
    return new Promise((resolve) => {
      this.queue.push({ request, first: parts[0], resolve });
      if (this.queue.length >= this.config.SMPP_SERVER_MAX_BATCH) void this.flush();
      else if (!this.timer) this.timer = setTimeout(() => void this.flush(), this.config.SMPP_SERVER_BATCH_MS);
    });
  }

  private async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const queued = this.queue;
    this.queue = [];
    if (queued.length === 0) return;
    const byAccount = new Map<string, Queued[]>();
    for (const q of queued) {
      const list = byAccount.get(q.first.accountId);
      if (list) list.push(q);
      else byAccount.set(q.first.accountId, [q]);
    }
    const max = this.config.SMPP_SERVER_MAX_BATCH;
    const chunks = [...byAccount.values()].flatMap((list) => Array.from({ length: Math.ceil(list.length / max) }, (_, i) => list.slice(i * max, (i + 1) * max)));
    const answered = await Promise.all(chunks.map((chunk) => this.sendChunk(chunk)));
    const submissions: Submission[] = [];
    for (let c = 0; c < chunks.length; c++) {
      chunks[c].forEach((q, i) => {
        const outcome = answered[c][i];
        if (outcome.status === 0 && (q.first.registeredDelivery & 0x03) !== 0) {
          submissions.push({ ...q.first, messageId: outcome.messageId });
        }
      });
    }
    try {
      await recordSubmissions(this.pool, submissions);
    } catch (err) {
      // The messages are accepted (ingest has them); only their receipts cannot be promised.
      this.logger.error({ err: (err as Error).message, messages: submissions.length }, 'could not record SMPP submissions for receipts; these messages get no deliver_sm receipt');
    }
    chunks.forEach((chunk, c) => chunk.forEach((q, i) => q.resolve(answered[c][i])));
  }

  private async sendChunk(chunk: Queued[]): Promise<SubmitOutcome[]> {
    this.metrics.batchSize.observe(chunk.length);
    try {
      const results = await this.intake.sendBatch(chunk[0].first.accountId, chunk.map((q) => q.request));
      return chunk.map((_, i) => outcomeOf(results[i]));
    } catch (err) {
      const status = commandStatusOfCallError(err);
      this.logger.warn({ accountId: chunk[0].first.accountId, messages: chunk.length, err: (err as Error).message }, 'SendBatch to ingest failed');
      return chunk.map(() => ({ status, messageId: '' }));
    }
  }
}
