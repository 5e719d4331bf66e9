import { Module, type DynamicModule } from '@nestjs/common';
import { OpsModule, type OpsContext } from '@smsgw/shared/feature-ops';
import { ReceiptIdDetector } from './carriers/receipt-id-detector';
import { ReceiptIdFormats } from './carriers/receipt-id-formats';
import { databaseProviders, kafkaProviders } from '@smsgw/shared/feature-ops';
import { WebhookDispatcher } from './deliver-webhooks/webhook.dispatcher';
import { WebhookSender } from './deliver-webhooks/webhook.sender';
import { ExpirySweeper } from './expire-messages/expiry.sweeper';
import { DLR_KAFKA } from './dlr-kafka';
import { DlrMetrics } from './project-status/dlr.metrics';
import { StatusEventsConsumer } from './project-status/status-events.consumer';
import { StatusProjector } from './project-status/status-projector.service';
import { InboundEventsConsumer } from './route-inbound/inbound-events.consumer';
import { SpendSettlementConsumer } from './settle-spend/spend-settlement.consumer';
import { InboundRouter } from './route-inbound/inbound-router.service';

@Module({})
export class AppModule {
  static register(ctx: OpsContext): DynamicModule {
    return {
      module: AppModule,
      imports: [OpsModule.forRoot(ctx)],
      providers: [...databaseProviders('dlr-processor'), ...kafkaProviders(DLR_KAFKA), ReceiptIdFormats, ReceiptIdDetector, DlrMetrics, StatusProjector, StatusEventsConsumer, ExpirySweeper, WebhookSender, WebhookDispatcher, InboundRouter, InboundEventsConsumer, SpendSettlementConsumer],
    };
  }
}
