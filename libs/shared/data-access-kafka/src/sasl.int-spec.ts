// The apps' KAFKA_SASL_* settings against a real broker: npm test's own broker has a SASL_PLAINTEXT
// listener (PLAIN, user smsgw) and passes its address and password file here.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@smsgw/shared/util-logging';
import { connectionSecurity, createKafka, type KafkaSecurity } from './client';
import { ensureTopics } from './admin';

const brokers = process.env['KAFKA_SASL_TEST_BROKERS'];
// npm test says why there is no SASL listener to test against (an external cluster, an old broker).
const unavailable = process.env['KAFKA_SASL_TEST_UNAVAILABLE'];
const describeSasl = unavailable ? describe.skip : describe;
if (unavailable) console.warn(`Kafka SASL test skipped: ${unavailable}`);
const passwordFile = process.env['KAFKA_SASL_TEST_PASSWORD_FILE'];
const logger = createLogger({ app: 'sasl-int-spec', level: 'silent' });
const dir = mkdtempSync(join(tmpdir(), 'smsgw-sasl-'));
const security = (over: Partial<KafkaSecurity>): KafkaSecurity => ({ KAFKA_SSL: false, KAFKA_SSL_CA_FILE: '', KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'smsgw', KAFKA_SASL_PASSWORD_FILE: passwordFile ?? '', ...over });

jest.setTimeout(30_000);

describeSasl('Kafka over SASL', () => {
  it('is offered by the test broker (npm test passes its SASL listener)', () => {
    // Without it the tests below would prove nothing: run them through `npm test`, whose broker has the listener.
    expect(brokers).toMatch(/:\d+$/);
    expect(passwordFile).toBeTruthy();
  });

  it('produces and consumes with the right user and password', async () => {
    const kafka = createKafka({ brokers: [brokers as string], clientId: 'sasl-it', logger, security: security({}) });
    const topic = `it-sasl-${process.pid}-${Date.now().toString(36)}`;
    await ensureTopics(kafka, [{ name: topic, partitions: 1, replicationFactor: 1 }]);
    const producer = kafka.producer();
    const consumer = kafka.consumer({ groupId: `${topic}-g` });
    try {
      await producer.connect();
      await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'over SASL' }] });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const got = await new Promise<string>((resolve) => void consumer.run({ eachMessage: async ({ message }) => resolve(String(message.value)) }));
      expect(got).toBe('over SASL');
    } finally {
      await producer.disconnect();
      await consumer.disconnect();
    }
  });

  it('is refused with a wrong password, and the error says SASL authentication failed', async () => {
    const wrong = join(dir, 'wrong');
    writeFileSync(wrong, 'not-the-password\n');
    const kafka = createKafka({ brokers: [brokers as string], clientId: 'sasl-it-wrong', logger, security: security({ KAFKA_SASL_PASSWORD_FILE: wrong }) });
    const admin = kafka.admin({ retry: { retries: 0 } });
    await expect(admin.connect()).rejects.toThrow(/SASL PLAIN authentication failed/i);
    await admin.disconnect();
  });
});

describe('connectionSecurity', () => {
  it('says which setting is missing or unreadable, before any broker is asked', () => {
    expect(() => connectionSecurity(security({ KAFKA_SASL_USERNAME: '' }))).toThrow('KAFKA_SASL_MECHANISM=plain needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD_FILE');
    expect(() => connectionSecurity(security({ KAFKA_SASL_PASSWORD_FILE: join(dir, 'missing') }))).toThrow(/KAFKA_SASL_PASSWORD_FILE .*missing cannot be read: ENOENT/);
    expect(() => connectionSecurity(security({ KAFKA_SASL_MECHANISM: 'none', KAFKA_SSL_CA_FILE: '/etc/ssl/ca.pem' }))).toThrow('KAFKA_SSL_CA_FILE is set but KAFKA_SSL is not');
    expect(connectionSecurity(security({ KAFKA_SASL_MECHANISM: 'none' }))).toEqual({});
    const empty = join(dir, 'empty');
    writeFileSync(empty, '\n');
    expect(() => connectionSecurity(security({ KAFKA_SASL_PASSWORD_FILE: empty }))).toThrow('is empty');
  });

  it('maps TLS and SCRAM settings to kafkajs options', () => {
    const file = join(dir, 'pw');
    writeFileSync(file, 's3cret\n');
    expect(connectionSecurity(security({ KAFKA_SSL: true, KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'smsgw-ingest', KAFKA_SASL_PASSWORD_FILE: file }))).toEqual({
      ssl: true,
      sasl: { mechanism: 'scram-sha-512', username: 'smsgw-ingest', password: 's3cret' },
    });
  });
});
