import { credentials, loadPackageDefinition, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { join } from 'node:path';
import type { CancelMessageResponse, Message, SendBatchRequest, SendBatchResponse, SendRequest, SendResponse } from '@smsgw/shared/util-proto';

// The launcher is a plain script shared with npm start and the benchmark, not a library.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startStack, ROOT } = require(join(__dirname, '../../../tools/stack.cjs')) as {
  ROOT: string;
  startStack(options: Record<string, unknown>): Promise<{
    stop(): Promise<void>;
    apps: { name: string; logFile: string; httpPort: number }[];
    /** child: the app's current process (a restart replaces it) */
    processes: { app: { name: string }; child: import('node:child_process').ChildProcess }[];
  }>;
};
export { startStack, ROOT };

type Unary<Req, Res> = (req: Req, cb: (err: ServiceError | null, res: Res) => void) => void;

/** A plain grpc-js client of sms.v1.SmsService, as an internal service would use it. */
export function smsClient(target: string) {
  const definition = loadSync('sms/v1/sms_service.proto', { includeDirs: [join(ROOT, 'proto')], keepCase: false, longs: Number, defaults: true, oneofs: true });
  const pkg = loadPackageDefinition(definition) as unknown as { sms: { v1: { SmsService: new (t: string, c: unknown) => Record<string, Unary<unknown, unknown>> & { close(): void } } } };
  const client = new pkg.sms.v1.SmsService(target, credentials.createInsecure());
  const call =
    <Req, Res>(method: string) =>
    (req: Req) =>
      new Promise<Res>((resolve, reject) => (client[method] as Unary<Req, Res>).call(client, req, (err, res) => (err ? reject(err) : resolve(res))));
  return {
    send: call<Partial<SendRequest>, SendResponse>('send'),
    sendBatch: call<Partial<SendBatchRequest>, SendBatchResponse>('sendBatch'),
    getMessage: call<{ id: string }, Message>('getMessage'),
    cancelMessage: call<{ id: string }, CancelMessageResponse>('cancelMessage'),
    close: () => client.close(),
  };
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
