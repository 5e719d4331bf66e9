import { Module, type DynamicModule } from '@nestjs/common';
import { OpsModule, kafkaProviders, type OpsContext } from '@smsgw/shared/feature-ops';
import { RouteQualityService } from './learn-quality/route-quality.service';
import { ROUTER_KAFKA, RouteMessageConsumer } from './route-message/route-message.consumer';
import { RouterMetrics } from './router.metrics';

@Module({})
export class AppModule {
  static register(ctx: OpsContext): DynamicModule {
    return { module: AppModule, imports: [OpsModule.forRoot(ctx)], providers: [RouterMetrics, ...kafkaProviders(ROUTER_KAFKA), RouteQualityService, RouteMessageConsumer] };
  }
}
