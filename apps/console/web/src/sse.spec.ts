import fc from 'fast-check';
import { sseParser, type SseEvent } from './sse';

const STREAM = ': smsgw status events\n\nevent: status\ndata: {"id":"a","status":"ROUTED"}\n\n: ping\n\nevent: status\r\ndata: {"id":"a",\r\ndata: "status":"DELIVERED"}\r\n\r\nevent: end\ndata: {}\n\n';
const EXPECTED: SseEvent[] = [
  { event: 'status', data: '{"id":"a","status":"ROUTED"}' },
  { event: 'status', data: '{"id":"a",\n"status":"DELIVERED"}' },
  { event: 'end', data: '{}' },
];

it('reads events, multi-line data and comments, with LF or CRLF line ends', () => {
  const events: SseEvent[] = [];
  sseParser((e) => events.push(e))(STREAM);
  expect(events).toEqual(EXPECTED);
});

it('gives the same events however the stream is cut into chunks (a CRLF split across two included)', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 1, max: STREAM.length - 1 }), { maxLength: 20 }), (cuts) => {
      const events: SseEvent[] = [];
      const feed = sseParser((e) => events.push(e));
      let from = 0;
      for (const at of [...cuts].sort((a, b) => a - b)) feed(STREAM.slice(from, (from = at)));
      feed(STREAM.slice(from));
      expect(events).toEqual(EXPECTED);
    }),
  );
});
