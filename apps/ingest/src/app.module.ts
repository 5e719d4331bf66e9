import { Module, type DynamicModule } from '@nestjs/common';
import { OpsModule, type OpsContext } from '@smsgw/shared/feature-ops';
import { databaseProviders, kafkaProviders } from '@smsgw/shared/feature-ops';
import { AdminToken } from './authenticate/admin-token';
import { ApiKeyAuthenticator } from './authenticate/api-key.authenticator';
import { ClientCertificateAuthenticator } from './authenticate/client-certificate.authenticator';
import { IntakeTokenAuthenticator } from './authenticate/intake-token.authenticator';
import { AdminGrpcController } from './grpc/admin.grpc.controller';
import { CancelMessageService } from './cancel-message/cancel-message.service';
import { RoutingView } from './explain-route/routing-view.service';
import { RoutingConfigAdmin } from './routing-config/routing-config.admin';
import { HttpApiServer } from './http/http-api.server';
import { StatusWatch } from './watch-status/status-watch';
import { MessageReader } from './get-message/message.reader';
import { UsageReader } from './get-usage/usage.reader';
import { SmsGrpcController } from './grpc/sms.grpc.controller';
import { INGEST_KAFKA } from './kafka/ingest-kafka';
import { IdempotencyStore } from './send-message/idempotency.store';
import { IdempotencySweeper } from './send-message/idempotency.sweeper';
import { IngestMetrics } from './send-message/ingest.metrics';
import { SendMessageService } from './send-message/send-message.service';
import { SendRateLimit } from './send-message/rate-limit';
import { CallbackHostCheck } from './send-message/callback-host.check';
import { SpendReservation } from './send-message/spend-reservation';
import { SuppressionCheck } from './send-message/suppression-check';
import { StickySenders } from './send-message/sticky-senders';
import { InboundReader } from './watch-inbound/inbound.reader';
import { InboundWatch } from './watch-inbound/inbound-watch';
import { SubmitEventsConsumer } from './send-message/submit-events.consumer';
import { ScheduleStore } from './schedule-message/schedule.store';
import { SchedulerService } from './schedule-message/scheduler.service';

@Module({})
export class AppModule {
  static register(ctx: OpsContext): DynamicModule {
    return {
      module: AppModule,
      imports: [OpsModule.forRoot(ctx)],
      controllers: [SmsGrpcController, AdminGrpcController],
      providers: [...databaseProviders('ingest'), ...kafkaProviders(INGEST_KAFKA), IngestMetrics, SendRateLimit, CallbackHostCheck, SuppressionCheck, StickySenders, SpendReservation, InboundReader, InboundWatch, IdempotencyStore, IdempotencySweeper, SendMessageService, MessageReader, UsageReader, SubmitEventsConsumer, ScheduleStore, SchedulerService, ApiKeyAuthenticator, ClientCertificateAuthenticator, IntakeTokenAuthenticator, AdminToken, RoutingView, RoutingConfigAdmin, StatusWatch, CancelMessageService, HttpApiServer],
    };
  }
}
