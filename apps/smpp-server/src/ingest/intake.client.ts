import { Metadata, credentials, loadPackageDefinition, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { CONFIG } from '@smsgw/shared/feature-ops';
import { PROTO_ROOT, type SendRequest, type SendResult } from '@smsgw/shared/util-proto';
import { readFileSync } from 'node:fs';
import type { SmppServerEnv } from '../env';

type SendBatch = (req: unknown, metadata: Metadata, options: { deadline: Date }, cb: (err: ServiceError | null, res: { results: SendResult[] }) => void) => void;
const DEADLINE_MS = 10_000;
const TOKEN_REREAD_MS = 1000;

/**
 * ingest's SendBatch as a trusted intake channel: the intake token (SMPP_SERVER_INTAKE_TOKEN_FILE)
 * plus the bound account's id, so each message gets ingest's validation, policy, rate limits and
 * error codes as the account's own (channel SMPP). The token file is re-read at most once a second.
 */
@Injectable()
export class IntakeClient implements OnApplicationShutdown {
  private readonly client: { sendBatch: SendBatch; close(): void };
  private token = { value: '', readAtMs: 0 };

  constructor(@Inject(CONFIG) private readonly config: SmppServerEnv) {
    const definition = loadSync('sms/v1/sms_service.proto', { includeDirs: [PROTO_ROOT], keepCase: false, longs: Number, defaults: true, oneofs: true });
    const pkg = loadPackageDefinition(definition) as unknown as { sms: { v1: { SmsService: new (target: string, creds: unknown) => { sendBatch: SendBatch; close(): void } } } };
    this.client = new pkg.sms.v1.SmsService(config.SMPP_SERVER_INGEST_TARGET, credentials.createInsecure());
  }

  /** One SendBatch for the account: one result per message, in order; rejects with the ServiceError. */
  sendBatch(accountId: string, messages: SendRequest[]): Promise<SendResult[]> {
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${this.intakeToken()}`);
    metadata.set('smsgw-intake-account', accountId);
    metadata.set('smsgw-intake-channel', 'smpp');
    return new Promise((resolve, reject) =>
      this.client.sendBatch({ messages }, metadata, { deadline: new Date(Date.now() + DEADLINE_MS) }, (err, res) => (err ? reject(err) : resolve(res.results))),
    );
  }

  onApplicationShutdown(): void {
    this.client.close();
  }

  private intakeToken(): string {
    const now = Date.now();
    if (now - this.token.readAtMs >= TOKEN_REREAD_MS) {
      let value = '';
      try {
        value = readFileSync(this.config.SMPP_SERVER_INTAKE_TOKEN_FILE, 'utf8').trim();
      } catch {
        // ingest answers UNAUTHENTICATED [AUTH.INVALID_INTAKE_TOKEN]; the start log names the file.
      }
      this.token = { value, readAtMs: now };
    }
    return this.token.value;
  }
}
