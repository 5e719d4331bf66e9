import { Module, type DynamicModule } from '@nestjs/common';
import { OpsModule, type OpsContext } from '@smsgw/shared/feature-ops';
import { RouteQualityService } from './learn-quality/route-quality.service';
import { RouteMessageConsumer } from './route-message/route-message.consumer';

@Module({})
export class AppModule {
  static register(ctx: OpsContext): DynamicModule {
    return { module: AppModule, imports: [OpsModule.forRoot(ctx)], providers: [RouteQualityService, RouteMessageConsumer] };
  }
}
