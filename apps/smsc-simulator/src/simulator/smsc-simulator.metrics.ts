import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { METRICS } from '@smsgw/shared/feature-ops';
import { Counter, Gauge, type Registry } from '@smsgw/shared/util-metrics';
import type { SimulatorStatsSnapshot } from '@smsgw/smpp/feature-simulator';
import { SmscSimulatorService } from './smsc-simulator.service';

/**
 * Prometheus view of the simulator's counters, read from its stats on each scrape, so the SMPP hot
 * path only increments plain numbers. A POST /stats/reset shows as a counter reset.
 */
@Injectable()
export class SmscSimulatorMetrics implements OnModuleInit {
  constructor(
    @Inject(METRICS) private readonly registry: Registry,
    private readonly service: SmscSimulatorService,
  ) {}

  onModuleInit(): void {
    const stats = (): SimulatorStatsSnapshot | undefined => (this.service.started ? this.service.simulator.stats() : undefined);
    type Read = (s: SimulatorStatsSnapshot) => Array<[Record<string, string>, number]>;
    // Counters and gauges alike are rebuilt from the snapshot on each scrape (reset, then add).
    const define = (Metric: typeof Counter | typeof Gauge, name: string, help: string, labelNames: string[], read: Read): void => {
      new Metric({
        name,
        help,
        labelNames,
        registers: [this.registry],
        collect(this: Counter | Gauge) {
          const s = stats();
          this.reset();
          if (s) for (const [labels, value] of read(s)) this.inc(labels, value);
        },
      });
    };
    const counter = (name: string, help: string, labelNames: string[], read: Read) => define(Counter, name, help, labelNames, read);
    const gauge = (name: string, help: string, labelNames: string[], read: Read) => define(Gauge, name, help, labelNames, read);

    counter('smsgw_simulator_submits_total', 'submit_sm and data_sm received, by answer.', ['result'], (s) => [
      [{ result: 'accepted' }, s.submits.accepted],
      [{ result: 'throttled' }, s.submits.throttled],
      [{ result: 'window_full' }, s.submits.windowFull],
      [{ result: 'fault_status' }, s.submits.faultStatus],
      [{ result: 'rejected' }, s.submits.rejected],
    ]);
    counter('smsgw_simulator_unique_segments_total', 'Distinct segments accepted.', [], (s) => [[{}, s.uniqueMessages]]);
    counter('smsgw_simulator_duplicate_submits_total', 'Accepted submits of a segment accepted before.', [], (s) => [[{}, s.duplicateSubmits]]);
    counter('smsgw_simulator_receipts_total', 'Receipts generated, by stat.', ['stat'], (s) => Object.entries(s.receipts.byStat).map(([stat, n]) => [{ stat }, n]));
    counter('smsgw_simulator_deliver_sm_total', 'deliver_sm written and acknowledged, by kind.', ['kind', 'outcome'], (s) => [
      [{ kind: 'receipt', outcome: 'sent' }, s.receipts.sent],
      [{ kind: 'receipt', outcome: 'acknowledged' }, s.receipts.acknowledged],
      [{ kind: 'receipt', outcome: 'resent' }, s.receipts.resent],
      [{ kind: 'mo', outcome: 'sent' }, s.mo.sent],
      [{ kind: 'mo', outcome: 'acknowledged' }, s.mo.acknowledged],
    ]);
    counter('smsgw_simulator_connections_dropped_total', 'Connections dropped by the dropAfterPdus fault.', [], (s) => [[{}, s.connections.dropped]]);
    gauge('smsgw_simulator_binds', 'Binds up now, by type.', ['type'], (s) => Object.entries(s.binds.current).map(([type, n]) => [{ type }, n]));
    gauge('smsgw_simulator_deliver_pending', 'deliver_sm queued or unacknowledged, by kind.', ['kind'], (s) => [
      [{ kind: 'receipt' }, s.receipts.pending],
      [{ kind: 'mo' }, s.mo.pending],
    ]);
  }
}
