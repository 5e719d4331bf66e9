import type { UnmatchedReceipt } from '@smsgw/shared/util-proto';
import { InvalidArgumentError, type Command } from 'commander';
import { gatewayOptions } from '../credentials';
import { withAdmin } from '../grpc-client';
import { printJson } from '../output';

const view = (r: UnmatchedReceipt) => ({
  carrier: r.carrierId,
  smscMessageId: r.smscMessageId || null,
  reason: r.reason,
  statWord: r.statWord || null,
  messageId: r.messageId || null,
  receivedAt: r.receivedAtMs ? new Date(r.receivedAtMs).toISOString() : null,
  detail: r.detail,
});

const limitOption = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new InvalidArgumentError('a whole number from 1 to 1000');
  return n;
};

/** `smsgw receipts unmatched`: sms.v1.AdminService ListUnmatchedReceipts, with the admin token. */
export function registerReceipts(program: Command): void {
  const receipts = program.command('receipts').description('delivery receipts (admin token needed: --admin-token-file)');
  gatewayOptions(receipts.command('unmatched'), 'admin-token')
    .description('receipts that moved no message, newest first, with the reason (DLR.NO_SUBMIT_REPORT, DLR.UNKNOWN_STAT, DLR.NO_STAT, DLR.NO_MESSAGE_ID)')
    .option('--carrier <id>', "only this carrier's receipts")
    .option('--limit <n>', 'at most this many (1 to 1000)', limitOption, 100)
    .action((opts) =>
      withAdmin(opts, async (client) => {
        const list = (await client.listUnmatchedReceipts(opts.carrier ?? '', opts.limit)).receipts.map(view);
        if (opts.json) return printJson({ receipts: list });
        if (list.length === 0) return void process.stdout.write('no unmatched receipts\n');
        for (const r of list) {
          const parts = [r.receivedAt, r.carrier, r.smscMessageId ?? '-', r.reason, r.statWord ? `stat ${r.statWord}` : '', r.messageId ? `message ${r.messageId}` : ''].filter(Boolean);
          process.stdout.write(`${parts.join('  ')}\n  ${r.detail}\n`);
        }
      }),
    );
}
