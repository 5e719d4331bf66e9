import { Inject, Injectable } from '@nestjs/common';
import { METRICS } from '@smsgw/shared/feature-ops';
import { counter, gauge, histogram, type Registry } from '@smsgw/shared/util-metrics';

@Injectable()
export class SmppServerMetrics {
  readonly binds;
  readonly bindsTotal;
  readonly pdus;
  readonly batchSize;
  readonly deliveriesPending;
  readonly receiptsQueued;

  constructor(@Inject(METRICS) registry: Registry) {
    this.binds = gauge(registry, 'smsgw_smpp_server_binds', 'ESME binds up on this replica, by bind type.', ['bind_type']);
    this.bindsTotal = counter(registry, 'smsgw_smpp_server_bind_attempts_total', 'Bind requests by outcome (command_status name).', ['status']);
    this.pdus = counter(registry, 'smsgw_smpp_server_pdus_total', 'PDUs handled: requests from ESMEs by the status answered, deliver_sm_resp by the status the ESME answered.', ['command', 'status']);
    this.batchSize = histogram(registry, 'smsgw_smpp_server_batch_messages', 'Messages per SendBatch to ingest.', [], [1, 2, 5, 10, 20, 50, 100, 200, 500]);
    this.deliveriesPending = gauge(registry, 'smsgw_smpp_server_deliveries_in_flight', 'deliver_sm sent and not yet acknowledged on this replica.');
    this.receiptsQueued = counter(registry, 'smsgw_smpp_server_deliveries_queued_total', 'Receipts and MO queued in PostgreSQL for ESMEs, by kind.', ['kind']);
  }
}
