import { credentials, loadPackageDefinition, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { join } from 'node:path';
import type { CancelMessageRequest, CancelMessageResponse, GetMessageRequest, Message, SendRequest, SendResponse } from '@smsgw/shared/util-proto';
import { SMS_PROTO_FILES } from '@smsgw/shared/util-proto';
import { fail } from './output';

// The CLI runs from anywhere in the checkout; the protos sit at the repository root.
const PROTO_ROOT = join(__dirname, '../../../proto');

type Unary<Req, Res> = (req: Req, options: { deadline: Date }, cb: (err: ServiceError | null, res: Res) => void) => void;
interface SmsServiceClient {
  send: Unary<SendRequest, SendResponse>;
  getMessage: Unary<GetMessageRequest, Message>;
  cancelMessage: Unary<CancelMessageRequest, CancelMessageResponse>;
  close(): void;
}

export class SmsClient {
  private readonly client: SmsServiceClient;

  constructor(readonly target: string) {
    const definition = loadSync(SMS_PROTO_FILES, { includeDirs: [PROTO_ROOT], keepCase: false, longs: Number, defaults: true, oneofs: true });
    const pkg = loadPackageDefinition(definition) as unknown as { sms: { v1: { SmsService: new (target: string, creds: unknown) => SmsServiceClient } } };
    this.client = new pkg.sms.v1.SmsService(target, credentials.createInsecure());
  }

  send(request: Partial<SendRequest>): Promise<SendResponse> {
    return this.call('send', request as SendRequest);
  }

  getMessage(id: string): Promise<Message> {
    return this.call('getMessage', { id });
  }

  cancelMessage(id: string): Promise<CancelMessageResponse> {
    return this.call('cancelMessage', { id });
  }

  close(): void {
    this.client.close();
  }

  private call<Req, Res>(method: 'send' | 'getMessage' | 'cancelMessage', request: Req): Promise<Res> {
    const fn = this.client[method] as unknown as Unary<Req, Res>;
    return new Promise((resolve, reject) => fn.call(this.client, request, { deadline: new Date(Date.now() + 10_000) }, (err, res) => (err ? reject(err) : resolve(res))));
  }
}

/** Runs one command's call(s) with a client for --target; failures become fail()'s one line (or JSON). */
export async function withClient(opts: { target: string; json?: boolean }, work: (client: SmsClient) => Promise<void>): Promise<void> {
  const client = new SmsClient(opts.target);
  try {
    await work(client);
  } catch (err) {
    fail(err, !!opts.json, opts.target);
  } finally {
    client.close();
  }
}
