import { MessageStatus, millisFromTimestamp, type Timestamp, encodingName } from '@smsgw/shared/util-proto';
import type { Command } from 'commander';
import { gatewayOptions } from '../credentials';
import { withClient } from '../grpc-client';
import { printJson } from '../output';
import { money } from './routing.command';

const iso = (ts: Timestamp | undefined) => {
  const ms = millisFromTimestamp(ts);
  return ms ? new Date(ms).toISOString() : null;
};

export function registerStatus(program: Command): void {
  gatewayOptions(program.command('status'), 'api-key')
    .description('show a message: status, encoding, segments, carrier, route rule and price, timestamps')
    .argument('<id>', 'message id from send')
    .action((id: string, opts) =>
      withClient(opts, async (client) => {
        const m = await client.getMessage(id);
        const view = {
          id: m.id,
          status: MessageStatus[m.status],
          encoding: encodingName(m.encoding),
          segments: m.segments,
          segmentsDelivered: m.segmentsDelivered,
          carrier: m.carrier || null,
          routeRule: m.routeRuleId || null,
          pricePerSegment: m.priceCurrency ? money(m.pricePerSegmentMicros, m.priceCurrency) : null,
          price: m.priceCurrency ? money(m.priceTotalMicros, m.priceCurrency) : null,
          reasonCode: m.reasonCode || null,
          reason: m.reason || null,
          clientReference: m.clientReference || null,
          acceptedAt: iso(m.acceptedAt),
          submittedAt: iso(m.submittedAt),
          completedAt: iso(m.completedAt),
          updatedAt: iso(m.updatedAt),
        };
        if (opts.json) printJson(view);
        else for (const [k, v] of Object.entries(view)) if (v !== null) process.stdout.write(`${k.padEnd(18)} ${v}\n`);
      }),
    );
}
