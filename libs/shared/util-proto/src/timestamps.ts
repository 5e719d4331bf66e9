import type { Timestamp } from './generated/google/protobuf/timestamp';

// gRPC messages carry google.protobuf.Timestamp; events carry epoch milliseconds.
export function timestampFromMillis(ms: number): Timestamp {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: (ms - seconds * 1000) * 1_000_000 };
}

export function millisFromTimestamp(ts: Timestamp | undefined): number | undefined {
  if (!ts) return undefined;
  return Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1_000_000);
}
