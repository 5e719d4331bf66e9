import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { credentials, type ChannelCredentials } from '@grpc/grpc-js';
import { Option, type Command } from 'commander';

// The files npm start (tools/stack.cjs) writes for the local stack: the CLI finds them itself when
// it talks to a gateway on this machine, so the quick start needs no key on the command line.
const ROOT = join(__dirname, '../../..');
export const LOCAL_API_KEY_FILE = join(ROOT, '.smsgw/demo-api-key');
export const LOCAL_ADMIN_TOKEN_FILE = join(ROOT, '.smsgw/admin-token');

export const DEFAULT_TARGET = '127.0.0.1:50051';

export function isLocalTarget(target: string): boolean {
  const host = target.replace(/^dns:\/\/\//, '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return ['127.0.0.1', 'localhost', '::1', '0.0.0.0'].includes(host);
}

/** --target, --json and the credential option every command that calls the gateway takes. */
export function gatewayOptions(command: Command, credential: 'api-key' | 'admin-token'): Command {
  command
    .option('--json', 'print one JSON object')
    .option('--target <host:port>', 'gateway gRPC address', DEFAULT_TARGET)
    .addOption(new Option('--tls', 'connect with TLS, trusting the system CAs (or --ca)').env('SMSGW_TLS'))
    .addOption(new Option('--ca <file>', 'PEM CA bundle to trust for the gateway certificate (implies --tls)').env('SMSGW_CA_FILE'))
    .addOption(new Option('--cert <file>', 'PEM client certificate for mTLS (with --key; implies --tls)').env('SMSGW_CERT_FILE'))
    .addOption(new Option('--key <file>', 'PEM private key of --cert').env('SMSGW_KEY_FILE'));
  if (credential === 'api-key') {
    return command.addOption(new Option('--api-key <key>', `API key of the account (default for a local target: ${LOCAL_API_KEY_FILE.replace(ROOT + '/', '')}, written by npm start)`).env('SMSGW_API_KEY'));
  }
  return command.addOption(new Option('--admin-token-file <file>', `file with ingest's admin token (default for a local target: ${LOCAL_ADMIN_TOKEN_FILE.replace(ROOT + '/', '')}, written by npm start)`).env('SMSGW_ADMIN_TOKEN_FILE'));
}

const readTrimmed = (file: string) => readFileSync(file, 'utf8').trim();

/** How to reach the gateway: TLS when --tls, --ca or --cert is given; the files read now, so a bad path fails with its name. */
export interface TlsOptions {
  tls?: boolean;
  ca?: string;
  cert?: string;
  key?: string;
}
export function channelCredentials(opts: TlsOptions): ChannelCredentials {
  if (!opts.tls && !opts.ca && !opts.cert) return credentials.createInsecure();
  if (Boolean(opts.cert) !== Boolean(opts.key)) throw new Error('--cert and --key go together (a client certificate and its private key)');
  const read = (file: string | undefined, what: string) => {
    if (!file) return null;
    try {
      return readFileSync(file);
    } catch (err) {
      throw new Error(`cannot read the ${what} ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  };
  return credentials.createSsl(read(opts.ca, 'CA file'), read(opts.key, 'key file'), read(opts.cert, 'certificate file'));
}

/**
 * The API key to send: --api-key / SMSGW_API_KEY, else (no client certificate: that is the
 * credential then) the local stack's demo key; '' for none (the gateway then says what is missing).
 */
export function apiKeyFor(opts: { apiKey?: string; target: string; cert?: string }): string {
  if (opts.apiKey) return opts.apiKey.trim();
  if (!opts.cert && isLocalTarget(opts.target) && existsSync(LOCAL_API_KEY_FILE)) return readTrimmed(LOCAL_API_KEY_FILE);
  return '';
}

/** The admin token: from --admin-token-file / SMSGW_ADMIN_TOKEN_FILE, else the local stack's file. */
export function adminTokenFor(opts: { adminTokenFile?: string; target: string }): string {
  const file = opts.adminTokenFile ?? (isLocalTarget(opts.target) ? LOCAL_ADMIN_TOKEN_FILE : undefined);
  if (!file) throw new Error('no admin token: give --admin-token-file <file> or set SMSGW_ADMIN_TOKEN_FILE (the file ingest reads as INGEST_ADMIN_TOKEN_FILE)');
  try {
    return readTrimmed(file);
  } catch (err) {
    throw new Error(`cannot read the admin token file ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); npm start writes .smsgw/admin-token, or give --admin-token-file`);
  }
}
