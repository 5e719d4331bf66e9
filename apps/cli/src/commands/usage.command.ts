import { MessageStatus, type Usage } from '@smsgw/shared/util-proto';
import { Option, type Command } from 'commander';
import { LOCAL_ADMIN_TOKEN_FILE, gatewayOptions } from '../credentials';
import { withAdmin, withClient } from '../grpc-client';
import { printJson } from '../output';
import { money } from './routing.command';

const out = (line: string) => process.stdout.write(line + '\n');

type SpendTotal = { currency: string; reservedMicros: number; settledMicros: number; refundedMicros: number; creditedMicros: number };

/** The JSON view: rows with status names, spend rows (micro-units, as the API gives them), and totals (spend per currency). */
export function usageView(u: Usage) {
  const rows = u.rows.map((r) => ({ day: r.day, status: MessageStatus[r.status] ?? String(r.status), messages: r.messages, segments: r.segments }));
  const spend = (u.spend ?? []).map((r) => ({ day: r.day, currency: r.currency, reservedMicros: r.reservedMicros, settledMicros: r.settledMicros, refundedMicros: r.refundedMicros, creditedMicros: r.creditedMicros }));
  const byCurrency = new Map<string, SpendTotal>();
  for (const r of spend) {
    const t = byCurrency.get(r.currency) ?? { currency: r.currency, reservedMicros: 0, settledMicros: 0, refundedMicros: 0, creditedMicros: 0 };
    t.reservedMicros += r.reservedMicros;
    t.settledMicros += r.settledMicros;
    t.refundedMicros += r.refundedMicros;
    t.creditedMicros += r.creditedMicros;
    byCurrency.set(r.currency, t);
  }
  return {
    accountId: u.accountId,
    fromDay: u.fromDay,
    toDay: u.toDay,
    rows,
    spend,
    total: { messages: rows.reduce((n, r) => n + r.messages, 0), segments: rows.reduce((n, r) => n + r.segments, 0), spend: [...byCurrency.values()] },
  };
}

/** The table `smsgw usage` prints: messages by day and status, then (prepaid accounts) spend by day and currency. */
export function usageLines(u: Usage): string[] {
  const view = usageView(u);
  const lines = [`account ${view.accountId}, ${view.fromDay} to ${view.toDay} (UTC)`];
  lines.push(['day'.padEnd(10), 'status'.padEnd(11), 'messages'.padStart(9), 'segments'.padStart(9)].join('  '));
  for (const r of view.rows) lines.push([r.day, r.status.padEnd(11), String(r.messages).padStart(9), String(r.segments).padStart(9)].join('  '));
  lines.push(['total'.padEnd(10), ''.padEnd(11), String(view.total.messages).padStart(9), String(view.total.segments).padStart(9)].join('  '));
  if (view.spend.length === 0) return lines;
  const cols = (day: string, s: { currency: string; reservedMicros: number; settledMicros: number; refundedMicros: number; creditedMicros: number }) =>
    [day.padEnd(10), ...[s.reservedMicros, s.settledMicros, s.refundedMicros, s.creditedMicros].map((m) => money(m, s.currency).padStart(16))].join('  ');
  lines.push('', ['spend'.padEnd(10), 'reserved'.padStart(16), 'settled'.padStart(16), 'refunded'.padStart(16), 'credited'.padStart(16)].join('  '));
  for (const r of view.spend) lines.push(cols(r.day, r));
  for (const t of view.total.spend) lines.push(cols('total', t));
  return lines;
}

function print(u: Usage, json: boolean): void {
  if (json) return printJson(usageView(u));
  for (const line of usageLines(u)) out(line);
}

/** `smsgw usage`: the API key's account (SmsService.GetUsage), or with --account any account (AdminService, admin token). */
export function registerUsage(program: Command): void {
  gatewayOptions(program.command('usage'), 'api-key')
    .description('messages and segments by day (UTC) and status, from the status store; a prepaid account\'s spend by day (reserved, settled, refunded, credited)')
    .option('--from <day>', 'first day, YYYY-MM-DD (default: 29 days before --to)')
    .option('--to <day>', 'last day, included, YYYY-MM-DD (default: today)')
    .option('--account <account>', "another account's usage, by id or name (admin token needed)")
    .addOption(new Option('--admin-token-file <file>', `with --account: file with ingest's admin token (default for a local target: ${LOCAL_ADMIN_TOKEN_FILE.split('/').slice(-2).join('/')})`).env('SMSGW_ADMIN_TOKEN_FILE'))
    .action((opts) =>
      opts.account
        ? withAdmin(opts, async (admin) => print(await admin.getAccountUsage(opts.account, opts.from ?? '', opts.to ?? ''), !!opts.json))
        : withClient(opts, async (client) => print(await client.getUsage(opts.from ?? '', opts.to ?? ''), !!opts.json)),
    );
}
