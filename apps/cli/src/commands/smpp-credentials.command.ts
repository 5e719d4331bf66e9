import type { SmppCredential } from '@smsgw/shared/util-proto';
import type { Command } from 'commander';
import { gatewayOptions } from '../credentials';
import { withAdmin } from '../grpc-client';
import { printJson } from '../output';

const iso = (ms: number) => (ms ? new Date(ms).toISOString() : null);
const view = (c: SmppCredential) => ({ systemId: c.systemId, accountId: c.accountId, createdAt: iso(c.createdAtMs), revokedAt: iso(c.revokedAtMs) });
const out = (line: string) => process.stdout.write(line + '\n');

/** `smsgw smpp-credentials …`: the system_id + password an account's ESMEs bind to the SMPP server with. */
export function registerSmppCredentials(program: Command): void {
  const group = program.command('smpp-credentials').description("manage accounts' SMPP credentials for the SMPP server (admin token needed: --admin-token-file)");
  const admin = (name: string) => gatewayOptions(group.command(name), 'admin-token');

  admin('create')
    .description('create a system_id and password for an account (the password is shown once; only its hash is stored)')
    .argument('<account>', 'account id or name')
    .option('--system-id <id>', "1 to 15 letters, digits, '.', '_', '-' (default: the account's name)")
    .action((account: string, opts) =>
      withAdmin(opts, async (client) => {
        const res = await client.createSmppCredential(account, opts.systemId ?? '');
        if (!res.credential) throw new Error('the gateway sent no credential');
        if (opts.json) return printJson({ ...view(res.credential), password: res.password });
        out(`SMPP credential ${res.credential.systemId} created for account ${res.credential.accountId}`);
        out(`password (shown once; only its hash is stored): ${res.password}`);
      }),
    );

  admin('list')
    .description("list an account's SMPP credentials")
    .argument('<account>', 'account id or name')
    .action((account: string, opts) =>
      withAdmin(opts, async (client) => {
        const list = (await client.listSmppCredentials(account)).credentials.map(view);
        if (opts.json) return printJson({ credentials: list });
        for (const c of list) out(`${c.systemId}  created ${c.createdAt}  ${c.revokedAt ? `revoked ${c.revokedAt}` : 'active'}`);
      }),
    );

  admin('revoke')
    .description('revoke an SMPP credential: new binds with it get ESME_RBINDFAIL')
    .argument('<system id>', 'the system_id')
    .action((systemId: string, opts) =>
      withAdmin(opts, async (client) => {
        const c = view(await client.revokeSmppCredential(systemId));
        if (opts.json) return printJson(c);
        out(`SMPP credential ${c.systemId} of account ${c.accountId} revoked at ${c.revokedAt}`);
      }),
    );
}
