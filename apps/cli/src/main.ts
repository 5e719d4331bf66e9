import { Command } from 'commander';
import { registerAccounts } from './commands/accounts.command';
import { registerCancel } from './commands/cancel.command';
import { registerEncode } from './commands/encode.command';
import { registerSend } from './commands/send.command';
import { registerStatus } from './commands/status.command';

// `smsgw status <id> | head -2`: a reader that stops early is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const program = new Command('smsgw').description('smsgw command line: send SMS (now or scheduled), read their status, cancel scheduled ones, inspect encodings, manage accounts and API keys').showHelpAfterError();
registerSend(program);
registerStatus(program);
registerCancel(program);
registerEncode(program);
registerAccounts(program);
program.parseAsync(process.argv);
