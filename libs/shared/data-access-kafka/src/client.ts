import { readFileSync } from 'node:fs';
import { Kafka, logLevel, type KafkaConfig, type LogEntry, type SASLOptions } from 'kafkajs';
import { kafkaLogLevel } from './kafka-log';
import type { Logger } from '@smsgw/shared/util-logging';

/** How the apps authenticate to the brokers: the KAFKA_SSL* and KAFKA_SASL_* settings. */
export interface KafkaSecurity {
  KAFKA_SSL: boolean;
  KAFKA_SSL_CA_FILE: string;
  KAFKA_SASL_MECHANISM: 'none' | 'plain' | 'scram-sha-256' | 'scram-sha-512';
  KAFKA_SASL_USERNAME: string;
  KAFKA_SASL_PASSWORD_FILE: string;
}

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** TLS and SASL (an app's config holds these settings); omitted: plaintext, no SASL. */
  security?: KafkaSecurity;
}

/** A kafkajs client with timeouts and retries set explicitly, logging through pino. */
export function createKafka({ brokers, clientId, logger, security }: KafkaClientOptions): Kafka {
  const config: KafkaConfig = {
    clientId,
    brokers,
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
    enforceRequestTimeout: true,
    retry: { initialRetryTime: 300, maxRetryTime: 10_000, retries: 10, factor: 0.2, multiplier: 2 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      (entry: LogEntry) => {
        const { message, ...extra } = entry.log;
        logger[kafkaLogLevel(entry)]({ kafka: extra }, message);
      },
    ...(security ? connectionSecurity(security) : {}),
  };
  return new Kafka(config);
}

/**
 * kafkajs's ssl and sasl options from the settings, files read now: a missing password file or
 * user stops the app at start with what to set, not with a broker's "authentication failed" later.
 */
export function connectionSecurity(s: KafkaSecurity): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const out: Pick<KafkaConfig, 'ssl' | 'sasl'> = {};
  if (s.KAFKA_SSL) out.ssl = s.KAFKA_SSL_CA_FILE ? { ca: [readSetting('KAFKA_SSL_CA_FILE', s.KAFKA_SSL_CA_FILE)] } : true;
  else if (s.KAFKA_SSL_CA_FILE) throw new Error('KAFKA_SSL_CA_FILE is set but KAFKA_SSL is not: set KAFKA_SSL=true to connect over TLS');
  if (s.KAFKA_SASL_MECHANISM === 'none') return out;
  if (!s.KAFKA_SASL_USERNAME || !s.KAFKA_SASL_PASSWORD_FILE) {
    throw new Error(`KAFKA_SASL_MECHANISM=${s.KAFKA_SASL_MECHANISM} needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD_FILE (a file holding the password)`);
  }
  const password = readSetting('KAFKA_SASL_PASSWORD_FILE', s.KAFKA_SASL_PASSWORD_FILE).trim();
  if (password === '') throw new Error(`KAFKA_SASL_PASSWORD_FILE ${s.KAFKA_SASL_PASSWORD_FILE} is empty`);
  out.sasl = { mechanism: s.KAFKA_SASL_MECHANISM, username: s.KAFKA_SASL_USERNAME, password } as SASLOptions;
  return out;
}

function readSetting(name: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${name} ${file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
