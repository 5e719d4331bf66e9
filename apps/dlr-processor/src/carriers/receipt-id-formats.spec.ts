import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CarriersConfigError, parseCarriersConfig } from '@smsgw/carriers/util-config';
import { loadReceiptSettings, receiptSettingsOf } from './receipt-id-formats';

const carrier = (id: string, extra: string[] = []) => [`  ${id}:`, '    host: 127.0.0.1', '    systemId: s', ...extra.map((l) => `    ${l}`)];
const settingsOf = (...lines: string[]) => receiptSettingsOf(parseCarriersConfig(['carriers:', ...lines].join('\n')));

describe('receiptSettingsOf (the carriers file as libs/carriers validates it)', () => {
  it('takes receiptIdFormat only where the file gives it: the others are detected', () => {
    const { idFormats } = settingsOf(...carrier('demo'), ...carrier('uk-a', ['receiptIdFormat: hex-to-decimal']), ...carrier('uk-b', ['receiptIdFormat: same']));
    expect(Object.fromEntries(idFormats)).toEqual({ 'uk-a': 'hex-to-decimal', 'uk-b': 'same' });
  });

  it("reads each carrier's own stat words by their comparison key", () => {
    const { statWords } = settingsOf(...carrier('x', ['receiptStats: { ok-done: DELIVRD, Fail: UNDELIV }']), ...carrier('y'));
    expect(Object.fromEntries(statWords.get('x') ?? [])).toEqual({ OKDONE: 'DELIVRD', FAIL: 'UNDELIV' });
    expect(statWords.has('y')).toBe(false);
  });

  it("reads each carrier's SMSC validity for the expiry where it is known", () => {
    expect(Object.fromEntries(settingsOf(...carrier('x', ['smscValiditySeconds: 86400']), ...carrier('y')).validitySeconds)).toEqual({ x: 86400 });
  });
});

describe('loadReceiptSettings', () => {
  const file = join(tmpdir(), `dlr-carriers-${process.pid}.yaml`);

  it('without a file: no carrier settings', () => {
    expect(loadReceiptSettings('/nonexistent/carriers.yaml')).toEqual({ idFormats: new Map(), statWords: new Map(), validitySeconds: new Map() });
  });

  it('refuses what the connector would refuse, naming the file, carrier and field', () => {
    writeFileSync(file, ['carriers:', ...carrier('x', ['receiptIdFormat: hex'])].join('\n'));
    expect(() => loadReceiptSettings(file)).toThrow(CarriersConfigError);
    expect(() => loadReceiptSettings(file)).toThrow(/carriers\.x\.receiptIdFormat: .*same, hex-to-decimal, decimal-to-hex/);
    writeFileSync(file, ['carriers:', ...carrier('x', ['receiptStats: { OK: delivered }'])].join('\n'));
    expect(() => loadReceiptSettings(file)).toThrow(/carriers\.x\.receiptStats\.OK: expected one of DELIVRD/);
    writeFileSync(file, ['carriers:', ...carrier('x', ['smscValiditySeconds: 2w'])].join('\n'));
    expect(() => loadReceiptSettings(file)).toThrow(/carriers\.x\.smscValiditySeconds/);
    writeFileSync(file, 'carriers: {');
    expect(() => loadReceiptSettings(file)).toThrow(/not valid YAML/);
  });
});
