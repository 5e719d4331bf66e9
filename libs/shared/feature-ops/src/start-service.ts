import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { MicroserviceOptions } from '@nestjs/microservices';
import type { Logger } from '@smsgw/shared/util-logging';
import { PinoNestLogger } from './nest-logger';

export interface StartServiceOptions {
  module: unknown;
  logger: Logger;
  httpPort: number;
  grpc?: MicroserviceOptions;
}

/**
 * The one way an smsgw app starts: HTTP for /metrics and /healthz, plus gRPC where the app serves
 * it (NestJS hybrid app, as in NestJS's sample/04-grpc). Shutdown hooks let SIGTERM drain work.
 */
export async function startService({ module, logger, httpPort, grpc }: StartServiceOptions): Promise<INestApplication> {
  const app = await NestFactory.create(module as never, { logger: new PinoNestLogger(logger), abortOnError: false });
  app.enableShutdownHooks();
  if (grpc) {
    app.connectMicroservice(grpc, { inheritAppConfig: true });
    await app.startAllMicroservices();
  }
  await app.listen(httpPort, '0.0.0.0');
  logger.info({ httpPort }, 'service started');
  return app;
}

/** Runs main() and turns a start-up failure into one actionable log line and exit code 1. */
export function runMain(logger: Logger, main: () => Promise<unknown>): void {
  main().catch((err: Error & { code?: string }) => {
    logger.fatal({ code: err.code, err }, `failed to start: ${err.message}`);
    process.exit(1);
  });
}
