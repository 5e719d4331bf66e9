import { Metadata, credentials, loadPackageDefinition, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import { execFile } from 'node:child_process';
import { loadSync } from '@grpc/proto-loader';
import { join } from 'node:path';
import type { CancelMessageResponse, InboundSms, Message, SendBatchRequest, SendBatchResponse, SendRequest, SendResponse, StatusUpdate } from '@smsgw/shared/util-proto';

// The launcher is a plain script shared with npm start and the benchmark, not a library.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startStack, ROOT } = require(join(__dirname, '../../../tools/stack.cjs')) as {
  ROOT: string;
  startStack(options: Record<string, unknown>): Promise<{
    stop(): Promise<void>;
    apps: { name: string; logFile: string; httpPort: number }[];
    /** child: the app's current process (a restart replaces it) */
    processes: { app: { name: string }; child: import('node:child_process').ChildProcess }[];
    apiKey: string;
    adminTokenFile: string;
  }>;
};
export { startStack, ROOT };

type Unary<Req, Res> = (req: Req, metadata: Metadata, cb: (err: ServiceError | null, res: Res) => void) => void;

/** A plain grpc-js client of sms.v1.SmsService, as an internal service would use it: every call with the API key (none: no authorization metadata). */
export function smsClient(target: string, apiKey?: string) {
  const definition = loadSync('sms/v1/sms_service.proto', { includeDirs: [join(ROOT, 'proto')], keepCase: false, longs: Number, defaults: true, oneofs: true });
  const pkg = loadPackageDefinition(definition) as unknown as { sms: { v1: { SmsService: new (t: string, c: unknown) => Record<string, Unary<unknown, unknown>> & { close(): void } } } };
  const client = new pkg.sms.v1.SmsService(target, credentials.createInsecure());
  const metadata = new Metadata();
  if (apiKey !== undefined) metadata.set('authorization', `Bearer ${apiKey}`);
  const call =
    <Req, Res>(method: string) =>
    (req: Req) =>
      new Promise<Res>((resolve, reject) => (client[method] as Unary<Req, Res>).call(client, req, metadata, (err, res) => (err ? reject(err) : resolve(res))));
  return {
    send: call<Partial<SendRequest>, SendResponse>('send'),
    sendBatch: call<Partial<SendBatchRequest>, SendBatchResponse>('sendBatch'),
    getMessage: call<{ id: string }, Message>('getMessage'),
    cancelMessage: call<{ id: string }, CancelMessageResponse>('cancelMessage'),
    /** The updates WatchStatus streams until the stream ends or the deadline passes, and how it ended. */
    watchStatus: (ids: string[], deadlineMs: number) =>
      new Promise<{ updates: StatusUpdate[]; error?: ServiceError }>((resolve) => {
        const watch = (client as unknown as Record<string, (req: unknown, md: Metadata, o: object) => ClientReadableStream<StatusUpdate>>)['watchStatus'];
        const stream = watch.call(client, { ids }, metadata, { deadline: new Date(Date.now() + deadlineMs) });
        const updates: StatusUpdate[] = [];
        stream.on('data', (u: StatusUpdate) => updates.push(u));
        stream.on('error', (error: ServiceError) => resolve({ updates, error }));
        stream.on('end', () => resolve({ updates }));
      }),
    /** A WatchInbound stream: the messages so far (filled as they come), and cancel() to end it. */
    watchInbound: (afterId = '') => {
      const watch = (client as unknown as Record<string, (req: unknown, md: Metadata) => ClientReadableStream<InboundSms>>)['watchInbound'];
      const stream = watch.call(client, { afterId }, metadata);
      const received: InboundSms[] = [];
      const state: { error?: ServiceError } = {};
      stream.on('data', (m: InboundSms) => received.push(m));
      stream.on('error', (error: ServiceError) => (state.error = error));
      return { received, state, cancel: () => stream.cancel() };
    },
    close: () => client.close(),
  };
}

/** Runs the smsgw CLI (from source, as `npx smsgw` does); resolves with its exit code and output. */
export function smsgw(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [join(ROOT, 'tools/smsgw.js'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

export async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await fn();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}
