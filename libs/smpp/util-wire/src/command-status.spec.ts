import { commandStatusName, commandStatusOfName, parseCommandStatus } from './index';

describe('command_status', () => {
  it('names statuses, and vendor values in hex', () => {
    expect(commandStatusName(0x58)).toBe('ESME_RTHROTTLED');
    expect(commandStatusName(0x0b)).toBe('ESME_RINVDSTADR');
    expect(commandStatusName(0x401)).toBe('0x00000401');
  });

  it('parses names, hex and decimal', () => {
    expect(parseCommandStatus('ESME_RINVDSTADR')).toBe(0x0b);
    expect(parseCommandStatus('esme_rsyserr')).toBe(8);
    expect(parseCommandStatus('0x58')).toBe(0x58);
    expect(parseCommandStatus('20')).toBe(20);
    expect(parseCommandStatus('nope')).toBeUndefined();
    expect(parseCommandStatus(-1)).toBeUndefined();
  });

  it('looks names up in any case, and only names', () => {
    expect(commandStatusOfName('esme_rinvdstadr')).toBe(0x0b);
    expect(commandStatusOfName('ESME_RINVBCASTCHANIND')).toBe(0x0112);
    expect(commandStatusOfName('0x0b')).toBeUndefined();
  });
});
