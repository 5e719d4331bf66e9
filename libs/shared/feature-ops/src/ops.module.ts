import { Controller, DynamicModule, Get, Global, Header, HttpStatus, Inject, Injectable, Module, Res } from '@nestjs/common';
import type { Logger } from '@smsgw/shared/util-logging';
import type { Registry } from '@smsgw/shared/util-metrics';
import type { Response } from 'express';

export const LOGGER = Symbol('LOGGER');
export const METRICS = Symbol('METRICS');
/** The app's validated settings (its env.ts schema, loaded once in main.ts). */
export const CONFIG = Symbol('CONFIG');

export type HealthCheck = () => boolean | string;

/** Components register liveness/readiness checks here; /healthz and the gRPC health service read them. */
@Injectable()
export class HealthRegistry {
  private readonly checks = new Map<string, HealthCheck>();

  add(name: string, check: HealthCheck): void {
    this.checks.set(name, check);
  }

  /** A check passes when it returns true; a string is the reason it fails. */
  report(): { ok: boolean; checks: Record<string, string> } {
    const checks: Record<string, string> = {};
    let ok = true;
    for (const [name, check] of this.checks) {
      let result: boolean | string;
      try {
        result = check();
      } catch (err) {
        result = (err as Error).message;
      }
      checks[name] = result === true ? 'ok' : result === false ? 'failing' : result;
      ok &&= result === true;
    }
    return { ok, checks };
  }
}

@Controller()
export class OpsController {
  constructor(
    @Inject(METRICS) private readonly registry: Registry,
    private readonly health: HealthRegistry,
  ) {}

  @Get('metrics')
  @Header('Cache-Control', 'no-store')
  async metrics(@Res() res: Response): Promise<void> {
    res.setHeader('Content-Type', this.registry.contentType);
    res.send(await this.registry.metrics());
  }

  @Get('healthz')
  healthz(@Res() res: Response): void {
    const report = this.health.report();
    res.status(report.ok ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).json({ status: report.ok ? 'ok' : 'failing', checks: report.checks });
  }
}

export interface OpsContext {
  logger: Logger;
  registry: Registry;
  config: unknown;
}

/** Provides the process's config, logger, metrics registry and health registry, and serves /metrics and /healthz. */
@Global()
@Module({})
export class OpsModule {
  static forRoot(ctx: OpsContext): DynamicModule {
    return {
      module: OpsModule,
      controllers: [OpsController],
      providers: [
        { provide: LOGGER, useValue: ctx.logger },
        { provide: METRICS, useValue: ctx.registry },
        { provide: CONFIG, useValue: ctx.config },
        HealthRegistry,
      ],
      exports: [LOGGER, METRICS, CONFIG, HealthRegistry],
    };
  }
}
