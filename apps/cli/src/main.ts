import { Command } from 'commander';
import { registerAccounts } from './commands/accounts.command';
import { registerSmppCredentials } from './commands/smpp-credentials.command';
import { registerCancel } from './commands/cancel.command';
import { registerEncode } from './commands/encode.command';
import { registerReceipts } from './commands/receipts.command';
import { registerHolds } from './commands/holds.command';
import { registerRouting } from './commands/routing.command';
import { registerRoutes } from './commands/routes.command';
import { registerSend } from './commands/send.command';
import { registerStatus } from './commands/status.command';
import { registerUsage } from './commands/usage.command';
import { registerTwoWay } from './commands/two-way.command';

// `smsgw status <id> | head -2`: a reader that stops early is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const program = new Command('smsgw').description('smsgw command line: send SMS (now or scheduled), read their status, cancel scheduled ones, inspect encodings, manage accounts, API keys and SMPP credentials, rate cards, explain routing, list unmatched receipts, inbound numbers and opt-outs, show usage').showHelpAfterError();
registerSend(program);
registerStatus(program);
registerCancel(program);
registerEncode(program);
registerAccounts(program);
registerSmppCredentials(program);
registerUsage(program);
registerTwoWay(program);
registerReceipts(program);
registerHolds(program);
registerRouting(program);
registerRoutes(program);
program.parseAsync(process.argv);
