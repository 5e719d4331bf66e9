import { Module, type DynamicModule } from '@nestjs/common';
import { OpsModule, databaseProviders, kafkaClientProvider, type OpsContext } from '@smsgw/shared/feature-ops';
import { DeliveryFeedConsumer } from './deliver/delivery-feed.consumer';
import { DeliveryDispatcher } from './deliver/delivery.dispatcher';
import { IntakeClient } from './ingest/intake.client';
import { SmppServerMetrics } from './smpp-server.metrics';
import { SmppServer } from './smpp.server';
import { SubmitService } from './submit/submit.service';

@Module({})
export class AppModule {
  static register(ctx: OpsContext): DynamicModule {
    return {
      module: AppModule,
      imports: [OpsModule.forRoot(ctx)],
      providers: [...databaseProviders('smpp-server'), kafkaClientProvider('smpp-server'), SmppServerMetrics, IntakeClient, SubmitService, DeliveryDispatcher, DeliveryFeedConsumer, SmppServer],
    };
  }
}
