import type { Metadata } from '@grpc/grpc-js';
import { Controller, Inject } from '@nestjs/common';
import { createAccount, createKey, createSmppCredential, creditAccount, getAccount, getBalance, getPolicy, listAccounts, listKeys, listSmppCredentials, revokeKey, revokeSmppCredential, setAccountEnabled, setCreditLimit, setPolicy, type Account, type ApiKeyInfo, type Balance, type SmppCredentialInfo } from '@smsgw/accounts/data-access-store';
import { type PumpingMode, AccountError, DEFAULT_POLICY, PUMPING_HOLD } from '@smsgw/accounts/domain';
import { getRateCard, listRateCards } from '@smsgw/routing/data-access-config';
import { status } from '@grpc/grpc-js';
import { RpcException } from '@nestjs/microservices';
import { CONFIG, LOGGER, PG_POOL } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import {
  AccountBalance,
  AccountDetails,
  AccountPolicy,
  CreditAccountRequest,
  GetAccountBalanceRequest,
  SetCreditLimitRequest,
  AdminServiceController,
  AdminServiceControllerMethods,
  Account as AccountMessage,
  ApiKey,
  CreateAccountRequest,
  CreateAccountResponse,
  CreateApiKeyRequest,
  CreateApiKeyResponse,
  ExplainRouteRequest,
  GetAccountRequest,
  GetRateCardRequest,
  GetRoutingConfigVersionRequest,
  ImportRateCardRequest,
  ImportRoutesRequest,
  ListRoutingConfigVersionsRequest,
  ListRoutingConfigVersionsResponse,
  RollbackRoutingConfigRequest,
  RoutingConfigChange,
  RoutingConfigVersion,
  ListAccountsResponse,
  ListUnmatchedReceiptsRequest,
  ListUnmatchedReceiptsResponse,
  ListRateCardsRequest,
  ListRateCardsResponse,
  RateCardDetails,
  RateCardSummary,
  RouteExplanation,
  RevokeApiKeyRequest,
  SetAccountEnabledRequest,
  SetAccountPolicyRequest,
  GetAccountUsageRequest,
  Usage,
  AddNumberRequest,
  InboundNumber,
  InboundSettings,
  ListNumbersRequest,
  ListNumbersResponse,
  ListOptOutsRequest,
  ListOptOutsResponse,
  OptOut,
  OptOutRequest,
  RemoveNumberRequest,
  SetInboundSettingsRequest,
  CreateSmppCredentialRequest,
  CreateSmppCredentialResponse,
  ListSmppCredentialsRequest,
  ListSmppCredentialsResponse,
  RevokeSmppCredentialRequest,
  SmppCredential,
  HeldMessagesOutcome,
  HeldMessagesSelection,
  ListHeldMessagesRequest,
  ListHeldMessagesResponse,
} from '@smsgw/shared/util-proto';
import { SchedulerService } from '../schedule-message/scheduler.service';
import { ScheduleStore, type HoldSelection } from '../schedule-message/schedule.store';
import { addNumber, addOptOut, getInboundSettings, listNumbers, listOptOuts, removeNumber, removeOptOut, setInboundSettings } from '@smsgw/twoway/data-access-store';
import { DEFAULT_INBOUND_SETTINGS, parseHandset, type OptOutScope } from '@smsgw/twoway/domain';
import type { IngestEnv } from '../env';
import { IngestMetrics } from '../send-message/ingest.metrics';
import { listUnmatchedReceipts } from '@smsgw/status/data-access-store';
import type { Pool } from 'pg';
import { AdminToken } from '../authenticate/admin-token';
import { UsageReader } from '../get-usage/usage.reader';
import { RoutingView } from '../explain-route/routing-view.service';
import { detailsMessage, rateCardFromRequest, summaryMessage } from '../import-rate-card/rate-card-request';
import { RoutingConfigAdmin } from '../routing-config/routing-config.admin';
import { toRpcError } from './rpc-errors';

const account = (a: Account): AccountMessage => ({ id: a.id, name: a.name, enabled: a.enabled, createdAtMs: a.createdAtMs });
const smppCredential = (c: SmppCredentialInfo): SmppCredential => ({ systemId: c.systemId, accountId: c.accountId, createdAtMs: c.createdAtMs, revokedAtMs: c.revokedAtMs });
const apiKey = (k: ApiKeyInfo): ApiKey => ({ keyId: k.keyId, accountId: k.accountId, createdAtMs: k.createdAtMs, revokedAtMs: k.revokedAtMs, lastUsedAtMs: k.lastUsedAtMs });

const balanceMessage = (accountId: string, b: Balance | undefined): AccountBalance =>
  b ? { accountId, limited: true, currency: b.currency, balanceMicros: b.balanceMicros, creditLimitMicros: b.creditLimitMicros, reservedMicros: b.reservedMicros, availableMicros: b.availableMicros, spentMicros: b.spentMicros } : AccountBalance.create({ accountId });

/** A country of a hold selection: ISO 3166 alpha-2, any case; '' for every country. */
function holdCountry(country: string): string {
  const c = country.trim().toUpperCase();
  if (c !== '' && !/^[A-Z]{2}$/.test(c)) throw new AccountError('ACCOUNT.INVALID_HOLD_SELECTION', `country "${country.slice(0, 10)}" is not an ISO 3166 alpha-2 code, e.g. GB`);
  return c;
}

const UNMATCHED_DEFAULT_LIMIT = 100;
const UNMATCHED_MAX_LIMIT = 1000;

/** sms.v1.AdminService: accounts and API keys, rate cards and ExplainRoute, unmatched receipts, behind the admin token. */
@Controller()
@AdminServiceControllerMethods()
export class AdminGrpcController implements AdminServiceController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly token: AdminToken,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly usage: UsageReader,
    @Inject(CONFIG) private readonly config: IngestEnv,
    private readonly metrics: IngestMetrics,
    private readonly routing: RoutingView,
    private readonly scheduler: SchedulerService,
    private readonly schedule: ScheduleStore,
    private readonly routingConfig: RoutingConfigAdmin,
  ) {}

  listHeldMessages(request: ListHeldMessagesRequest, metadata?: Metadata): Promise<ListHeldMessagesResponse> {
    return this.admin(metadata, 'list held messages', async () => {
      const accountId = request.account ? (await getAccount(this.pool, request.account)).id : '';
      const limit = Math.min(request.limit || PUMPING_HOLD.defaultListed, PUMPING_HOLD.maxListed);
      const { rows, total } = await this.schedule.listHeld(accountId, holdCountry(request.country), limit);
      return { messages: rows.map((r) => ({ id: r.messageId, accountId: r.accountId, country: r.country, acceptedAtMs: r.acceptedAtMs, heldUntilMs: r.heldUntilMs })), total };
    });
  }

  releaseHeldMessages(request: HeldMessagesSelection, metadata?: Metadata): Promise<HeldMessagesOutcome> {
    return this.admin(metadata, 'release held messages', async () => {
      const ids = await this.scheduler.releaseHeld(await this.holdSelection(request));
      this.logger.info({ messages: ids.length, accountId: request.account || undefined, country: request.country || undefined }, 'held messages released by an operator');
      return { ids };
    });
  }

  rejectHeldMessages(request: HeldMessagesSelection, metadata?: Metadata): Promise<HeldMessagesOutcome> {
    return this.admin(metadata, 'reject held messages', async () => {
      const ids = await this.scheduler.rejectHeld(await this.holdSelection(request));
      this.logger.info({ messages: ids.length, accountId: request.account || undefined, country: request.country || undefined }, 'held messages rejected by an operator');
      return { ids };
    });
  }

  private async holdSelection(request: HeldMessagesSelection): Promise<HoldSelection> {
    const ids = request.ids.filter((id) => id !== '');
    if (ids.length > 0 === !!request.account) throw new AccountError('ACCOUNT.INVALID_HOLD_SELECTION', 'name held messages by id, or an account (with or without a country), not both or neither');
    if (ids.length > PUMPING_HOLD.maxListed) throw new AccountError('ACCOUNT.INVALID_HOLD_SELECTION', `at most ${PUMPING_HOLD.maxListed} ids at once; name the account and country to take all of them`);
    if (ids.length > 0) {
      if (request.country) throw new AccountError('ACCOUNT.INVALID_HOLD_SELECTION', 'a country goes with an account, not with ids');
      return { ids };
    }
    return { accountId: (await getAccount(this.pool, request.account)).id, country: holdCountry(request.country) };
  }

  createAccount(request: CreateAccountRequest, metadata?: Metadata): Promise<CreateAccountResponse> {
    return this.admin(metadata, 'create account', async () => {
      const created = await createAccount(this.pool, request.name);
      this.logger.info({ accountId: created.account.id, keyId: created.key.keyId }, 'account created');
      return { account: account(created.account), apiKey: created.apiKey, key: apiKey(created.key) };
    });
  }

  listAccounts(_request: unknown, metadata?: Metadata): Promise<ListAccountsResponse> {
    return this.admin(metadata, 'list accounts', async () => ({ accounts: (await listAccounts(this.pool)).map(account) }));
  }

  getAccount(request: GetAccountRequest, metadata?: Metadata): Promise<AccountDetails> {
    return this.admin(metadata, 'show account', async () => {
      const found = await getAccount(this.pool, request.account);
      const [keys, policy, inbound] = await Promise.all([listKeys(this.pool, found.id), getPolicy(this.pool, found.id), getInboundSettings(this.pool, found.id)]);
      return { account: account(found), keys: keys.map(apiKey), policy, inbound };
    });
  }

  setAccountEnabled(request: SetAccountEnabledRequest, metadata?: Metadata): Promise<AccountMessage> {
    return this.admin(metadata, 'enable or disable account', async () => {
      const changed = await setAccountEnabled(this.pool, request.account, request.enabled);
      this.logger.info({ accountId: changed.id, enabled: changed.enabled }, request.enabled ? 'account enabled' : 'account disabled');
      return account(changed);
    });
  }

  createApiKey(request: CreateApiKeyRequest, metadata?: Metadata): Promise<CreateApiKeyResponse> {
    return this.admin(metadata, 'create key', async () => {
      const created = await createKey(this.pool, request.account);
      this.logger.info({ accountId: created.key.accountId, keyId: created.key.keyId }, 'API key created');
      return { apiKey: created.apiKey, key: apiKey(created.key) };
    });
  }

  revokeApiKey(request: RevokeApiKeyRequest, metadata?: Metadata): Promise<ApiKey> {
    return this.admin(metadata, 'revoke key', async () => {
      const revoked = await revokeKey(this.pool, request.keyId);
      this.logger.info({ accountId: revoked.accountId, keyId: revoked.keyId }, 'API key revoked');
      return apiKey(revoked);
    });
  }

  setAccountPolicy(request: SetAccountPolicyRequest, metadata?: Metadata): Promise<AccountPolicy> {
    return this.admin(metadata, 'set account policy', async () => {
      // The mode is a string on the wire; setPolicy validates it (ACCOUNT.INVALID_POLICY).
      const asked = request.policy ? { ...request.policy, pumpingMode: request.policy.pumpingMode as PumpingMode } : DEFAULT_POLICY;
      const { account: changed, policy } = await setPolicy(this.pool, request.account, asked);
      this.logger.info({ accountId: changed.id, policy }, 'account policy set');
      return policy;
    });
  }

  getAccountUsage(request: GetAccountUsageRequest, metadata?: Metadata): Promise<Usage> {
    return this.admin(metadata, 'read account usage', async () => this.usage.usage((await getAccount(this.pool, request.account)).id, request.fromDay, request.toDay));
  }

  getAccountBalance(request: GetAccountBalanceRequest, metadata?: Metadata): Promise<AccountBalance> {
    return this.admin(metadata, 'read account balance', async () => {
      const { id } = await getAccount(this.pool, request.account);
      return balanceMessage(id, await getBalance(this.pool, id));
    });
  }

  creditAccount(request: CreditAccountRequest, metadata?: Metadata): Promise<AccountBalance> {
    return this.admin(metadata, 'credit account', async () => {
      const { id } = await getAccount(this.pool, request.account);
      await creditAccount(this.pool, id, request.amountMicros, request.currency || (await this.balanceCurrency(id)), request.note);
      this.logger.info({ accountId: id, amountMicros: request.amountMicros, currency: request.currency }, 'account credited');
      return balanceMessage(id, await getBalance(this.pool, id));
    });
  }

  setCreditLimit(request: SetCreditLimitRequest, metadata?: Metadata): Promise<AccountBalance> {
    return this.admin(metadata, 'set credit limit', async () => {
      const { id } = await getAccount(this.pool, request.account);
      await setCreditLimit(this.pool, id, request.creditLimitMicros, request.currency || (await this.balanceCurrency(id)));
      this.logger.info({ accountId: id, creditLimitMicros: request.creditLimitMicros }, 'credit limit set');
      return balanceMessage(id, await getBalance(this.pool, id));
    });
  }

  /** A credit without a currency: the balance's, else the routes' (what messages are priced in). */
  private async balanceCurrency(accountId: string): Promise<string> {
    return (await getBalance(this.pool, accountId))?.currency ?? this.routing.currency();
  }

  addNumber(request: AddNumberRequest, metadata?: Metadata): Promise<InboundNumber> {
    return this.admin(metadata, 'add number', async () => {
      const added = await addNumber(this.pool, request.account, request.number, request.keyword);
      this.logger.info({ accountId: added.accountId, keyword: added.keyword }, 'inbound number added');
      return added;
    });
  }

  listNumbers(request: ListNumbersRequest, metadata?: Metadata): Promise<ListNumbersResponse> {
    return this.admin(metadata, 'list numbers', async () => ({ numbers: await listNumbers(this.pool, request.account) }));
  }

  removeNumber(request: RemoveNumberRequest, metadata?: Metadata): Promise<InboundNumber> {
    return this.admin(metadata, 'remove number', async () => {
      const removed = await removeNumber(this.pool, request.number, request.keyword);
      this.logger.info({ accountId: removed.accountId, keyword: removed.keyword }, 'inbound number removed');
      return removed;
    });
  }

  setInboundSettings(request: SetInboundSettingsRequest, metadata?: Metadata): Promise<InboundSettings> {
    return this.admin(metadata, 'set inbound settings', async () => {
      const given = request.settings ?? DEFAULT_INBOUND_SETTINGS;
      const settings = await setInboundSettings(this.pool, request.account, { ...given, optoutScope: (given.optoutScope || 'account') as OptOutScope });
      this.logger.info({ account: request.account, optoutScope: settings.optoutScope, webhook: settings.webhookUrl !== '' }, 'inbound settings set');
      return settings;
    });
  }

  listOptOuts(request: ListOptOutsRequest, metadata?: Metadata): Promise<ListOptOutsResponse> {
    return this.admin(metadata, 'list opt-outs', async () => ({ optOuts: await listOptOuts(this.pool, request.account) }));
  }

  addOptOut(request: OptOutRequest, metadata?: Metadata): Promise<OptOut> {
    return this.admin(metadata, 'add opt-out', async () => {
      const added = await addOptOut(this.pool, request.account, parseHandset(request.number, this.config.INGEST_DEFAULT_REGION), request.sender);
      this.metrics.optOuts.inc({ action: 'opt_out' });
      return added;
    });
  }

  removeOptOut(request: OptOutRequest, metadata?: Metadata): Promise<OptOut> {
    return this.admin(metadata, 'remove opt-out', async () => {
      const removed = await removeOptOut(this.pool, request.account, parseHandset(request.number, this.config.INGEST_DEFAULT_REGION), request.sender);
      this.metrics.optOuts.inc({ action: 'opt_in' });
      return removed;
    });
  }

  listUnmatchedReceipts(request: ListUnmatchedReceiptsRequest, metadata?: Metadata): Promise<ListUnmatchedReceiptsResponse> {
    return this.admin(metadata, 'list unmatched receipts', async () => {
      const limit = Math.min(UNMATCHED_MAX_LIMIT, request.limit || UNMATCHED_DEFAULT_LIMIT);
      return { receipts: await listUnmatchedReceipts(this.pool, { carrierId: request.carrierId, limit }) };
    });
  }

  importRateCard(request: ImportRateCardRequest, metadata?: Metadata): Promise<RateCardSummary> {
    return this.admin(metadata, 'import rate card', async () => {
      const { card, configVersion } = await this.routingConfig.importRateCard(rateCardFromRequest(request), { createdBy: request.author, comment: request.comment });
      this.logger.info({ carrier: card.carrier, version: card.version, entries: card.entryCount, effectiveAtMs: card.effectiveAtMs, configVersion }, 'rate card imported');
      return { ...summaryMessage(card), configVersion };
    });
  }

  importRoutes(request: ImportRoutesRequest, metadata?: Metadata): Promise<RoutingConfigChange> {
    return this.admin(metadata, 'import route rules', () => this.routingConfig.importRoutes(request.content, { createdBy: request.author, comment: request.comment }));
  }

  listRoutingConfigVersions(request: ListRoutingConfigVersionsRequest, metadata?: Metadata): Promise<ListRoutingConfigVersionsResponse> {
    return this.admin(metadata, 'list routing configuration versions', async () => ({ versions: await this.routingConfig.list(request.limit) }));
  }

  getRoutingConfigVersion(request: GetRoutingConfigVersionRequest, metadata?: Metadata): Promise<RoutingConfigVersion> {
    return this.admin(metadata, 'show a routing configuration version', () => this.routingConfig.get(request.version));
  }

  rollbackRoutingConfig(request: RollbackRoutingConfigRequest, metadata?: Metadata): Promise<RoutingConfigChange> {
    return this.admin(metadata, 'roll back the routing configuration', () => this.routingConfig.rollback(request.version, { createdBy: request.author, comment: request.comment }));
  }

  listRateCards(request: ListRateCardsRequest, metadata?: Metadata): Promise<ListRateCardsResponse> {
    return this.admin(metadata, 'list rate cards', async () => ({ cards: (await listRateCards(this.pool, request.carrier)).map(summaryMessage) }));
  }

  getRateCard(request: GetRateCardRequest, metadata?: Metadata): Promise<RateCardDetails> {
    return this.admin(metadata, 'show rate card', async () => {
      const found = await getRateCard(this.pool, request.carrier, request.version);
      if (!found) {
        const which = request.version ? `version ${request.version}` : 'an active version';
        throw new RpcException({ code: status.NOT_FOUND, message: `carrier "${request.carrier.slice(0, 64)}" has no rate card ${which}; smsgw ratecard list shows them [ROUTING.RATE_CARD_NOT_FOUND]` });
      }
      return detailsMessage(found.card, found.entries);
    });
  }

  explainRoute(request: ExplainRouteRequest, metadata?: Metadata): Promise<RouteExplanation> {
    return this.admin(metadata, 'explain route', () => this.routing.explain(request));
  }

  createSmppCredential(request: CreateSmppCredentialRequest, metadata?: Metadata): Promise<CreateSmppCredentialResponse> {
    return this.admin(metadata, 'create SMPP credential', async () => {
      const created = await createSmppCredential(this.pool, request.account, request.systemId);
      this.logger.info({ accountId: created.credential.accountId, systemId: created.credential.systemId }, 'SMPP credential created');
      return { password: created.password, credential: smppCredential(created.credential) };
    });
  }

  listSmppCredentials(request: ListSmppCredentialsRequest, metadata?: Metadata): Promise<ListSmppCredentialsResponse> {
    return this.admin(metadata, 'list SMPP credentials', async () => ({ credentials: (await listSmppCredentials(this.pool, request.account)).map(smppCredential) }));
  }

  revokeSmppCredential(request: RevokeSmppCredentialRequest, metadata?: Metadata): Promise<SmppCredential> {
    return this.admin(metadata, 'revoke SMPP credential', async () => {
      const revoked = await revokeSmppCredential(this.pool, request.systemId);
      this.logger.info({ accountId: revoked.accountId, systemId: revoked.systemId }, 'SMPP credential revoked');
      return smppCredential(revoked);
    });
  }

  private async admin<T>(metadata: Metadata | undefined, what: string, work: () => Promise<T>): Promise<T> {
    try {
      this.token.check(metadata);
      return await work();
    } catch (err) {
      throw toRpcError(err, this.logger, `could not ${what} right now (PostgreSQL unavailable); retry`);
    }
  }
}
