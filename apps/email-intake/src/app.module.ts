import { Module, type DynamicModule } from '@nestjs/common';
import { OpsModule, type OpsContext } from '@smsgw/shared/feature-ops';
import { IngestClient } from './ingest/ingest.client';
import { DeliveryReports } from './receive-mail/delivery-reports';
import { EmailMetrics } from './receive-mail/email.metrics';
import { ReceiveMailService } from './receive-mail/receive-mail.service';
import { SmtpIntake } from './receive-mail/smtp.server';

@Module({})
export class AppModule {
  static register(ctx: OpsContext): DynamicModule {
    return { module: AppModule, imports: [OpsModule.forRoot(ctx)], providers: [IngestClient, EmailMetrics, DeliveryReports, ReceiveMailService, SmtpIntake] };
  }
}
