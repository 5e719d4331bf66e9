import type { KafkaMessage } from 'kafkajs';
import { PartitionGate } from './partition-gate';

const batch = (...offsets: number[]) => offsets.map((o) => ({ offset: String(o) }) as KafkaMessage);
const offsets = (messages: KafkaMessage[]) => messages.map((m) => m.offset);

describe('PartitionGate', () => {
  it('a second batch of the same partition waits for the first and gets only what the first did not finish', async () => {
    const gate = new PartitionGate();
    const first = await gate.enter('t', 0, batch(10, 11, 12, 13));
    expect(offsets(first.messages)).toEqual(['10', '11', '12', '13']);
    let secondIn = false;
    const second = gate.enter('t', 0, batch(10, 11, 12, 13, 14)).then((pass) => ((secondIn = true), pass));
    await new Promise((r) => setTimeout(r, 10));
    expect(secondIn).toBe(false);
    first.handled('11'); // a partial batch: 12 and 13 were given back
    first.leave();
    expect(offsets((await second).messages)).toEqual(['12', '13', '14']);
  });

  it('partitions do not wait for each other, and offsets only move forward', async () => {
    const gate = new PartitionGate();
    const a = await gate.enter('t', 0, batch(1, 2));
    const b = await gate.enter('t', 1, batch(1, 2));
    expect(offsets(b.messages)).toEqual(['1', '2']);
    a.handled('2');
    a.handled('1');
    a.leave();
    b.leave();
    expect(offsets((await gate.enter('t', 0, batch(1, 2, 3))).messages)).toEqual(['3']);
  });
});
