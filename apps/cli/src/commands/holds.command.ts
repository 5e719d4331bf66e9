import type { HeldMessageView } from '@smsgw/shared/util-proto';
import { InvalidArgumentError, type Command } from 'commander';
import { gatewayOptions } from '../credentials';
import { withAdmin } from '../grpc-client';
import { printJson } from '../output';

const view = (m: HeldMessageView) => ({ id: m.id, accountId: m.accountId, country: m.country, acceptedAt: new Date(m.acceptedAtMs).toISOString(), heldUntil: new Date(m.heldUntilMs).toISOString() });

const limitOption = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new InvalidArgumentError('a whole number from 1 to 1000');
  return n;
};

/** Message ids, or --account (and --country): what release and reject act on; the server refuses both or neither. */
export function holdSelection(ids: string[], opts: { account?: string; country?: string }): { ids?: string[]; account?: string; country?: string } {
  if (ids.length > 0 && opts.account) throw new InvalidArgumentError('give message ids or --account, not both');
  if (ids.length === 0 && !opts.account) throw new InvalidArgumentError('give message ids, or --account (with --country for one country)');
  if (opts.country && !opts.account) throw new InvalidArgumentError('--country goes with --account');
  return ids.length > 0 ? { ids } : { account: opts.account, country: opts.country ?? '' };
}

/** `smsgw holds list | release | reject`: messages SMS-pumping protection holds (policy "hold"), with the admin token. */
export function registerHolds(program: Command): void {
  const holds = program.command('holds').description('messages held by SMS-pumping protection (accounts with --pumping hold; admin token needed)');
  gatewayOptions(holds.command('list'), 'admin-token')
    .description('held messages, oldest first, with when each is refused unless released')
    .option('--account <account>', "only this account's (id or name)")
    .option('--country <cc>', 'only those to this country (ISO 3166 alpha-2, e.g. GB)')
    .option('--limit <n>', 'at most this many (1 to 1000)', limitOption, 100)
    .action((opts) =>
      withAdmin(opts, async (client) => {
        const answer = await client.listHeldMessages(opts.account ?? '', opts.country ?? '', opts.limit);
        const list = answer.messages.map(view);
        if (opts.json) return printJson({ messages: list, total: answer.total });
        if (list.length === 0) return void process.stdout.write('no held messages\n');
        for (const m of list) process.stdout.write(`${m.id}  ${m.accountId}  ${m.country}  accepted ${m.acceptedAt}  refused at ${m.heldUntil}\n`);
        if (answer.total > list.length) process.stdout.write(`… ${answer.total - list.length} more (--limit, --account, --country)\n`);
      }),
    );
  for (const [name, what] of [
    ['release', 'sends held messages on, as if just accepted'],
    ['reject', 'refuses held messages: FAILED with RATE.PUMPING_REJECTED, their reservations refunded'],
  ] as const) {
    gatewayOptions(holds.command(name).argument('[ids...]', 'message ids'), 'admin-token')
      .description(`${what}: by id, or every held message of --account (to --country)`)
      .option('--account <account>', 'every held message of this account (id or name)')
      .option('--country <cc>', 'with --account: only those to this country')
      .action((ids: string[], opts) =>
        withAdmin(opts, async (client) => {
          const selection = holdSelection(ids, opts);
          const { ids: done } = name === 'release' ? await client.releaseHeldMessages(selection) : await client.rejectHeldMessages(selection);
          if (opts.json) return printJson({ [name === 'release' ? 'released' : 'rejected']: done });
          process.stdout.write(`${done.length} held message${done.length === 1 ? '' : 's'} ${name === 'release' ? 'released' : 'rejected'}${done.length ? `: ${done.join(' ')}` : ' (none was still held)'}\n`);
        }),
      );
  }
}
