import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { consumerLiveness, TOPICS, startFetchConsumer } from '@smsgw/shared/data-access-kafka';
import { CONFIG, HealthRegistry, LOGGER } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import type { Consumer, Kafka } from 'kafkajs';
import type { DlrEnv } from '../env';
import { KAFKA } from '@smsgw/shared/feature-ops';
import { StatusProjector } from './status-projector.service';

/**
 * One consumer group over the three topics the status is made of; each fetch (every partition it
 * returned) is projected in one transaction. Replicas may project side by side; the projection is
 * safe for that (see libs/status/data-access-store projection.ts).
 */
@Injectable()
export class StatusEventsConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer: Consumer | undefined;
  private liveness: (() => true | string) | undefined;
  private crashed: string | undefined;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(CONFIG) private readonly config: DlrEnv,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly projector: StatusProjector,
    health: HealthRegistry,
  ) {
    health.add('kafka-consumer', () => this.crashed ?? this.liveness?.() ?? 'status consumer not started');
  }

  // After every onModuleInit, so the producer is connected before the first batch.
  async onApplicationBootstrap(): Promise<void> {
    this.consumer = await startFetchConsumer(this.kafka, {
      groupId: this.config.DLR_CONSUMER_GROUP,
      topics: [TOPICS.accepted, TOPICS.submitted, TOPICS.submittedV1, TOPICS.dlrRaw],
      logger: this.logger,
      handle: (fetch) => this.projector.handle(fetch),
    });
    this.liveness = consumerLiveness(this.consumer);
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) this.crashed = `status consumer crashed: ${payload.error.message}`;
    });
    this.logger.info({ groupId: this.config.DLR_CONSUMER_GROUP }, 'projecting sms.accepted.v1, sms.submitted.v2 (and the retired v1), sms.dlr.raw.v1');
  }

  // Before the producer and the pool close: the batch in hand finishes and commits first.
  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.disconnect();
    this.consumer = undefined;
  }
}
