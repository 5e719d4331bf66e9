import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { HealthRegistry, LOGGER } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import { startSimulator, type RunningSimulator, type StartSimulatorOptions } from '@smsgw/smpp/feature-simulator';

export const SIMULATOR_OPTIONS = Symbol('SIMULATOR_OPTIONS');

/** Owns the SMPP side: starts it with the app, closes it on shutdown, reports it to /healthz. */
@Injectable()
export class SmscSimulatorService implements OnModuleInit, OnApplicationShutdown {
  private running?: RunningSimulator;

  constructor(
    @Inject(SIMULATOR_OPTIONS) private readonly options: StartSimulatorOptions,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly health: HealthRegistry,
  ) {}

  async onModuleInit(): Promise<void> {
    this.running = await startSimulator({ ...this.options, logger: this.logger });
    this.health.add('smpp', () => (this.running ? true : 'SMPP port not listening'));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.running?.close();
    this.running = undefined;
  }

  get simulator(): RunningSimulator {
    if (!this.running) throw new Error('the SMPP side has not started');
    return this.running;
  }

  get started(): boolean {
    return this.running !== undefined;
  }
}
