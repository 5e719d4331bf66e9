import 'reflect-metadata';
import { runMain, startService } from '@smsgw/shared/feature-ops';
import { loadConfig } from '@smsgw/shared/util-config';
import { createLogger } from '@smsgw/shared/util-logging';
import { createMetricsRegistry } from '@smsgw/shared/util-metrics';
import { AppModule } from './app.module';
import { helpText, resolveProcess, wantsHelp } from './command-line';
import { SIMULATOR_ENV } from './env';

const argv = process.argv.slice(2);
if (wantsHelp(argv)) {
  process.stdout.write(helpText());
  process.exit(0);
}

const config = loadConfig(SIMULATOR_ENV);
const logger = createLogger({ app: 'smsc-simulator', level: config.LOG_LEVEL, redact: config.LOG_REDACT === 'on' });

runMain(logger, async () => {
  const { httpPort, simulator } = resolveProcess(argv, config);
  const registry = createMetricsRegistry('smsc-simulator');
  await startService({ module: AppModule.register({ logger, registry, config, simulator }), logger, httpPort });
});
