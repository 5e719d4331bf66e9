import { Module, type DynamicModule } from '@nestjs/common';
import { OpsModule, type OpsContext } from '@smsgw/shared/feature-ops';
import { ConsoleServer } from './serve-console/console.server';

@Module({})
export class AppModule {
  static register(ctx: OpsContext): DynamicModule {
    return { module: AppModule, imports: [OpsModule.forRoot(ctx)], providers: [ConsoleServer] };
  }
}
