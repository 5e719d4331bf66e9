import { BadRequestException, Body, Controller, Get, HttpCode, HttpStatus, NotFoundException, Post } from '@nestjs/common';
import { SimulatorConfigError, SimulatorError, type Faults, type MoResult, type SimulatorConfig, type SimulatorStatsSnapshot } from '@smsgw/smpp/feature-simulator';
import { SmscSimulatorService } from './smsc-simulator.service';

/** The simulator's HTTP surface for tests and people: counters, faults at run time, MO on demand. */
@Controller()
export class SmscSimulatorController {
  constructor(private readonly service: SmscSimulatorService) {}

  @Get('stats')
  stats(): SimulatorStatsSnapshot {
    return this.service.simulator.stats();
  }

  @Post('stats/reset')
  @HttpCode(HttpStatus.OK)
  reset(): SimulatorStatsSnapshot {
    this.service.simulator.resetStats();
    return this.service.simulator.stats();
  }

  @Get('faults')
  faults(): Faults {
    return this.service.simulator.faults();
  }

  /** Replaces the fault set: fields left out are off, so {} clears every fault. */
  @Post('faults')
  @HttpCode(HttpStatus.OK)
  setFaults(@Body() body: unknown): Faults {
    try {
      return this.service.simulator.setFaults((body ?? {}) as never);
    } catch (err) {
      if (err instanceof SimulatorConfigError) throw new BadRequestException({ code: err.code, message: 'invalid faults', problems: err.problems });
      throw err;
    }
  }

  /** Queues an MO message for the account's receiver/transceiver binds (202: delivery is asynchronous). */
  @Post('mo')
  @HttpCode(HttpStatus.ACCEPTED)
  mo(@Body() body: { from?: unknown; to?: unknown; text?: unknown; systemId?: unknown } | undefined): MoResult {
    const b = body ?? {};
    try {
      return this.service.simulator.sendMo({ from: b.from as string, to: b.to as string, text: b.text as string, systemId: b.systemId as string | undefined });
    } catch (err) {
      if (err instanceof SimulatorError) {
        const payload = { code: err.code, message: err.message };
        throw err.code === 'SIMULATOR.UNKNOWN_SYSTEM_ID' ? new NotFoundException(payload) : new BadRequestException(payload);
      }
      throw err;
    }
  }

  /** The effective configuration (passwords masked). */
  @Get('config')
  config(): SimulatorConfig {
    const config = this.service.simulator.config;
    return { ...config, accounts: config.accounts.map((a) => ({ ...a, password: '***' })), faults: this.service.simulator.faults() };
  }
}
