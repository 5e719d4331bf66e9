import fc from 'fast-check';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { murmur2, murmur2Partitioner } from './murmur2-partitioner';

const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2') as (key: Buffer | string) => number;

const metadata = (n: number): PartitionMetadata[] => Array.from({ length: n }, (_, i) => ({ partitionId: i, leader: 1, replicas: [1], isr: [1], partitionErrorCode: 0, offlineReplicas: [] }));

describe('murmur2 partitioner', () => {
  it('hashes exactly like kafkajs (property)', () => {
    for (const k of ['', 'a', 'ab', 'abc', 'abcd', 'demo/12345', '01JABCDEFGHJKMNPQRSTVWXYZ', 'ü€x']) expect(murmur2(Buffer.from(k))).toBe(kafkajsMurmur2(k));
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => murmur2(Buffer.from(bytes)) === kafkajsMurmur2(Buffer.from(bytes))));
  });

  it('chooses the same partition as kafkajs DefaultPartitioner for keyed messages', () => {
    const ours = murmur2Partitioner();
    const theirs = Partitioners.DefaultPartitioner();
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 64 }), (key, n) => {
        const args = { topic: 't', partitionMetadata: metadata(n), message: { key, value: 'v' } };
        return ours(args) === theirs(args);
      }),
    );
  });
});
