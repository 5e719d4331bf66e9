import type { INestApplicationContext } from '@nestjs/common';
import type { OutgoingEvent } from '@smsgw/shared/data-access-kafka';
import { AppProducer } from '@smsgw/shared/feature-ops';

/** What ingest's producer is given to publish (send and sendMany) while `work` runs; it still reaches Kafka. */
export async function published(app: INestApplicationContext, work: () => Promise<unknown>): Promise<OutgoingEvent[]> {
  const producer = app.get(AppProducer);
  const [send, sendMany] = [producer.send.bind(producer), producer.sendMany.bind(producer)];
  const seen: OutgoingEvent[] = [];
  const spies = [
    jest.spyOn(producer, 'sendMany').mockImplementation(async (events) => {
      seen.push(...events);
      return sendMany(events);
    }),
    jest.spyOn(producer, 'send').mockImplementation(async (event) => {
      seen.push(event as OutgoingEvent);
      return send(event);
    }),
  ];
  try {
    await work();
    return seen;
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}
