// The steady gRPC load and the final-status read shared by the fault suite (chaos.ts) and the soak
// (tools/soak): one driver and one way of counting accepted messages, so their figures compare.
import { Metadata, credentials, loadPackageDefinition, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { isFinal } from '@smsgw/dlr/domain';
import { MessageStatus, type SendBatchResponse } from '@smsgw/shared/util-proto';
import { join } from 'node:path';
import { Client } from 'pg';

const ROOT = join(__dirname, '../..');

/** How long a client goes on retrying a call (same idempotency keys) before it gives up. */
const RETRY_FOR_MS = 120_000;
/** Calls allowed to wait at once; past that the driver holds load back (NOT_SENT) instead of queueing it. */
const MAX_IN_FLIGHT = 64;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type SmsClient = { sendBatch(req: unknown): Promise<SendBatchResponse>; close(): void };

export function smsClient(target: string, apiKey: string): SmsClient {
  const definition = loadSync('sms/v1/sms_service.proto', { includeDirs: [join(ROOT, 'proto')], keepCase: false, longs: Number, defaults: true, oneofs: true });
  const pkg = loadPackageDefinition(definition) as unknown as {
    sms: { v1: { SmsService: new (t: string, c: unknown) => Record<string, (req: unknown, md: Metadata, o: object, cb: (err: ServiceError | null, res: unknown) => void) => void> & { close(): void } } };
  };
  const client = new pkg.sms.v1.SmsService(target, credentials.createInsecure());
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${apiKey}`);
  return {
    sendBatch: (req) => new Promise((resolve, reject) => client['sendBatch'].call(client, req, metadata, { deadline: Date.now() + 10_000 }, (err, res) => (err ? reject(err) : resolve(res as SendBatchResponse)))),
    close: () => client.close(),
  };
}

export interface LoadOptions {
  /** Messages per second offered. */
  rate: number;
  /** Prefix of every text, reference and idempotency key (unique per run). */
  runId: string;
  /** Sender of every message. */
  from: string;
  validitySeconds: number;
}

/**
 * Steady load: a SendBatch every 50 ms, each message with its own idempotency key and text (the
 * simulator finds duplicates by content). A call that fails is tried again with the same keys
 * (as a client would), so a message is either accepted once, or refused with a code.
 */
export class Load {
  private n = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  accepted: string[] = [];
  refused: Record<string, number> = {};

  constructor(
    private readonly client: SmsClient,
    private readonly options: LoadOptions,
  ) {}

  start(): void {
    this.accepted = [];
    this.refused = {};
    const perTick = Math.max(1, Math.round(this.options.rate / 20));
    this.timer = setInterval(() => {
      if (this.inFlight.size >= MAX_IN_FLIGHT) return void this.refuse(`NOT_SENT (${MAX_IN_FLIGHT} calls waiting)`, perTick); // the gateway is not keeping up: not offered
      const p = this.send(perTick).finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }, 50);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(this.inFlight);
  }

  private refuse(code: string, n = 1): void {
    this.refused[code] = (this.refused[code] ?? 0) + n;
  }

  private async send(count: number): Promise<void> {
    const { runId, from, validitySeconds } = this.options;
    let messages = Array.from({ length: count }, () => {
      const i = ++this.n;
      return { to: `+4479${String(10_000_000 + (i % 90_000_000))}`, from, text: `${runId} ${i}`, clientReference: `${runId}-${i}`, idempotencyKey: `${runId}-${i}`, validitySeconds };
    });
    const giveUpAt = Date.now() + RETRY_FOR_MS;
    for (;;) {
      try {
        const res = await this.client.sendBatch({ messages });
        const again: typeof messages = [];
        res.results.forEach((r, k) => {
          if (r.accepted?.id) this.accepted.push(r.accepted.id);
          else if (r.error?.code === 'IDEMPOTENCY.IN_PROGRESS' && Date.now() < giveUpAt) again.push(messages[k]);
          else this.refuse(r.error?.code || 'UNKNOWN');
        });
        if (again.length === 0) return;
        messages = again;
      } catch (err) {
        if (Date.now() >= giveUpAt) return this.refuse(`grpc ${(err as ServiceError).code ?? '?'}`, messages.length);
      }
      await sleep(500);
    }
  }
}

export type FinalState = 'delivered' | 'final' | 'pending';

async function statuses(db: Client, ids: readonly string[]): Promise<Map<string, FinalState>> {
  const out = new Map<string, FinalState>();
  for (let i = 0; i < ids.length; i += 10_000) {
    const { rows } = await db.query<{ id: string; status: number }>('SELECT id, status FROM messages WHERE id = ANY($1)', [ids.slice(i, i + 10_000)]);
    for (const r of rows) out.set(r.id, r.status === MessageStatus.DELIVERED ? 'delivered' : isFinal(r.status) ? 'final' : 'pending');
  }
  return out;
}

/** A database client that reconnects (PostgreSQL may restart under it) and reads messages' final states. */
export function statusReader(url: string) {
  let client: Client | undefined;
  return {
    async query(ids: readonly string[]) {
      try {
        client ??= await (async () => {
          const c = new Client({ connectionString: url });
          c.on('error', () => undefined);
          await c.connect();
          return c;
        })();
        return await statuses(client, ids);
      } catch (err) {
        await client?.end().catch(() => undefined);
        client = undefined;
        throw err;
      }
    },
    end: () => client?.end().catch(() => undefined),
  };
}
