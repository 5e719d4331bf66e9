import { Module, type DynamicModule } from '@nestjs/common';
import { OpsModule, kafkaClientProvider, type OpsContext } from '@smsgw/shared/feature-ops';
import type { ConnectorEnv } from './env';
import { SubmitSegmentsService } from './submit-segments/submit-segments.service';

@Module({})
export class AppModule {
  static register(ctx: OpsContext): DynamicModule {
    return { module: AppModule, imports: [OpsModule.forRoot(ctx)], providers: [kafkaClientProvider((config: ConnectorEnv) => `connector-${config.CARRIER_ID}`), SubmitSegmentsService] };
  }
}
