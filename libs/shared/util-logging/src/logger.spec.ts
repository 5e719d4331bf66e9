import { Writable } from 'node:stream';
import { createLogger, maskNumber } from './index';

describe('maskNumber', () => {
  it('keeps the prefix and the last two digits', () => {
    expect(maskNumber('+447700900123')).toBe('+44770*****23');
    expect(maskNumber('12345')).toBe('*****');
  });
});

describe('createLogger', () => {
  function capture(redact: boolean) {
    const lines: string[] = [];
    const destination = new Writable({ write: (chunk, _enc, cb) => (lines.push(String(chunk)), cb()) });
    return { real: createLogger({ app: 'test', redact, destination }), lines };
  }

  it('masks numbers and drops bodies by default', () => {
    const { real, lines } = capture(true);
    real.info({ messageId: 'm1', to: '+447700900123', text: 'secret otp 1234' }, 'accepted');
    const line = JSON.parse(lines[0]);
    expect(line).toMatchObject({ app: 'test', level: 'info', messageId: 'm1', to: '+44770*****23', text: '[body]', msg: 'accepted' });
  });

  it('logs everything when redaction is off', () => {
    const { real, lines } = capture(false);
    real.info({ to: '+447700900123', text: 'hello' }, 'accepted');
    expect(JSON.parse(lines[0])).toMatchObject({ to: '+447700900123', text: 'hello' });
  });
});
