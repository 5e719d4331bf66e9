import 'reflect-metadata';
import { setTopicPrefix } from '@smsgw/shared/data-access-kafka';
import { runMain, startService } from '@smsgw/shared/feature-ops';
import { loadConfig } from '@smsgw/shared/util-config';
import { createLogger } from '@smsgw/shared/util-logging';
import { createMetricsRegistry } from '@smsgw/shared/util-metrics';
import { AppModule } from './app.module';
import { INGEST_ENV } from './env';
import { grpcOptions } from './grpc/grpc-options';

const config = loadConfig(INGEST_ENV);
setTopicPrefix(config.KAFKA_TOPIC_PREFIX);
const logger = createLogger({ app: 'ingest', level: config.LOG_LEVEL, redact: config.LOG_REDACT === 'on' });

runMain(logger, async () => {
  const registry = createMetricsRegistry('ingest');
  await startService({
    module: AppModule.register({ logger, registry, config }),
    logger,
    httpPort: config.INGEST_HTTP_PORT,
    grpc: grpcOptions(`0.0.0.0:${config.INGEST_GRPC_PORT}`),
  });
  logger.info({ grpcPort: config.INGEST_GRPC_PORT }, 'gRPC sms.v1.SmsService listening');
});
