import type { Account, AccountPolicy, ApiKey } from '@smsgw/shared/util-proto';
import { InvalidArgumentError, type Command } from 'commander';
import { gatewayOptions } from '../credentials';
import { withAdmin } from '../grpc-client';
import { printJson } from '../output';

const iso = (ms: number) => (ms ? new Date(ms).toISOString() : null);
const accountView = (a: Account) => ({ id: a.id, name: a.name, enabled: a.enabled, createdAt: iso(a.createdAtMs) });
const keyView = (k: ApiKey) => ({ keyId: k.keyId, accountId: k.accountId, createdAt: iso(k.createdAtMs), revokedAt: iso(k.revokedAtMs), lastUsedAt: iso(k.lastUsedAtMs) });
const out = (line: string) => process.stdout.write(line + '\n');
// What the gateway answers for an account without a stored policy, should a reply lack it.
const EMPTY_POLICY: AccountPolicy = { senders: [], countries: [], allowedNumberTypes: [], callbackHttp: false, callbackPrivate: false, ratePerSecond: 100, rateBurst: 200 };
const positive = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number of at least 1');
  return n;
};
const listOption = (value: string) => value.split(',').map((v) => v.trim()).filter((v) => v !== '');
/** One line for people: what the account may send. */
export function describePolicy(p: AccountPolicy): string {
  const any = (list: string[], what: string) => (list.length ? list.join(',') : `any ${what}`);
  return [
    `senders ${any(p.senders, 'sender')}`,
    `countries ${any(p.countries, 'country')}`,
    `special number types allowed: ${p.allowedNumberTypes.length ? p.allowedNumberTypes.join(',') : 'none'}`,
    `callbacks ${p.callbackHttp ? 'http or https' : 'https only'}, ${p.callbackPrivate ? 'private addresses allowed' : 'public addresses only'}`,
    `rate ${p.ratePerSecond}/s, burst ${p.rateBurst}`,
  ].join('; ');
}
const shownOnce = (apiKey: string) => out(`API key (shown once; only its hash is stored): ${apiKey}`);

/** `smsgw accounts …` and `smsgw keys …`: sms.v1.AdminService, with the admin token. */
export function registerAccounts(program: Command): void {
  const accounts = program.command('accounts').description('manage accounts (admin token needed: --admin-token-file)');
  const admin = (parent: Command, name: string) => gatewayOptions(parent.command(name), 'admin-token');

  admin(accounts, 'create')
    .description('create an account and its first API key; with --json prints {"id", "apiKey"}')
    .argument('<name>', 'a unique name: letters, digits, ".", "_", "-"')
    .action((name: string, opts) =>
      withAdmin(opts, async (client) => {
        const res = await client.createAccount(name);
        if (opts.json) return printJson({ id: res.account?.id, name: res.account?.name, apiKey: res.apiKey, keyId: res.key?.keyId });
        out(`account ${res.account?.id} (${res.account?.name}) created`);
        shownOnce(res.apiKey);
      }),
    );

  admin(accounts, 'list')
    .description('list accounts')
    .action((opts) =>
      withAdmin(opts, async (client) => {
        const list = (await client.listAccounts()).accounts.map(accountView);
        if (opts.json) return printJson({ accounts: list });
        for (const a of list) out(`${a.id}  ${a.enabled ? 'enabled ' : 'disabled'}  ${a.name}`);
      }),
    );

  admin(accounts, 'show')
    .description('show an account and its API keys (ids only; secrets are never stored)')
    .argument('<account>', 'account id or name')
    .action((account: string, opts) =>
      withAdmin(opts, async (client) => {
        const { account: found, keys, policy = EMPTY_POLICY } = await client.getAccount(account);
        if (!found) throw new Error(`the gateway sent no account for ${account}`);
        const view = { ...accountView(found), policy, keys: keys.map(keyView) };
        if (opts.json) return printJson(view);
        out(`${view.id}  ${view.enabled ? 'enabled' : 'disabled'}  ${view.name}  created ${view.createdAt}`);
        out(`  policy: ${describePolicy(policy)}`);
        for (const k of view.keys) out(`  key ${k.keyId}  created ${k.createdAt}  ${k.revokedAt ? `revoked ${k.revokedAt}` : 'active'}  last used ${k.lastUsedAt ?? 'never'}`);
      }),
    );

  admin(accounts, 'policy')
    .description("show or change what an account may send; options not given keep their value; reaches every ingest replica within a second")
    .argument('<account>', 'account id or name')
    .option('--senders <list>', 'allowed sender ids, comma-separated: exact values or prefixes ending in * (ACME,OPS*); "" for any', listOption)
    .option('--countries <list>', 'allowed destination countries, ISO 3166 alpha-2, comma-separated (GB,FR); "" for any', listOption)
    .option('--allow-number-types <list>', 'blocked number types to allow anyway: PREMIUM_RATE,SHARED_COST,TOLL_FREE,UAN,VOICEMAIL,PAGER,PERSONAL_NUMBER; "" for none', listOption)
    .option('--callback-http', 'allow http callback URLs (default: https only)')
    .option('--no-callback-http', 'https callback URLs only')
    .option('--callback-private', 'allow callback URLs on loopback, link-local and private addresses')
    .option('--no-callback-private', 'public callback addresses only')
    .option('--rate <n>', 'messages per second, all ingest replicas together (new accounts: 100)', positive)
    .option('--burst <n>', 'the most messages at once, from the rate to 60 times it (new accounts: 200); with --rate alone: twice the rate', positive)
    .action((account: string, opts) =>
      withAdmin(opts, async (client) => {
        let policy = (await client.getAccount(account)).policy ?? EMPTY_POLICY;
        const changes: Partial<AccountPolicy> = {
          senders: opts.senders,
          countries: opts.countries,
          allowedNumberTypes: opts.allowNumberTypes,
          callbackHttp: opts.callbackHttp,
          callbackPrivate: opts.callbackPrivate,
          ratePerSecond: opts.rate,
          // A new rate without a burst: the gateway's default burst for it (twice the rate).
          rateBurst: opts.burst ?? (opts.rate !== undefined ? 0 : undefined),
        };
        const given = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
        if (Object.keys(given).length > 0) policy = await client.setAccountPolicy(account, { ...policy, ...given });
        if (opts.json) return printJson(policy);
        out(`account ${account}: ${describePolicy(policy)}`);
      }),
    );

  for (const [name, enabled] of [['disable', false], ['enable', true]] as const) {
    admin(accounts, name)
      .description(enabled ? 'enable an account again' : "disable an account: its keys get PERMISSION_DENIED within a second")
      .argument('<account>', 'account id or name')
      .action((account: string, opts) =>
        withAdmin(opts, async (client) => {
          const a = accountView(await client.setAccountEnabled(account, enabled));
          if (opts.json) return printJson(a);
          out(`account ${a.id} (${a.name}) ${a.enabled ? 'enabled' : 'disabled'}`);
        }),
      );
  }

  const keys = program.command('keys').description('manage API keys (admin token needed: --admin-token-file)');
  admin(keys, 'create')
    .description('create another API key for an account (several may be active: rotate without downtime)')
    .argument('<account>', 'account id or name')
    .action((account: string, opts) =>
      withAdmin(opts, async (client) => {
        const res = await client.createApiKey(account);
        if (opts.json) return printJson({ keyId: res.key?.keyId, accountId: res.key?.accountId, apiKey: res.apiKey });
        out(`key ${res.key?.keyId} created for account ${res.key?.accountId}`);
        shownOnce(res.apiKey);
      }),
    );
  admin(keys, 'revoke')
    .description('revoke an API key: calls with it get UNAUTHENTICATED within a second')
    .argument('<key id>', 'the key id (the part after "smsgw_"; smsgw accounts show <account> lists them)')
    .action((keyId: string, opts) =>
      withAdmin(opts, async (client) => {
        const k = keyView(await client.revokeApiKey(keyId));
        if (opts.json) return printJson(k);
        out(`key ${k.keyId} of account ${k.accountId} revoked at ${k.revokedAt}`);
      }),
    );
}
