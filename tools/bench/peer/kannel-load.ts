// The Kannel side's load: HTTP sendsms requests to smsbox (one or many recipients each), and a
// local HTTP receiver for the dlr-url callbacks smsbox makes, one per recipient. A message counts
// once its final callback (delivered, undelivered or rejected) has arrived.
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Round } from './measure';
import { percentiles, recipient, textFor } from './workload';

/** Kannel's DLR types (dlr-mask bits): 1 delivered, 2 undelivered, 4 queued, 8 SMSC ack, 16 SMSC reject. */
const DLR_DELIVERED = 1;
/** Only the final outcomes: no callback for "queued" or "accepted by the SMSC". */
export const DLR_MASK_FINAL = 1 | 2 | 16;

interface RoundReceipts {
  /** The first final callback per recipient: its DLR type and when it arrived. */
  finals: Map<string, { type: number; at: number }>;
  repeated: number;
  lastFinalAt: number;
}

/** Counts dlr-url callbacks per round (the path carries the round's id, the query type and recipient). */
export class ReceiptReceiver {
  private readonly rounds = new Map<string, RoundReceipts>();
  private server?: Server;
  private port = 0;

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://receiver');
      const round = this.rounds.get(url.pathname.replace(/^\/dlr\//, ''));
      const to = url.searchParams.get('to');
      if (round && to) {
        if (round.finals.has(to)) round.repeated++;
        else {
          const at = Date.now();
          round.finals.set(to, { type: Number(url.searchParams.get('type')), at });
          round.lastFinalAt = at;
        }
      }
      res.end();
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  /** The dlr-url for a round: smsbox fills in %d (DLR type) and %p (the message's recipient). */
  open(roundId: string): string {
    this.rounds.set(roundId, { finals: new Map(), repeated: 0, lastFinalAt: 0 });
    return `http://127.0.0.1:${this.port}/dlr/${roundId}?type=%d&to=%p`;
  }

  get(roundId: string): RoundReceipts {
    const round = this.rounds.get(roundId);
    if (!round) throw new Error(`no receipts opened for ${roundId}`);
    return round;
  }

  close(roundId: string): void {
    this.rounds.delete(roundId);
  }

  stop(): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections(); // smsbox's kept-alive ones would hold close() open
    });
  }
}

/** smsbox's sendsms interface over kept-alive connections, reused from round to round. */
export class SendsmsClient {
  private readonly agent: Agent;

  constructor(
    private readonly url: string,
    private readonly user: { username: string; password: string },
    concurrency: number,
  ) {
    // smsbox listens with a backlog of 10: opening many connections at once costs 1 s SYN retries,
    // so they are opened once (in the warm-up) and kept.
    this.agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  }

  /** One sendsms request for one or more recipients (smsbox makes one message of each); resolves to the HTTP status. */
  async send(to: string[], text: string, dlrUrl: string, options: { from?: string; dlrMask?: number } = {}): Promise<number> {
    const query = new URLSearchParams({ ...this.user, from: options.from ?? 'BENCH', to: to.join(' '), text, 'dlr-mask': String(options.dlrMask ?? DLR_MASK_FINAL), 'dlr-url': dlrUrl });
    return this.get(`${this.url}?${query}`).catch((err: NodeJS.ErrnoException & { reusedSocket?: boolean }) => {
      // A kept-alive connection the server had just closed: send again once, on a new one.
      if (err.reusedSocket && err.code === 'ECONNRESET') return this.get(`${this.url}?${query}`);
      throw err;
    });
  }

  close(): void {
    this.agent.destroy();
  }

  private get(url: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = request(url, { agent: this.agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', (err) => reject(Object.assign(err, { reusedSocket: req.reusedSocket })));
      req.end();
    });
  }
}

export interface KannelLoad {
  messages: number;
  /** Recipients per sendsms request (1: single; 50: bulk). */
  perRequest: number;
  concurrency: number;
  /** Stop waiting for callbacks after this long without one. */
  graceMs: number;
  /** Messages known never to get a callback (receipts Kannel dropped): no need to wait for those. */
  droppedReceipts?: () => number;
}

export type KannelRound = Omit<Round, 'duplicates' | 'cpuSecondsPer1000' | 'simulator' | 'unmatchedReceipts'>;

/** Sends one round and waits for its callbacks. The rate: delivered / (first request → last callback). */
export async function runKannelRound(client: SendsmsClient, receiver: ReceiptReceiver, load: KannelLoad, roundId: string): Promise<KannelRound> {
  const dlrUrl = receiver.open(roundId);
  const sentAt = new Map<string, number>();
  const requestLatency: number[] = [];
  let accepted = 0;
  let errors = 0;
  let next = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: load.concurrency }, async () => {
      while (next < load.messages) {
        const from = next;
        next += load.perRequest;
        const to = Array.from({ length: Math.min(load.perRequest, load.messages - from) }, (_, k) => recipient(from + k));
        const t0 = performance.now();
        const at = Date.now();
        to.forEach((r) => sentAt.set(r, at));
        const status = await client.send(to, textFor(from), dlrUrl).catch(() => 0);
        requestLatency.push(performance.now() - t0);
        if (status >= 200 && status < 300) accepted += to.length;
        else errors += to.length;
      }
    }),
  );
  const acceptDone = Date.now();

  const round = receiver.get(roundId);
  let lastCount = -1;
  let lastProgress = Date.now();
  const dropped = load.droppedReceipts ?? (() => 0);
  while (round.finals.size + dropped() < accepted && Date.now() - lastProgress < load.graceMs) {
    if (round.finals.size !== lastCount) {
      lastCount = round.finals.size;
      lastProgress = Date.now();
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const finals = [...round.finals.entries()];
  const delivered = finals.filter(([, f]) => f.type === DLR_DELIVERED).length;
  receiver.close(roundId);
  return {
    endToEndPerSec: Math.round(delivered / (Math.max(1, round.lastFinalAt - started) / 1000)),
    acceptedPerSec: Math.round(accepted / (Math.max(1, acceptDone - started) / 1000)),
    messages: load.messages,
    accepted,
    errors,
    delivered,
    failed: finals.length - delivered,
    lost: accepted - finals.length,
    repeatedCallbacks: round.repeated,
    latencyMs: { accept: percentiles(requestLatency), acceptToFinal: percentiles(finals.map(([to, f]) => f.at - (sentAt.get(to) ?? f.at))) },
  };
}
