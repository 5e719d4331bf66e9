import { MessageStatus } from '@smsgw/shared/util-proto';
import type { Command } from 'commander';
import { gatewayOptions } from '../credentials';
import { withClient } from '../grpc-client';
import { printJson } from '../output';

export function registerCancel(program: Command): void {
  gatewayOptions(program.command('cancel'), 'api-key')
    .description('cancel a scheduled message before its send time; exit code 2 when it is already on its way')
    .argument('<id>', 'message id from send')
    .action((id: string, opts) =>
      withClient(opts, async (client) => {
        const res = await client.cancelMessage(id);
        const status = MessageStatus[res.status];
        if (opts.json) printJson({ id, canceled: res.canceled, status });
        else process.stdout.write(res.canceled ? `${id} canceled\n` : `${id} not canceled: it is ${status} (only a scheduled message can be canceled before its send time)\n`);
        if (!res.canceled) process.exitCode = 2;
      }),
    );
}
