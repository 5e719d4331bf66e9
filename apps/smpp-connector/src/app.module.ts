import { Module, type DynamicModule } from '@nestjs/common';
import { OpsModule, type OpsContext } from '@smsgw/shared/feature-ops';
import { SubmitSegmentsService } from './submit-segments/submit-segments.service';

@Module({})
export class AppModule {
  static register(ctx: OpsContext): DynamicModule {
    return { module: AppModule, imports: [OpsModule.forRoot(ctx)], providers: [SubmitSegmentsService] };
  }
}
