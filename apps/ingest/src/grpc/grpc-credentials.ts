import { ServerCredentials, experimental } from '@grpc/grpc-js';
import type { Logger } from '@smsgw/shared/util-logging';
import { readFileSync } from 'node:fs';
import type { IngestEnv } from '../env';

/** Why ingest will not start: no TLS configured and plaintext not allowed, or half a TLS setup. */
export class TlsConfigError extends Error {}

/**
 * The gRPC port's credentials. TLS (INGEST_TLS_CERT_FILE + KEY_FILE) from grpc-js's file watcher:
 * the files are re-read every INGEST_TLS_RELOAD_MS and a change reaches new connections without
 * a restart (replace them atomically — a rename, as Kubernetes does with mounted Secrets — or a
 * new certificate may meet the old key for one interval, which drops new connections until the
 * next read). With INGEST_TLS_CLIENT_CA_FILE, client certificates are asked for and verified
 * (mTLS); required only with INGEST_TLS_REQUIRE_CLIENT_CERT. No TLS: plaintext only when
 * INGEST_ALLOW_PLAINTEXT, with a warning.
 */
export function grpcCredentials(config: IngestEnv, logger: Logger): ServerCredentials {
  const { INGEST_TLS_CERT_FILE: certificateFile, INGEST_TLS_KEY_FILE: privateKeyFile, INGEST_TLS_CLIENT_CA_FILE: caCertificateFile } = config;
  if (Boolean(certificateFile) !== Boolean(privateKeyFile)) throw new TlsConfigError('INGEST_TLS_CERT_FILE and INGEST_TLS_KEY_FILE go together: set both (TLS) or neither');
  if (!certificateFile) {
    if (caCertificateFile) throw new TlsConfigError('INGEST_TLS_CLIENT_CA_FILE needs TLS: set INGEST_TLS_CERT_FILE and INGEST_TLS_KEY_FILE too');
    if (!config.INGEST_ALLOW_PLAINTEXT) {
      throw new TlsConfigError('no TLS for the gRPC port: set INGEST_TLS_CERT_FILE and INGEST_TLS_KEY_FILE, or INGEST_ALLOW_PLAINTEXT=true on a trusted network (API keys then cross it in clear text)');
    }
    logger.warn('gRPC port in PLAINTEXT (INGEST_ALLOW_PLAINTEXT=true): API keys cross the network in clear text; set INGEST_TLS_CERT_FILE and INGEST_TLS_KEY_FILE outside a trusted network');
    return ServerCredentials.createInsecure();
  }
  // Read once now, so a missing or unreadable file stops the start with its name instead of every handshake failing.
  for (const file of [certificateFile, privateKeyFile, caCertificateFile]) {
    if (!file) continue;
    try {
      readFileSync(file);
    } catch (err) {
      throw new TlsConfigError(`cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  const files = new experimental.FileWatcherCertificateProvider({ certificateFile, privateKeyFile, caCertificateFile: caCertificateFile || undefined, refreshIntervalMs: config.INGEST_TLS_RELOAD_MS });
  // grpc-js 1.13 passes its first argument on as the identity provider and its second as the CA
  // provider, whatever the parameter names say; one provider serves as both.
  const credentials = experimental.createCertificateProviderServerCredentials(files, caCertificateFile ? files : null, caCertificateFile ? config.INGEST_TLS_REQUIRE_CLIENT_CERT : false);
  logger.info({ certificateFile, mtls: Boolean(caCertificateFile), clientCertRequired: Boolean(caCertificateFile) && config.INGEST_TLS_REQUIRE_CLIENT_CERT }, 'gRPC port speaks TLS only');
  return credentials;
}
