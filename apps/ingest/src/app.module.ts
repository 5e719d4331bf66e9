import { Module, type DynamicModule } from '@nestjs/common';
import { OpsModule, type OpsContext } from '@smsgw/shared/feature-ops';
import { databaseProviders } from '@smsgw/shared/feature-ops';
import { AdminToken } from './authenticate/admin-token';
import { ApiKeyAuthenticator } from './authenticate/api-key.authenticator';
import { AdminGrpcController } from './grpc/admin.grpc.controller';
import { MessageReader } from './get-message/message.reader';
import { SmsGrpcController } from './grpc/sms.grpc.controller';
import { kafkaProviders } from './kafka/kafka.provider';
import { IdempotencyStore } from './send-message/idempotency.store';
import { IdempotencySweeper } from './send-message/idempotency.sweeper';
import { IngestMetrics } from './send-message/ingest.metrics';
import { SendMessageService } from './send-message/send-message.service';
import { SendRateLimit } from './send-message/rate-limit';
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
      providers: [...databaseProviders('ingest'), ...kafkaProviders, IngestMetrics, SendRateLimit, IdempotencyStore, IdempotencySweeper, SendMessageService, MessageReader, SubmitEventsConsumer, ScheduleStore, SchedulerService, ApiKeyAuthenticator, AdminToken],
    };
  }
}
