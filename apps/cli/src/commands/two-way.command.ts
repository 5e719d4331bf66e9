import type { InboundNumber, InboundSettings, OptOut } from '@smsgw/shared/util-proto';
import { InvalidArgumentError, type Command } from 'commander';
import { gatewayOptions } from '../credentials';
import { withAdmin } from '../grpc-client';
import { printJson } from '../output';

const iso = (ms: number) => (ms ? new Date(ms).toISOString() : null);
const out = (line: string) => process.stdout.write(line + '\n');
const numberView = (n: InboundNumber) => ({ number: n.number, keyword: n.keyword, accountId: n.accountId, createdAt: iso(n.createdAtMs) });
const optOutView = (o: OptOut) => ({ accountId: o.accountId, number: o.number, sender: o.sender, source: o.source, createdAt: iso(o.createdAtMs) });
const numberLine = (n: InboundNumber) => `${n.number}${n.keyword ? ` keyword ${n.keyword}` : ''}  account ${n.accountId}`;
const optOutLine = (o: OptOut) => `${o.number}  ${o.sender ? `sender ${o.sender}` : 'every sender'}  ${o.source}  ${iso(o.createdAtMs)}`;
const scope = (value: string) => {
  if (value !== 'account' && value !== 'sender') throw new InvalidArgumentError('"account" or "sender"');
  return value;
};
const DEFAULT_SETTINGS: InboundSettings = { webhookUrl: '', optoutScope: 'account', stopReply: '', startReply: '', helpReply: '' };

/** `smsgw numbers …`, `smsgw optout …` and `smsgw accounts inbound`: two-way through sms.v1.AdminService, with the admin token. */
export function registerTwoWay(program: Command): void {
  const admin = (parent: Command, name: string) => gatewayOptions(parent.command(name), 'admin-token');

  const numbers = program.command('numbers').description('inbound numbers, short codes and keywords of accounts (admin token needed)');
  admin(numbers, 'add')
    .description('give an account a number or short code (replies to it reach the account); --keyword shares a short code by first word')
    .argument('<account>', 'account id or name')
    .argument('<number>', 'the number or short code (+ and digits) or an alphanumeric sender')
    .option('--keyword <word>', 'only messages whose first word is this (case does not matter)', '')
    .action((account: string, number: string, opts) =>
      withAdmin(opts, async (client) => {
        const n = await client.addNumber(account, number, opts.keyword);
        if (opts.json) return printJson(numberView(n));
        out(`${numberLine(n)}: added`);
      }),
    );
  admin(numbers, 'list')
    .description('the numbers and keywords held, of one account or of all')
    .argument('[account]', 'account id or name (default: every account)', '')
    .action((account: string, opts) =>
      withAdmin(opts, async (client) => {
        const list = (await client.listNumbers(account)).numbers;
        if (opts.json) return printJson({ numbers: list.map(numberView) });
        for (const n of list) out(numberLine(n));
      }),
    );
  admin(numbers, 'remove')
    .description('take a number (or one keyword on it) back from its account')
    .argument('<number>', 'the number or short code')
    .option('--keyword <word>', 'only this keyword', '')
    .action((number: string, opts) =>
      withAdmin(opts, async (client) => {
        const n = await client.removeNumber(number, opts.keyword);
        if (opts.json) return printJson(numberView(n));
        out(`${numberLine(n)}: removed`);
      }),
    );

  const optout = program.command('optout').description("an account's suppression list: handsets that sent STOP (admin token needed)");
  admin(optout, 'list')
    .description('the handsets that opted out of an account, newest first')
    .argument('<account>', 'account id or name')
    .action((account: string, opts) =>
      withAdmin(opts, async (client) => {
        const list = (await client.listOptOuts(account)).optOuts;
        if (opts.json) return printJson({ optOuts: list.map(optOutView) });
        for (const o of list) out(optOutLine(o));
      }),
    );
  for (const [name, what] of [['add', 'add a handset to the suppression list: sends to it are refused with POLICY.OPTED_OUT within a second'], ['remove', 'take a handset off the suppression list']] as const) {
    admin(optout, name)
      .description(what)
      .argument('<account>', 'account id or name')
      .argument('<number>', 'the handset: E.164, or national in the gateway\'s default region')
      .option('--sender <sender>', 'only for this sender (default: every sender of the account)', '')
      .action((account: string, number: string, opts) =>
        withAdmin(opts, async (client) => {
          const o = name === 'add' ? await client.addOptOut(account, number, opts.sender) : await client.removeOptOut(account, number, opts.sender);
          if (opts.json) return printJson(optOutView(o));
          out(`${optOutLine(o)}: ${name === 'add' ? 'opted out' : 'opted in again'}`);
        }),
      );
  }

  const accounts = program.commands.find((c) => c.name() === 'accounts');
  if (!accounts) throw new Error('register the accounts commands first');
  admin(accounts, 'inbound')
    .description("show or change an account's two-way settings (options not given keep their value)")
    .argument('<account>', 'account id or name')
    .option('--webhook-url <url>', 'where inbound messages are POSTed, signed like status callbacks ("" for none); same rules as callback URLs')
    .option('--optout-scope <scope>', 'STOP stops every sender of the account ("account") or only the number it was sent to ("sender")', scope)
    .option('--stop-reply <text>', 'automatic reply to STOP ("" for the gateway\'s default, "-" for none)')
    .option('--start-reply <text>', 'automatic reply to START')
    .option('--help-reply <text>', 'automatic reply to HELP')
    .action((account: string, opts) =>
      withAdmin(opts, async (client) => {
        let settings = (await client.getAccount(account)).inbound ?? DEFAULT_SETTINGS;
        const changes: Partial<InboundSettings> = { webhookUrl: opts.webhookUrl, optoutScope: opts.optoutScope, stopReply: opts.stopReply, startReply: opts.startReply, helpReply: opts.helpReply };
        const given = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
        if (Object.keys(given).length > 0) settings = await client.setInboundSettings(account, { ...settings, ...given });
        if (opts.json) return printJson(settings);
        out(`account ${account}: webhook ${settings.webhookUrl || 'none'}; opt-outs per ${settings.optoutScope || 'account'}; replies: stop ${JSON.stringify(settings.stopReply || 'default')}, start ${JSON.stringify(settings.startReply || 'default')}, help ${JSON.stringify(settings.helpReply || 'default')}`);
      }),
    );
}
