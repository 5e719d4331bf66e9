import { logLevel } from 'kafkajs';
import { kafkaLogLevel } from './kafka-log';

const entry = (level: logLevel, message: string, error?: string) => ({ level, log: { message, error, timestamp: '', logger: 'kafkajs' } });

describe('kafkaLogLevel', () => {
  it('keeps kafkajs levels', () => {
    expect(kafkaLogLevel(entry(logLevel.ERROR, 'Crash: KafkaJSNumberOfRetriesExceeded', 'Connection timeout'))).toBe('error');
    expect(kafkaLogLevel(entry(logLevel.WARN, 'Producer is disconnecting'))).toBe('warn');
    expect(kafkaLogLevel(entry(logLevel.INFO, 'Consumer has joined the group'))).toBe('info');
  });

  it('makes the broker answers kafkajs retries by itself debug', () => {
    expect(kafkaLogLevel(entry(logLevel.ERROR, 'Response ListOffsets(key: 2, version: 3)', 'This server is not the leader for that topic-partition'))).toBe('debug');
    expect(kafkaLogLevel(entry(logLevel.ERROR, 'Response Heartbeat(key: 12, version: 3)', 'The group is rebalancing, so a rejoin is needed'))).toBe('debug');
    expect(kafkaLogLevel(entry(logLevel.ERROR, 'Response Produce(key: 0, version: 7)', 'Not authorized to access topics: [Topic authorization failed]'))).toBe('error');
  });
});
