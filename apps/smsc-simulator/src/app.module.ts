import { Module, type DynamicModule } from '@nestjs/common';
import { OpsModule, type OpsContext } from '@smsgw/shared/feature-ops';
import type { StartSimulatorOptions } from '@smsgw/smpp/feature-simulator';
import { SmscSimulatorController } from './simulator/smsc-simulator.controller';
import { SmscSimulatorMetrics } from './simulator/smsc-simulator.metrics';
import { SIMULATOR_OPTIONS, SmscSimulatorService } from './simulator/smsc-simulator.service';

@Module({})
export class AppModule {
  static register(ctx: OpsContext & { simulator: StartSimulatorOptions }): DynamicModule {
    return {
      module: AppModule,
      imports: [OpsModule.forRoot(ctx)],
      controllers: [SmscSimulatorController],
      providers: [{ provide: SIMULATOR_OPTIONS, useValue: ctx.simulator }, SmscSimulatorService, SmscSimulatorMetrics],
    };
  }
}
