import { Command } from 'commander';
import { registerEncode } from './commands/encode.command';
import { registerSend } from './commands/send.command';
import { registerStatus } from './commands/status.command';

const program = new Command('smsgw').description('smsgw command line: send SMS, read their status, inspect encodings').showHelpAfterError();
registerSend(program);
registerStatus(program);
registerEncode(program);
program.parseAsync(process.argv);
