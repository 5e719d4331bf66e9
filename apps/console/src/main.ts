import 'reflect-metadata';
import { runMain, startService } from '@smsgw/shared/feature-ops';
import { loadConfig } from '@smsgw/shared/util-config';
import { createLogger } from '@smsgw/shared/util-logging';
import { createMetricsRegistry } from '@smsgw/shared/util-metrics';
import { AppModule } from './app.module';
import { CONSOLE_ENV } from './env';
import { ConsoleServer } from './serve-console/console.server';

const config = loadConfig(CONSOLE_ENV);
const logger = createLogger({ app: 'console', level: config.LOG_LEVEL, redact: config.LOG_REDACT === 'on' });

runMain(logger, async () => {
  const registry = createMetricsRegistry('console');
  const app = await startService({ module: AppModule.register({ logger, registry, config }), logger, httpPort: config.CONSOLE_HTTP_PORT });
  await app.get(ConsoleServer).listen(config.CONSOLE_PORT);
});
