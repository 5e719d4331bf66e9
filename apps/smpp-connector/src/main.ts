import 'reflect-metadata';
import { setTopicPrefix } from '@smsgw/shared/data-access-kafka';
import { runMain, startService } from '@smsgw/shared/feature-ops';
import { loadConfig } from '@smsgw/shared/util-config';
import { createLogger } from '@smsgw/shared/util-logging';
import { createMetricsRegistry } from '@smsgw/shared/util-metrics';
import { useNodeTextEncoding } from '@smsgw/smpp/feature-connector';
import { AppModule } from './app.module';
import { CONNECTOR_ENV } from './env';

const config = loadConfig(CONNECTOR_ENV);
setTopicPrefix(config.KAFKA_TOPIC_PREFIX);
const logger = createLogger({ app: 'smpp-connector', level: config.LOG_LEVEL, redact: config.LOG_REDACT === 'on' });

useNodeTextEncoding();

runMain(logger, async () => {
  const registry = createMetricsRegistry('smpp-connector');
  await startService({ module: AppModule.register({ logger, registry, config }), logger, httpPort: config.CONNECTOR_HTTP_PORT });
});
