import { Module, type DynamicModule } from '@nestjs/common';
import { OpsModule, kafkaProviders, type OpsContext } from '@smsgw/shared/feature-ops';
import { ENCODER_KAFKA, EncodeMessageConsumer } from './encode-message/encode-message.consumer';
import { EncoderMetrics } from './encoder.metrics';

@Module({})
export class AppModule {
  static register(ctx: OpsContext): DynamicModule {
    return { module: AppModule, imports: [OpsModule.forRoot(ctx)], providers: [EncoderMetrics, ...kafkaProviders(ENCODER_KAFKA), EncodeMessageConsumer] };
  }
}
