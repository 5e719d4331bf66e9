import type { Metadata } from '@grpc/grpc-js';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { AuthError, bearerToken, hashSecret } from '@smsgw/accounts/domain';
import { CONFIG, LOGGER } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import { readFileSync } from 'node:fs';
import { timingSafeEqual } from 'node:crypto';
import type { IngestEnv } from '../env';

/**
 * The admin API's one credential: a token in a file (INGEST_ADMIN_TOKEN_FILE). The file is read
 * on every admin call (they are rare), so replacing it rotates the token without a restart.
 */
@Injectable()
export class AdminToken implements OnModuleInit {
  constructor(
    @Inject(CONFIG) private readonly config: IngestEnv,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    const file = this.config.INGEST_ADMIN_TOKEN_FILE;
    if (!file) return this.logger.info('admin API (sms.v1.AdminService) is off: INGEST_ADMIN_TOKEN_FILE is not set');
    const token = this.read();
    if (token instanceof Error) this.logger.warn({ file }, `admin API (sms.v1.AdminService) is off until the token file is readable: ${token.message}`);
    else this.logger.info({ file }, 'admin API (sms.v1.AdminService) is on');
  }

  /** Throws AuthError unless the call carries the admin token. */
  check(metadata: Metadata | undefined): void {
    const token = this.read();
    if (token instanceof Error) throw new AuthError('AUTH.ADMIN_DISABLED', `the admin API is off on this gateway: ${token.message}`);
    const header = metadata?.get('authorization')[0];
    const presented = bearerToken(header === undefined ? undefined : String(header));
    if (!presented || !timingSafeEqual(hashSecret(presented), hashSecret(token))) {
      throw new AuthError('AUTH.INVALID_ADMIN_TOKEN', 'admin calls need metadata "authorization: Bearer <admin token>" with the token of INGEST_ADMIN_TOKEN_FILE (smsgw CLI: --admin-token-file)');
    }
  }

  private read(): string | Error {
    const file = this.config.INGEST_ADMIN_TOKEN_FILE;
    if (!file) return new Error('INGEST_ADMIN_TOKEN_FILE is not set');
    try {
      const token = readFileSync(file, 'utf8').trim();
      return token.length >= 16 ? token : new Error(`${file} holds no token of 16 characters or more`);
    } catch (err) {
      return new Error(`cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
}
