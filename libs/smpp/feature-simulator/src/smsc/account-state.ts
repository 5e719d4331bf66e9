import type { SimulatorAccount } from '../config/simulator-config';
import { TokenBucket } from '@smsgw/smpp/domain';
import type { DeliveryQueue } from './delivery-queue';
import type { EsmeConnection } from './esme-connection';

/** One system_id: its binds, its TPS bucket (shared by its binds) and its deliver_sm queue. */
export class AccountState {
  readonly binds = new Set<EsmeConnection>();
  readonly bucket: TokenBucket | undefined;

  constructor(
    readonly account: SimulatorAccount,
    readonly deliveries: DeliveryQueue,
    nowMs: number,
  ) {
    this.bucket = account.tps > 0 ? new TokenBucket(account.tps, account.tpsBurst || account.tps, nowMs) : undefined;
  }
}
