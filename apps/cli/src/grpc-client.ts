import { Metadata, loadPackageDefinition, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { join } from 'node:path';
import type {
  HeldMessagesOutcome,
  ListHeldMessagesResponse,
  AccountBalance,
  AccountDetails,
  AccountPolicy,
  Account,
  ApiKey,
  CancelMessageResponse,
  CreateAccountResponse,
  CreateApiKeyResponse,
  ExplainRouteRequest,
  ImportRateCardRequest,
  ImportRoutesRequest,
  ListRoutingConfigVersionsResponse,
  RoutingConfigChange,
  RoutingConfigVersion,
  ListAccountsResponse,
  ListUnmatchedReceiptsResponse,
  ListRateCardsResponse,
  RateCardDetails,
  RateCardSummary,
  RouteExplanation,
  Message,
  SendRequest,
  SendResponse,
  Usage,
  InboundNumber,
  InboundSettings,
  ListNumbersResponse,
  ListOptOutsResponse,
  OptOut,
  CreateSmppCredentialResponse,
  ListSmppCredentialsResponse,
  SmppCredential,
} from '@smsgw/shared/util-proto';
import { SMS_PROTO_FILES } from '@smsgw/shared/util-proto';
import { adminTokenFor, apiKeyFor, channelCredentials, type TlsOptions } from './credentials';
import { fail } from './output';

// The CLI runs from anywhere in the checkout; the protos sit at the repository root.
const PROTO_ROOT = join(__dirname, '../../../proto');

type Unary = (req: unknown, metadata: Metadata, options: { deadline: Date }, cb: (err: ServiceError | null, res: unknown) => void) => void;
type ServiceClient = Record<string, Unary> & { close(): void };

/** One sms.v1 service (plaintext, or TLS with --tls/--ca/--cert); every call carries "authorization: Bearer <token>" when a token is given. */
class Client {
  private readonly client: ServiceClient;
  private readonly metadata = new Metadata();

  constructor(service: 'SmsService' | 'AdminService', target: string, token: string, creds: ChannelCredentials) {
    const definition = loadSync(SMS_PROTO_FILES, { includeDirs: [PROTO_ROOT], keepCase: false, longs: Number, defaults: true, oneofs: true });
    const pkg = loadPackageDefinition(definition) as unknown as { sms: { v1: Record<string, new (target: string, creds: unknown) => ServiceClient> } };
    this.client = new pkg.sms.v1[service](target, creds);
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
  constructor(target: string, apiKey: string, creds: ChannelCredentials) {
    super('SmsService', target, apiKey, creds);
  }
  send = (request: Partial<SendRequest>) => this.call<SendResponse>('send', request);
  getMessage = (id: string) => this.call<Message>('getMessage', { id });
  cancelMessage = (id: string) => this.call<CancelMessageResponse>('cancelMessage', { id });
  getUsage = (fromDay: string, toDay: string) => this.call<Usage>('getUsage', { fromDay, toDay });
}

export class AdminClient extends Client {
  constructor(target: string, token: string, creds: ChannelCredentials) {
    super('AdminService', target, token, creds);
  }
  createAccount = (name: string) => this.call<CreateAccountResponse>('createAccount', { name });
  listAccounts = () => this.call<ListAccountsResponse>('listAccounts', {});
  getAccount = (account: string) => this.call<AccountDetails>('getAccount', { account });
  setAccountEnabled = (account: string, enabled: boolean) => this.call<Account>('setAccountEnabled', { account, enabled });
  createApiKey = (account: string) => this.call<CreateApiKeyResponse>('createApiKey', { account });
  revokeApiKey = (keyId: string) => this.call<ApiKey>('revokeApiKey', { keyId });
  createSmppCredential = (account: string, systemId: string) => this.call<CreateSmppCredentialResponse>('createSmppCredential', { account, systemId });
  listSmppCredentials = (account: string) => this.call<ListSmppCredentialsResponse>('listSmppCredentials', { account });
  revokeSmppCredential = (systemId: string) => this.call<SmppCredential>('revokeSmppCredential', { systemId });
  setAccountPolicy = (account: string, policy: AccountPolicy) => this.call<AccountPolicy>('setAccountPolicy', { account, policy });
  getAccountUsage = (account: string, fromDay: string, toDay: string) => this.call<Usage>('getAccountUsage', { account, fromDay, toDay });
  getAccountBalance = (account: string) => this.call<AccountBalance>('getAccountBalance', { account });
  creditAccount = (account: string, amountMicros: number, currency: string, note: string) => this.call<AccountBalance>('creditAccount', { account, amountMicros, currency, note });
  setCreditLimit = (account: string, creditLimitMicros: number, currency: string) => this.call<AccountBalance>('setCreditLimit', { account, creditLimitMicros, currency });
  addNumber = (account: string, number: string, keyword: string) => this.call<InboundNumber>('addNumber', { account, number, keyword });
  listNumbers = (account: string) => this.call<ListNumbersResponse>('listNumbers', { account });
  removeNumber = (number: string, keyword: string) => this.call<InboundNumber>('removeNumber', { number, keyword });
  setInboundSettings = (account: string, settings: InboundSettings) => this.call<InboundSettings>('setInboundSettings', { account, settings });
  listOptOuts = (account: string) => this.call<ListOptOutsResponse>('listOptOuts', { account });
  addOptOut = (account: string, number: string, sender: string) => this.call<OptOut>('addOptOut', { account, number, sender });
  removeOptOut = (account: string, number: string, sender: string) => this.call<OptOut>('removeOptOut', { account, number, sender });
  listHeldMessages = (account: string, country: string, limit: number) => this.call<ListHeldMessagesResponse>('listHeldMessages', { account, country, limit });
  releaseHeldMessages = (selection: { ids?: string[]; account?: string; country?: string }) => this.call<HeldMessagesOutcome>('releaseHeldMessages', selection);
  rejectHeldMessages = (selection: { ids?: string[]; account?: string; country?: string }) => this.call<HeldMessagesOutcome>('rejectHeldMessages', selection);
  listUnmatchedReceipts = (carrierId: string, limit: number) => this.call<ListUnmatchedReceiptsResponse>('listUnmatchedReceipts', { carrierId, limit });
  importRateCard = (request: Partial<ImportRateCardRequest>) => this.call<RateCardSummary>('importRateCard', request);
  listRateCards = (carrier: string) => this.call<ListRateCardsResponse>('listRateCards', { carrier });
  getRateCard = (carrier: string, version: number) => this.call<RateCardDetails>('getRateCard', { carrier, version });
  explainRoute = (request: Partial<ExplainRouteRequest>) => this.call<RouteExplanation>('explainRoute', request);
  importRoutes = (request: ImportRoutesRequest) => this.call<RoutingConfigChange>('importRoutes', request);
  listRoutingConfigVersions = (limit: number) => this.call<ListRoutingConfigVersionsResponse>('listRoutingConfigVersions', { limit });
  getRoutingConfigVersion = (version: number) => this.call<RoutingConfigVersion>('getRoutingConfigVersion', { version });
  rollbackRoutingConfig = (version: number, comment: string, author: string) => this.call<RoutingConfigChange>('rollbackRoutingConfig', { version, comment, author });
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
export function withClient(opts: { target: string; apiKey?: string; json?: boolean } & TlsOptions, work: (client: SmsClient) => Promise<void>): Promise<void> {
  return using(opts, () => new SmsClient(opts.target, apiKeyFor(opts), channelCredentials(opts)), work);
}

/** The same for sms.v1.AdminService with the admin token of --admin-token-file. */
export function withAdmin(opts: { target: string; adminTokenFile?: string; json?: boolean } & TlsOptions, work: (client: AdminClient) => Promise<void>): Promise<void> {
  return using(opts, () => new AdminClient(opts.target, adminTokenFor(opts), channelCredentials(opts)), work);
}
