import { Metadata, credentials, loadPackageDefinition, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { join } from 'node:path';
import type {
  AccountDetails,
  AccountPolicy,
  Account,
  ApiKey,
  CancelMessageResponse,
  CreateAccountResponse,
  CreateApiKeyResponse,
  ListAccountsResponse,
  Message,
  SendRequest,
  SendResponse,
} from '@smsgw/shared/util-proto';
import { SMS_PROTO_FILES } from '@smsgw/shared/util-proto';
import { adminTokenFor, apiKeyFor } from './credentials';
import { fail } from './output';

// The CLI runs from anywhere in the checkout; the protos sit at the repository root.
const PROTO_ROOT = join(__dirname, '../../../proto');

type Unary = (req: unknown, metadata: Metadata, options: { deadline: Date }, cb: (err: ServiceError | null, res: unknown) => void) => void;
type ServiceClient = Record<string, Unary> & { close(): void };

/** One sms.v1 service over an insecure channel; every call carries "authorization: Bearer <token>" when a token is given. */
class Client {
  private readonly client: ServiceClient;
  private readonly metadata = new Metadata();

  constructor(service: 'SmsService' | 'AdminService', target: string, token: string) {
    const definition = loadSync(SMS_PROTO_FILES, { includeDirs: [PROTO_ROOT], keepCase: false, longs: Number, defaults: true, oneofs: true });
    const pkg = loadPackageDefinition(definition) as unknown as { sms: { v1: Record<string, new (target: string, creds: unknown) => ServiceClient> } };
    this.client = new pkg.sms.v1[service](target, credentials.createInsecure());
    if (token) this.metadata.set('authorization', `Bearer ${token}`);
  }

  call<Res>(method: string, request: unknown): Promise<Res> {
    const fn = this.client[method];
    return new Promise((resolve, reject) => fn.call(this.client, request, this.metadata, { deadline: new Date(Date.now() + 10_000) }, (err, res) => (err ? reject(err) : resolve(res as Res))));
  }

  close(): void {
    this.client.close();
  }
}

export class SmsClient extends Client {
  constructor(target: string, apiKey: string) {
    super('SmsService', target, apiKey);
  }
  send = (request: Partial<SendRequest>) => this.call<SendResponse>('send', request);
  getMessage = (id: string) => this.call<Message>('getMessage', { id });
  cancelMessage = (id: string) => this.call<CancelMessageResponse>('cancelMessage', { id });
}

export class AdminClient extends Client {
  constructor(target: string, token: string) {
    super('AdminService', target, token);
  }
  createAccount = (name: string) => this.call<CreateAccountResponse>('createAccount', { name });
  listAccounts = () => this.call<ListAccountsResponse>('listAccounts', {});
  getAccount = (account: string) => this.call<AccountDetails>('getAccount', { account });
  setAccountEnabled = (account: string, enabled: boolean) => this.call<Account>('setAccountEnabled', { account, enabled });
  createApiKey = (account: string) => this.call<CreateApiKeyResponse>('createApiKey', { account });
  revokeApiKey = (keyId: string) => this.call<ApiKey>('revokeApiKey', { keyId });
  setAccountPolicy = (account: string, policy: AccountPolicy) => this.call<AccountPolicy>('setAccountPolicy', { account, policy });
}

async function using<C extends Client>(opts: { target: string; json?: boolean }, make: () => C, work: (client: C) => Promise<void>): Promise<void> {
  let client: C | undefined;
  try {
    client = make();
    await work(client);
  } catch (err) {
    fail(err, !!opts.json, opts.target);
  } finally {
    client?.close();
  }
}

/** Runs one command's call(s) with an SmsService client for --target and --api-key; failures become fail()'s one line (or JSON). */
export function withClient(opts: { target: string; apiKey?: string; json?: boolean }, work: (client: SmsClient) => Promise<void>): Promise<void> {
  return using(opts, () => new SmsClient(opts.target, apiKeyFor(opts)), work);
}

/** The same for sms.v1.AdminService with the admin token of --admin-token-file. */
export function withAdmin(opts: { target: string; adminTokenFile?: string; json?: boolean }, work: (client: AdminClient) => Promise<void>): Promise<void> {
  return using(opts, () => new AdminClient(opts.target, adminTokenFor(opts)), work);
}
