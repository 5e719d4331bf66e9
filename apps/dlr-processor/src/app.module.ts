import { Module, type DynamicModule } from '@nestjs/common';
import { OpsModule, type OpsContext } from '@smsgw/shared/feature-ops';
import { ReceiptIdFormats } from './carriers/receipt-id-formats';
import { databaseProviders } from '@smsgw/shared/feature-ops';
import { WebhookDispatcher } from './deliver-webhooks/webhook.dispatcher';
import { ExpirySweeper } from './expire-messages/expiry.sweeper';
import { kafkaProviders } from './kafka.provider';
import { DlrMetrics } from './project-status/dlr.metrics';
import { StatusEventsConsumer } from './project-status/status-events.consumer';
import { StatusProjector } from './project-status/status-projector.service';

@Module({})
export class AppModule {
  static register(ctx: OpsContext): DynamicModule {
    return {
      module: AppModule,
      imports: [OpsModule.forRoot(ctx)],
      providers: [...databaseProviders('dlr-processor'), ...kafkaProviders, ReceiptIdFormats, DlrMetrics, StatusProjector, StatusEventsConsumer, ExpirySweeper, WebhookDispatcher],
    };
  }
}
