import { MessageStatus, millisFromTimestamp, encodingName } from '@smsgw/shared/util-proto';
import type { Command } from 'commander';
import { gatewayOptions } from '../credentials';
import { withClient } from '../grpc-client';
import { fail, printJson } from '../output';
import { parseSendAt } from './send-at';

export function registerSend(program: Command): void {
  gatewayOptions(program.command('send'), 'api-key')
    .description('send one SMS through the gateway; prints the message id')
    .requiredOption('--to <number>', 'destination, E.164 (+447911123456) or national')
    .requiredOption('--from <sender>', 'sender id: up to 11 letters/digits, or a number')
    .requiredOption('--text <text>', 'message body')
    .option('--smart', 'replace look-alike characters to avoid UCS-2')
    .option('--reference <ref>', 'your own reference, returned with every status')
    .option('--idempotency-key <key>', 'makes retries safe: the same key returns the first message id')
    .option('--send-at <time>', 'schedule: an ISO 8601 time with a zone (2026-12-01T09:00:00Z) or a delay (+15m, +2h); cancel with `smsgw cancel <id>`')
    .action(async (opts) => {
      let sendAtMs = 0;
      try {
        if (opts.sendAt) sendAtMs = parseSendAt(opts.sendAt);
      } catch (err) {
        fail(err, !!opts.json, opts.target);
        return;
      }
      await withClient(opts, async (client) => {
        const res = await client.send({ to: opts.to, from: opts.from, text: opts.text, smartEncoding: !!opts.smart, clientReference: opts.reference ?? '', idempotencyKey: opts.idempotencyKey ?? '', sendAtMs });
        if (opts.json) {
          printJson({ id: res.id, status: MessageStatus[res.status], encoding: encodingName(res.encoding), segments: res.segments, acceptedAt: new Date(millisFromTimestamp(res.acceptedAt) ?? 0).toISOString(), duplicate: res.duplicate });
        } else {
          process.stdout.write(`${res.id}\n`);
        }
      });
    });
}
