import 'reflect-metadata';
import { setTopicPrefix } from '@smsgw/shared/data-access-kafka';
import { runMain, startService } from '@smsgw/shared/feature-ops';
import { loadConfig } from '@smsgw/shared/util-config';
import { createLogger } from '@smsgw/shared/util-logging';
import { createMetricsRegistry } from '@smsgw/shared/util-metrics';
import { AppModule } from './app.module';
import { SMPP_SERVER_ENV } from './env';

const config = loadConfig(SMPP_SERVER_ENV);
setTopicPrefix(config.KAFKA_TOPIC_PREFIX);
const logger = createLogger({ app: 'smpp-server', level: config.LOG_LEVEL, redact: config.LOG_REDACT === 'on' });

runMain(logger, async () => {
  const registry = createMetricsRegistry('smpp-server');
  await startService({ module: AppModule.register({ logger, registry, config }), logger, httpPort: config.SMPP_SERVER_HTTP_PORT });
});
