import { TOPICS, type EventProducer } from '@smsgw/shared/data-access-kafka';
import type { Logger } from '@smsgw/shared/util-logging';
import { CarrierHealth } from '@smsgw/shared/util-proto';
import type { CarrierSessionPool, PoolObserver } from '@smsgw/smpp/data-access-session';

export interface CarrierHealthSettings {
  /** Names this replica in CarrierHealth (pod name or host:pid). */
  instanceId: string;
  /** CarrierHealth to sms.carrier-health.v1 this often (0 = never). */
  healthIntervalMs: number;
}

type HealthView = Pick<CarrierSessionPool, 'bindsUp' | 'bindsConfigured' | 'throttledRecently' | 'windowInUse'>;

/**
 * This replica's view of its carrier for the router (sms.carrier-health.v1): binds up, the error
 * rate of submits since the last report, throttling and the window in use.
 */
export class CarrierHealthReporter {
  private interval = { responses: 0, errors: 0, throttled: 0 };
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly carrierId: string,
    private readonly pool: () => HealthView,
    private readonly producer: EventProducer,
    private readonly logger: Logger,
    private readonly settings: CarrierHealthSettings,
  ) {}

  /** The pool's hooks that count this interval's submit responses, errors and throttling. */
  readonly poolHooks: PoolObserver = {
    response: (command, status) => {
      if (command !== 'submit_sm' && command !== 'data_sm') return;
      this.interval.responses++;
      if (status !== 0 && status !== 0x58 && status !== 0x14) this.interval.errors++;
    },
    throttled: () => this.interval.throttled++,
    unknownOutcome: () => this.interval.errors++,
  };

  start(): void {
    if (this.settings.healthIntervalMs <= 0) return;
    this.timer = setInterval(() => void this.publish(), this.settings.healthIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  health(): CarrierHealth {
    const { responses, errors, throttled } = this.interval;
    const pool = this.pool();
    return CarrierHealth.create({
      carrierId: this.carrierId,
      instanceId: this.settings.instanceId,
      bindsUp: pool.bindsUp,
      bindsConfigured: pool.bindsConfigured,
      errorRate: responses + errors > 0 ? Math.min(1, errors / Math.max(1, responses)) : 0,
      throttled: throttled > 0 || pool.throttledRecently,
      windowInUse: pool.windowInUse,
      reportedAtMs: Date.now(),
    });
  }

  /** Publishes the health and starts a new interval; a failed publish is logged, not thrown. */
  async publish(): Promise<void> {
    const value = this.health();
    this.interval = { responses: 0, errors: 0, throttled: 0 };
    try {
      await this.producer.send({ topic: TOPICS.carrierHealth, key: this.carrierId, value });
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'could not publish carrier health');
    }
  }
}
