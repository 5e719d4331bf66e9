import { Metadata, credentials, loadPackageDefinition, status, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { CONFIG } from '@smsgw/shared/feature-ops';
import { PROTO_ROOT, type CallerAccount, type SendRequest, type SendResult, type StatusUpdate } from '@smsgw/shared/util-proto';
import type { EmailEnv } from '../env';

type Unary = (req: unknown, metadata: Metadata, options: { deadline: Date }, cb: (err: ServiceError | null, res: unknown) => void) => void;
type SmsServiceClient = Record<string, Unary> & { close(): void };

const DEADLINE_MS = 10_000;

/**
 * ingest's public sms.v1.SmsService, called with the API key the mail's sender gave at SMTP AUTH
 * ("authorization: Bearer <key>"), so the mail gets ingest's authentication, policy, rate limits
 * and idempotency like any other caller. One channel for all sessions (grpc-js multiplexes).
 */
@Injectable()
export class IngestClient implements OnApplicationShutdown {
  private readonly client: SmsServiceClient;

  constructor(@Inject(CONFIG) config: EmailEnv) {
    const definition = loadSync('sms/v1/sms_service.proto', { includeDirs: [PROTO_ROOT], keepCase: false, longs: Number, defaults: true, oneofs: true });
    const pkg = loadPackageDefinition(definition) as unknown as { sms: { v1: { SmsService: new (target: string, creds: unknown) => SmsServiceClient } } };
    this.client = new pkg.sms.v1.SmsService(config.EMAIL_INGEST_TARGET, credentials.createInsecure());
  }

  /** The key's account and policy; rejects with the ServiceError (UNAUTHENTICATED, PERMISSION_DENIED, UNAVAILABLE…). */
  callerAccount(apiKey: string): Promise<CallerAccount> {
    return this.call('getCallerAccount', apiKey, {});
  }

  /** One SendBatch: one result per message, in order. */
  async sendBatch(apiKey: string, messages: SendRequest[]): Promise<SendResult[]> {
    return (await this.call<{ results: SendResult[] }>('sendBatch', apiKey, { messages })).results;
  }

  /**
   * WatchStatus until every message is final or the deadline passes: the latest update of each
   * (a message with no update is missing). Never rejects for the deadline; other errors reject.
   */
  watchStatus(apiKey: string, ids: string[], deadlineMs: number, signal: AbortSignal): Promise<Map<string, StatusUpdate>> {
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${apiKey}`);
    const watch = this.client['watchStatus'] as unknown as (req: unknown, md: Metadata, o: object) => ClientReadableStream<StatusUpdate>;
    const stream = watch.call(this.client, { ids }, metadata, { deadline: new Date(Date.now() + deadlineMs) });
    const latest = new Map<string, StatusUpdate>();
    const stop = () => stream.cancel();
    signal.addEventListener('abort', stop, { once: true });
    return new Promise((resolve, reject) => {
      stream.on('data', (u: StatusUpdate) => latest.set(u.id, u));
      stream.on('end', () => (signal.removeEventListener('abort', stop), resolve(latest)));
      stream.on('error', (err: ServiceError) => {
        signal.removeEventListener('abort', stop);
        if (err.code === status.DEADLINE_EXCEEDED || err.code === status.CANCELLED) resolve(latest);
        else reject(err);
      });
    });
  }

  onApplicationShutdown(): void {
    this.client.close();
  }

  private call<Res>(method: string, apiKey: string, request: unknown): Promise<Res> {
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${apiKey}`);
    return new Promise((resolve, reject) =>
      this.client[method].call(this.client, request, metadata, { deadline: new Date(Date.now() + DEADLINE_MS) }, (err, res) => (err ? reject(err) : resolve(res as Res))),
    );
  }
}

export const isServiceError = (err: unknown): err is ServiceError => typeof (err as ServiceError)?.code === 'number' && 'details' in (err as object);
export { status as GrpcStatus };
