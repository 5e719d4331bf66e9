import 'reflect-metadata';
import { setTopicPrefix } from '@smsgw/shared/data-access-kafka';
import { runMain, startService } from '@smsgw/shared/feature-ops';
import { loadConfig } from '@smsgw/shared/util-config';
import { createLogger } from '@smsgw/shared/util-logging';
import { createMetricsRegistry } from '@smsgw/shared/util-metrics';
import { AppModule } from './app.module';
import { INGEST_ENV } from './env';
import { grpcCredentials } from './grpc/grpc-credentials';
import { grpcOptions } from './grpc/grpc-options';
import { HttpApiServer } from './http/http-api.server';

const config = loadConfig(INGEST_ENV);
setTopicPrefix(config.KAFKA_TOPIC_PREFIX);
const logger = createLogger({ app: 'ingest', level: config.LOG_LEVEL, redact: config.LOG_REDACT === 'on' });

runMain(logger, async () => {
  const registry = createMetricsRegistry('ingest');
  const app = await startService({
    module: AppModule.register({ logger, registry, config }),
    logger,
    httpPort: config.INGEST_HTTP_PORT,
    grpc: grpcOptions(`0.0.0.0:${config.INGEST_GRPC_PORT}`, grpcCredentials(config, logger)),
  });
  logger.info({ grpcPort: config.INGEST_GRPC_PORT }, 'gRPC sms.v1.SmsService listening');
  await app.get(HttpApiServer).listen(config.INGEST_API_PORT);
});
