import 'reflect-metadata';
import { runMain, startService } from '@smsgw/shared/feature-ops';
import { loadConfig } from '@smsgw/shared/util-config';
import { createLogger } from '@smsgw/shared/util-logging';
import { createMetricsRegistry } from '@smsgw/shared/util-metrics';
import { AppModule } from './app.module';
import { EMAIL_ENV } from './env';

const config = loadConfig(EMAIL_ENV);
const logger = createLogger({ app: 'email-intake', level: config.LOG_LEVEL, redact: config.LOG_REDACT === 'on' });

runMain(logger, async () => {
  const registry = createMetricsRegistry('email-intake');
  await startService({ module: AppModule.register({ logger, registry, config }), logger, httpPort: config.EMAIL_HTTP_PORT });
});
