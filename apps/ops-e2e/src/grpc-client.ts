import { Metadata, credentials, loadPackageDefinition, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import type { SendRequest, SendResponse } from '@smsgw/shared/util-proto';
import { rel } from './ops';

type Unary<Req, Res> = (req: Req, metadata: Metadata, cb: (err: ServiceError | null, res: Res) => void) => void;

/** A plain grpc-js client of sms.v1.SmsService (Send only: the traffic the dashboards show), calling with the API key. */
export function smsClient(target: string, apiKey: string) {
  const definition = loadSync('sms/v1/sms_service.proto', { includeDirs: [rel('proto')], keepCase: false, longs: Number, defaults: true, oneofs: true });
  const pkg = loadPackageDefinition(definition) as unknown as { sms: { v1: { SmsService: new (t: string, c: unknown) => Record<string, Unary<unknown, unknown>> & { close(): void } } } };
  const client = new pkg.sms.v1.SmsService(target, credentials.createInsecure());
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${apiKey}`);
  return {
    send: (req: Partial<SendRequest>) => new Promise<SendResponse>((resolve, reject) => (client['send'] as Unary<Partial<SendRequest>, SendResponse>).call(client, req, metadata, (err, res) => (err ? reject(err) : resolve(res)))),
    close: () => client.close(),
  };
}
