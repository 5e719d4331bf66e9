import { Inject, Injectable } from '@nestjs/common';
import { findAccounts, type StoredAccount } from '@smsgw/accounts/data-access-store';
import { AuthError, type Principal } from '@smsgw/accounts/domain';
import { CONFIG, LOGGER, PG_POOL } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import { readFileSync, statSync } from 'node:fs';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { Pool } from 'pg';
import { parse } from 'yaml';
import type { IngestEnv } from '../env';
import { KEY_CACHE_MS } from './api-key.authenticator';
import { KeyCache } from './key-cache';

/** The mapping file is looked at (stat) at most this often. */
const MAPPING_CHECK_MS = 1000;

/**
 * The verified client certificate of a gRPC call, or undefined (plaintext, no certificate, or one
 * the CA did not verify). grpc-js 1.13 hands handlers no auth context: the certificate is read
 * from the call's HTTP/2 session (client-certificate.int-spec.ts fails if that path moves).
 */
export function peerCertificate(call: unknown): PeerCertificate | undefined {
  const socket = (call as { call?: { stream?: { session?: { socket?: TLSSocket } } } } | undefined)?.call?.stream?.session?.socket;
  if (!socket || !socket.encrypted || !socket.authorized) return undefined;
  const cert = socket.getPeerCertificate();
  return cert && Object.keys(cert).length > 0 ? cert : undefined;
}

/** A certificate's names as the mapping file spells them: "CN=…", and its subjectAltName entries "DNS:…", "URI:…", "email:…". */
export function certificateIdentities(cert: Pick<PeerCertificate, 'subject' | 'subjectaltname'>): string[] {
  const cn = cert.subject?.CN;
  const sans = (cert.subjectaltname ?? '')
    .split(/,\s*/)
    .map((s) => s.trim())
    .filter((s) => /^(DNS|URI|email):/.test(s));
  return [...(Array.isArray(cn) ? cn : cn ? [cn] : []).map((n) => `CN=${n}`), ...sans];
}

/**
 * mTLS: a verified client certificate mapped to an account (INGEST_TLS_CLIENT_ACCOUNTS_FILE)
 * stands for an API key. The account (state and policy) is read like a key: at most once per
 * account and KEY_CACHE_MS, so disabling it takes effect within a second here too.
 */
@Injectable()
export class ClientCertificateAuthenticator {
  private mapping = new Map<string, string>();
  private mappingMtimeMs = -1;
  private checkedAtMs = 0;
  private readonly accounts: KeyCache<StoredAccount>;

  constructor(
    @Inject(CONFIG) private readonly config: IngestEnv,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(PG_POOL) pool: Pool,
  ) {
    this.accounts = new KeyCache((refs) => findAccounts(pool, refs), KEY_CACHE_MS);
  }

  /** The account of the call's client certificate; undefined when there is none or it is not mapped. */
  async authenticate(call: unknown): Promise<Principal | undefined> {
    if (!this.config.INGEST_TLS_CLIENT_ACCOUNTS_FILE) return undefined;
    const cert = peerCertificate(call);
    if (!cert) return undefined;
    const mapping = this.currentMapping();
    const identity = certificateIdentities(cert).find((id) => mapping.has(id));
    if (!identity) return undefined;
    const ref = mapping.get(identity) as string;
    const account = await this.accounts.get(ref);
    if (!account) throw new AuthError('AUTH.INVALID_KEY', `the client certificate ${identity} is mapped to account "${ref}", which does not exist; an admin must fix INGEST_TLS_CLIENT_ACCOUNTS_FILE`);
    if (!account.enabled) throw new AuthError('AUTH.ACCOUNT_DISABLED', `account ${account.accountId} is disabled; an admin can enable it (smsgw accounts enable <id>)`);
    return { accountId: account.accountId, accountName: account.accountName, keyId: identity, policy: account.policy };
  }

  /** The mapping file as of its last change; a file that cannot be read or parsed keeps the previous mapping (and says so). */
  private currentMapping(): Map<string, string> {
    const now = Date.now();
    if (now - this.checkedAtMs < MAPPING_CHECK_MS) return this.mapping;
    this.checkedAtMs = now;
    const file = this.config.INGEST_TLS_CLIENT_ACCOUNTS_FILE;
    try {
      const mtimeMs = statSync(file).mtimeMs;
      if (mtimeMs === this.mappingMtimeMs) return this.mapping;
      const parsed = (parse(readFileSync(file, 'utf8')) ?? {}) as Record<string, unknown>;
      const entries = Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== '');
      this.mapping = new Map(entries.map(([k, v]) => [k.trim(), v.trim()]));
      this.mappingMtimeMs = mtimeMs;
      this.logger.info({ file, identities: this.mapping.size }, 'client certificate to account mapping loaded');
    } catch (err) {
      this.logger.error({ file, err: (err as Error).message }, 'cannot read the client certificate mapping; keeping the previous one');
    }
    return this.mapping;
  }
}
