import type { Metadata } from '@grpc/grpc-js';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { findAccounts, type StoredAccount } from '@smsgw/accounts/data-access-store';
import { AuthError, bearerToken, hashSecret, type Principal } from '@smsgw/accounts/domain';
import { CONFIG, LOGGER, PG_POOL } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import { Channel } from '@smsgw/shared/util-proto';
import { readFileSync } from 'node:fs';
import { timingSafeEqual } from 'node:crypto';
import type { Pool } from 'pg';
import type { IngestEnv } from '../env';
import { KEY_CACHE_MS } from './api-key.authenticator';
import { KeyCache } from './key-cache';

/** Metadata an intake channel names the account with (with the intake token as its bearer). */
export const INTAKE_ACCOUNT_HEADER = 'smsgw-intake-account';
/** Metadata naming the channel the message came in on (recorded on sms.accepted.v1). */
export const INTAKE_CHANNEL_HEADER = 'smsgw-intake-channel';
const CHANNELS: Record<string, Channel> = { smpp: Channel.SMPP };

export interface IntakePrincipal extends Principal {
  channel: Channel;
}

/**
 * Trusted internal channels (the SMPP server) authenticate their own clients and send on their
 * behalf: the intake token (INGEST_INTAKE_TOKEN_FILE, re-read at most once a second, so
 * replacing the file rotates it) plus the account's id. The account's state and policy are read
 * like a key's, so a disabled account is refused within a second here too.
 */
@Injectable()
export class IntakeTokenAuthenticator implements OnModuleInit {
  private token: { value: Buffer | Error; readAtMs: number } = { value: new Error('not read yet'), readAtMs: 0 };
  private readonly accounts: KeyCache<StoredAccount>;

  constructor(
    @Inject(CONFIG) private readonly config: IngestEnv,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(PG_POOL) pool: Pool,
  ) {
    this.accounts = new KeyCache((ids) => findAccounts(pool, ids), KEY_CACHE_MS);
  }

  onModuleInit(): void {
    const file = this.config.INGEST_INTAKE_TOKEN_FILE;
    if (!file) return this.logger.info('intake channels (the SMPP server) are off: INGEST_INTAKE_TOKEN_FILE is not set');
    const token = this.current();
    if (token instanceof Error) this.logger.warn({ file }, `intake channels are off until the token file is readable: ${token.message}`);
    else this.logger.info({ file }, 'intake channels (the SMPP server) are on');
  }

  /** Whether the call is an intake call (names an account); such calls never fall back to API keys. */
  applies(metadata: Metadata | undefined): boolean {
    return (metadata?.get(INTAKE_ACCOUNT_HEADER).length ?? 0) > 0;
  }

  async authenticate(metadata: Metadata): Promise<IntakePrincipal> {
    const token = this.current();
    const header = metadata.get('authorization')[0];
    const presented = bearerToken(header === undefined ? undefined : String(header));
    if (token instanceof Error || !presented || !timingSafeEqual(hashSecret(presented), token)) {
      throw new AuthError('AUTH.INVALID_INTAKE_TOKEN', `calls naming ${INTAKE_ACCOUNT_HEADER} need "authorization: Bearer <the token of INGEST_INTAKE_TOKEN_FILE>"${token instanceof Error ? ` (intake is off here: ${token.message})` : ''}`);
    }
    const accountId = String(metadata.get(INTAKE_ACCOUNT_HEADER)[0]);
    const channel = CHANNELS[String(metadata.get(INTAKE_CHANNEL_HEADER)[0] ?? 'smpp')] ?? Channel.SMPP;
    const account = await this.accounts.get(accountId);
    if (!account || account.accountId !== accountId) throw new AuthError('AUTH.INVALID_KEY', `the intake call names account "${accountId.slice(0, 64)}", which does not exist`);
    if (!account.enabled) throw new AuthError('AUTH.ACCOUNT_DISABLED', `account ${account.accountId} is disabled; an admin can enable it (smsgw accounts enable <id>)`);
    return { accountId: account.accountId, accountName: account.accountName, keyId: 'intake', policy: account.policy, channel };
  }

  /** SHA-256 of the token, or why there is none; the file is read at most once per KEY_CACHE_MS. */
  private current(): Buffer | Error {
    const now = Date.now();
    if (now - this.token.readAtMs < KEY_CACHE_MS) return this.token.value;
    const file = this.config.INGEST_INTAKE_TOKEN_FILE;
    let value: Buffer | Error;
    if (!file) value = new Error('INGEST_INTAKE_TOKEN_FILE is not set');
    else {
      try {
        const text = readFileSync(file, 'utf8').trim();
        value = text.length >= 16 ? hashSecret(text) : new Error(`${file} holds no token of 16 characters or more`);
      } catch (err) {
        value = new Error(`cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      }
    }
    this.token = { value, readAtMs: now };
    return value;
  }
}
