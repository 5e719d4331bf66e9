import { counter, createMetricsRegistry, histogram } from './index';

describe('createMetricsRegistry', () => {
  it('exposes process metrics and our own with the app label', async () => {
    const registry = createMetricsRegistry('ingest');
    counter(registry, 'smsgw_messages_accepted_total', 'Accepted messages.', ['channel']).inc({ channel: 'grpc' });
    histogram(registry, 'smsgw_accept_latency_seconds', 'Send latency.').observe(0.004);
    const text = await registry.metrics();
    expect(text).toContain('smsgw_messages_accepted_total{channel="grpc",app="ingest"} 1');
    expect(text).toContain('smsgw_accept_latency_seconds_bucket{le="0.005",app="ingest"} 1');
    expect(text).toContain('process_cpu_user_seconds_total');
  });
});
