// The smpp-connector's core, usable without NestJS (tests, benchmarks): SmppConnector wires the
// carrier's session pool to Kafka.
export * from './smpp-connector';
export * from './connector-metrics';
export * from './mo-reassembly';
export * from './murmur2-partitioner';
export * from './text-encoding';
