import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { QualityLearner, qualitySettings } from '@smsgw/routing/data-access-quality';
import { BREAKER_STATES, OfflineNumberLookup, type QualitySnapshot } from '@smsgw/routing/domain';
import { CONFIG, HealthRegistry, KAFKA, LOGGER } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import type { Kafka } from 'kafkajs';
import type { RouterEnv } from '../env';
import { RouterMetrics } from '../router.metrics';

/**
 * The quality routing reads: learned from sms.status.v1, sms.submitted.v2 and
 * sms.carrier-health.v1 by this replica's own consumer, frozen into a snapshot every
 * ROUTE_QUALITY_REFRESH_MS; breaker moves are logged and exported per carrier.
 */
@Injectable()
export class RouteQualityService implements OnModuleInit, OnApplicationShutdown {
  private readonly learner: QualityLearner;

  constructor(@Inject(CONFIG) config: RouterEnv, @Inject(LOGGER) logger: Logger, metrics: RouterMetrics, @Inject(KAFKA) kafka: Kafka, health: HealthRegistry) {
    const { qualityScore: score, breakerState: breaker } = metrics;
    this.learner = new QualityLearner(kafka, {
      settings: qualitySettings(config),
      lookup: new OfflineNumberLookup(undefined, false),
      logger,
      refreshMs: config.ROUTE_QUALITY_REFRESH_MS,
      pendingMax: config.ROUTE_QUALITY_PENDING_MAX,
      layout: config,
      groupPrefix: 'smsgw-router-quality',
      onSnapshot: (now, before) => {
        for (const c of now.carrierFigures()) {
          score.set({ carrier: c.carrier }, c.score);
          breaker.set({ carrier: c.carrier }, BREAKER_STATES.indexOf(c.breaker));
          const was = before.breaker(c.carrier).state;
          if (was !== c.breaker) {
            const b = now.breaker(c.carrier);
            const log = { carrier: c.carrier, previous: was, state: c.breaker, reason: b.reason }; // not from/to: the logger redacts those (numbers)
            if (c.breaker === 'open') logger.warn(log, 'circuit breaker open: carrier skipped while another qualifies');
            else logger.info(log, `circuit breaker ${c.breaker}`);
          }
        }
      },
    });
    health.add('route-quality', () => this.learner.started || 'route quality consumer not started');
  }

  get snapshot(): QualitySnapshot {
    return this.learner.snapshot;
  }

  onModuleInit(): Promise<void> {
    return this.learner.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.learner.stop();
  }
}
