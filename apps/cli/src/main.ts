import { Command } from 'commander';
import { registerCancel } from './commands/cancel.command';
import { registerEncode } from './commands/encode.command';
import { registerSend } from './commands/send.command';
import { registerStatus } from './commands/status.command';

const program = new Command('smsgw').description('smsgw command line: send SMS (now or scheduled), read their status, cancel scheduled ones, inspect encodings').showHelpAfterError();
registerSend(program);
registerStatus(program);
registerCancel(program);
registerEncode(program);
program.parseAsync(process.argv);
