import { parsePriceMicros } from '@smsgw/routing/domain';
import type { Account, AccountBalance, AccountPolicy, ApiKey } from '@smsgw/shared/util-proto';
import { InvalidArgumentError, type Command } from 'commander';
import { gatewayOptions } from '../credentials';
import { withAdmin } from '../grpc-client';
import { printJson } from '../output';
import { money } from './routing.command';

const iso = (ms: number) => (ms ? new Date(ms).toISOString() : null);
const accountView = (a: Account) => ({ id: a.id, name: a.name, enabled: a.enabled, createdAt: iso(a.createdAtMs) });
const keyView = (k: ApiKey) => ({ keyId: k.keyId, accountId: k.accountId, createdAt: iso(k.createdAtMs), revokedAt: iso(k.revokedAtMs), lastUsedAt: iso(k.lastUsedAtMs) });
const out = (line: string) => process.stdout.write(line + '\n');
// What the gateway answers for an account without a stored policy, should a reply lack it.
const EMPTY_POLICY: AccountPolicy = { senders: [], countries: [], allowedNumberTypes: [], callbackHttp: false, callbackPrivate: false, ratePerSecond: 100, rateBurst: 200, pumpingMode: 'refuse', pumpingMinPerMinute: 1000, pumpingFactor: 10, defaultSender: '', emailSenders: [], emailReports: false };
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
    p.pumpingMode === 'off' ? 'pumping check off' : `pumping ${p.pumpingMode} above max(${p.pumpingMinPerMinute}/min, ${p.pumpingFactor} × usual) per country`,
    `default sender ${p.defaultSender || 'none'}`,
    `email senders ${any(p.emailSenders ?? [], 'sender')}`,
    `email delivery reports ${p.emailReports ? 'on' : 'off'}`,
  ].join('; ');
}
/** "12.50" or "-3" → micro-units; refuses what is not a decimal with at most 6 places. */
export function amountOption(value: string): number {
  const negative = value.trim().startsWith('-');
  const micros = parsePriceMicros(negative ? value.trim().slice(1) : value);
  if (micros === undefined) throw new InvalidArgumentError('an amount such as 25 or 12.50 (at most 6 decimals)');
  return negative ? -micros : micros;
}
const balanceView = (b: AccountBalance) =>
  b.limited
    ? { accountId: b.accountId, limited: true, currency: b.currency, balance: money(b.balanceMicros, b.currency), creditLimit: money(b.creditLimitMicros, b.currency), reserved: money(b.reservedMicros, b.currency), available: money(b.availableMicros, b.currency), spent: money(b.spentMicros, b.currency), micros: { balance: b.balanceMicros, creditLimit: b.creditLimitMicros, reserved: b.reservedMicros, available: b.availableMicros, spent: b.spentMicros } }
    : { accountId: b.accountId, limited: false };
function printBalance(b: AccountBalance, json: boolean): void {
  const v = balanceView(b);
  if (json) {
    printJson(v);
    return;
  }
  if (!('balance' in v)) out(`account ${b.accountId}: no balance, sends without limit (smsgw accounts credit ${b.accountId} <amount> makes it prepaid)`);
  else out(`account ${b.accountId}: ${v.available} available (balance ${v.balance}, credit limit ${v.creditLimit}); ${v.reserved} reserved by messages in flight; ${v.spent} spent`);
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
        const { account: found, keys, policy = EMPTY_POLICY, inbound } = await client.getAccount(account);
        if (!found) throw new Error(`the gateway sent no account for ${account}`);
        const view = { ...accountView(found), policy, inbound, keys: keys.map(keyView) };
        if (opts.json) return printJson(view);
        out(`${view.id}  ${view.enabled ? 'enabled' : 'disabled'}  ${view.name}  created ${view.createdAt}`);
        out(`  policy: ${describePolicy(policy)}`);
        if (inbound) out(`  two-way: webhook ${inbound.webhookUrl || 'none'}; opt-outs per ${inbound.optoutScope || 'account'} (smsgw accounts inbound ${view.name})`);
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
    .option('--pumping <mode>', 'SMS-pumping protection per destination country: refuse, hold (accept as HELD for an operator: smsgw holds), monitor (count only) or off (new accounts: refuse)')
    .option('--pumping-min <n>', 'messages per minute to one country always allowed (new accounts: 1000)', positive)
    .option('--pumping-factor <x>', "above that, a minute may hold this many times the account's usual rate to the country (new accounts: 10)", Number)
    .option('--default-sender <id>', 'sender id for messages that name none (email without a [SENDER] subject tag); "" for none')
    .option('--email-senders <list>', 'envelope senders allowed for email-to-SMS: addresses or @domains, comma-separated; "" for any', listOption)
    .option('--email-reports', 'mail the sender of an email-to-SMS mail a delivery report once its SMS are final')
    .option('--no-email-reports', 'no delivery reports by email')
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
          pumpingMode: opts.pumping,
          pumpingMinPerMinute: opts.pumpingMin,
          pumpingFactor: opts.pumpingFactor,
          defaultSender: opts.defaultSender,
          emailSenders: opts.emailSenders,
          emailReports: opts.emailReports,
        };
        const given = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
        if (Object.keys(given).length > 0) policy = await client.setAccountPolicy(account, { ...policy, ...given });
        if (opts.json) return printJson(policy);
        out(`account ${account}: ${describePolicy(policy)}`);
      }),
    );

  admin(accounts, 'balance')
    .description("show an account's prepaid balance: available, reserved by messages in flight, spent")
    .argument('<account>', 'account id or name')
    .action((account: string, opts) => withAdmin(opts, async (client) => printBalance(await client.getAccountBalance(account), opts.json)));

  admin(accounts, 'credit')
    .description('add credit to an account (a negative amount takes some back); the first credit makes it prepaid: each message then reserves its worst-case price at accept')
    .argument('<account>', 'account id or name')
    .argument('<amount>', 'in units of the currency, e.g. 25 or 12.50', amountOption)
    .option('--currency <code>', "ISO 4217; default: the routes' currency (routes.yaml), and the balance's once it has one")
    .option('--note <text>', 'why, kept in the ledger', '')
    .action((account: string, amount: number, opts) => withAdmin(opts, async (client) => printBalance(await client.creditAccount(account, amount, (opts.currency ?? '').toUpperCase(), opts.note), opts.json)));

  admin(accounts, 'update')
    .description('change an account: --credit-limit lets its balance go that far below zero (an account without a balance gets one)')
    .argument('<account>', 'account id or name')
    .requiredOption('--credit-limit <amount>', 'in units of the currency, e.g. 100; 0 for prepaid only', amountOption)
    .option('--currency <code>', "ISO 4217; default: the routes' currency, and the balance's once it has one")
    .action((account: string, opts) => withAdmin(opts, async (client) => printBalance(await client.setCreditLimit(account, opts.creditLimit, (opts.currency ?? '').toUpperCase()), opts.json)));

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
