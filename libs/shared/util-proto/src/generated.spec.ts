import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { MessageAccepted, Priority, SendRequest, millisFromTimestamp, timestampFromMillis } from './index';

describe('generated contracts', () => {
  it('match proto/ (run npm run proto:generate when this fails)', () => {
    const root = join(__dirname, '../../../..');
    expect(() => execFileSync('node', [join(root, 'tools/proto/generate.mjs'), '--check'], { cwd: root, stdio: 'pipe' })).not.toThrow();
  }, 60_000);

  it('round-trips an event through protobuf bytes', () => {
    const event = MessageAccepted.create({ id: '01J0', to: '+447700900123', text: 'hi', priority: Priority.HIGH, metadata: { a: 'b' }, acceptedAtMs: 1_750_000_000_123 });
    const decoded = MessageAccepted.decode(MessageAccepted.encode(event).finish());
    expect(decoded).toEqual(event);
  });

  it('decodes an empty buffer to defaults', () => {
    expect(SendRequest.decode(new Uint8Array())).toMatchObject({ to: '', text: '', sendAtMs: 0 });
  });

  it('converts timestamps both ways', () => {
    const ts = timestampFromMillis(1_750_000_000_123);
    expect(ts).toEqual({ seconds: 1_750_000_000, nanos: 123_000_000 });
    expect(millisFromTimestamp(ts)).toBe(1_750_000_000_123);
  });
});
