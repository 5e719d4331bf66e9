import type { Metadata } from '@grpc/grpc-js';
import { Controller, Inject } from '@nestjs/common';
import { createAccount, createKey, getAccount, getPolicy, listAccounts, listKeys, revokeKey, setAccountEnabled, setPolicy, type Account, type ApiKeyInfo } from '@smsgw/accounts/data-access-store';
import { DEFAULT_POLICY } from '@smsgw/accounts/domain';
import { LOGGER, PG_POOL } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import {
  AccountDetails,
  AccountPolicy,
  AdminServiceController,
  AdminServiceControllerMethods,
  Account as AccountMessage,
  ApiKey,
  CreateAccountRequest,
  CreateAccountResponse,
  CreateApiKeyRequest,
  CreateApiKeyResponse,
  GetAccountRequest,
  ListAccountsResponse,
  RevokeApiKeyRequest,
  SetAccountEnabledRequest,
  SetAccountPolicyRequest,
} from '@smsgw/shared/util-proto';
import type { Pool } from 'pg';
import { AdminToken } from '../authenticate/admin-token';
import { toRpcError } from './rpc-errors';

const account = (a: Account): AccountMessage => ({ id: a.id, name: a.name, enabled: a.enabled, createdAtMs: a.createdAtMs });
const apiKey = (k: ApiKeyInfo): ApiKey => ({ keyId: k.keyId, accountId: k.accountId, createdAtMs: k.createdAtMs, revokedAtMs: k.revokedAtMs, lastUsedAtMs: k.lastUsedAtMs });

/** sms.v1.AdminService: accounts and API keys, behind the admin token. */
@Controller()
@AdminServiceControllerMethods()
export class AdminGrpcController implements AdminServiceController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly token: AdminToken,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

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
      const [keys, policy] = await Promise.all([listKeys(this.pool, found.id), getPolicy(this.pool, found.id)]);
      return { account: account(found), keys: keys.map(apiKey), policy };
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
      const { account: changed, policy } = await setPolicy(this.pool, request.account, request.policy ?? DEFAULT_POLICY);
      this.logger.info({ accountId: changed.id, policy }, 'account policy set');
      return policy;
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
