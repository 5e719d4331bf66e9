import { createMetricsRegistry, forgetConsumerLag, reportConsumerLag } from './index';

describe('consumer lag gauge', () => {
  it('sums partitions per group and topic, and drops a forgotten group', async () => {
    const registry = createMetricsRegistry('encoder');
    reportConsumerLag('smsgw-encoder', 'sms.accepted.v1', 0, 5);
    reportConsumerLag('smsgw-encoder', 'sms.accepted.v1', 1, 7);
    reportConsumerLag('smsgw-encoder', 'sms.accepted.v1', 1, 2);
    let text = await registry.metrics();
    expect(text).toContain('smsgw_kafka_consumer_lag_messages{group="smsgw-encoder",topic="sms.accepted.v1",app="encoder"} 7');
    forgetConsumerLag('smsgw-encoder');
    text = await registry.metrics();
    expect(text).not.toContain('smsgw_kafka_consumer_lag_messages{');
  });
});
