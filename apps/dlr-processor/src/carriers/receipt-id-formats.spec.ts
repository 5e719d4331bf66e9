import { ReceiptIdFormatError, receiptIdFormatsFromYaml, receiptSettingsFromYaml } from './receipt-id-formats';

describe('receiptIdFormatsFromYaml', () => {
  it('reads receiptIdFormat per carrier and ignores everything else', () => {
    const formats = receiptIdFormatsFromYaml(
      ['version: 1', 'carriers:', '  demo:', '    host: 127.0.0.1', '  uk-a:', '    receiptIdFormat: hex-to-decimal', '  uk-b:', '    receiptIdFormat: same'].join('\n'),
    );
    expect(Object.fromEntries(formats)).toEqual({ 'uk-a': 'hex-to-decimal', 'uk-b': 'same' });
  });

  it('accepts a file without carriers', () => {
    expect(receiptIdFormatsFromYaml('').size).toBe(0);
    expect(receiptIdFormatsFromYaml('version: 1').size).toBe(0);
  });

  it('refuses unknown formats with the carrier and field', () => {
    expect(() => receiptIdFormatsFromYaml('carriers:\n  x:\n    receiptIdFormat: hex\n', 'c.yaml')).toThrow(
      new ReceiptIdFormatError('c.yaml: carriers.x.receiptIdFormat: expected one of same, hex-to-decimal, decimal-to-hex, got "hex"'),
    );
    expect(() => receiptIdFormatsFromYaml('carriers: [1]')).toThrow(ReceiptIdFormatError);
    expect(() => receiptIdFormatsFromYaml('carriers: {')).toThrow(/not valid YAML/);
  });

  it("reads each carrier's own stat words, by their comparison key, and refuses words mapped to no SMPP stat", () => {
    const { statWords } = receiptSettingsFromYaml('carriers:\n  x:\n    receiptStats: { ok-done: DELIVRD, Fail: UNDELIV }\n');
    expect(Object.fromEntries(statWords.get('x') ?? [])).toEqual({ OKDONE: 'DELIVRD', FAIL: 'UNDELIV' });
    expect(() => receiptSettingsFromYaml('carriers:\n  x:\n    receiptStats: { OK: delivered }\n', 'c.yaml')).toThrow(/c\.yaml: carriers\.x\.receiptStats\.OK: expected one of DELIVRD/);
  });

  it("reads each carrier's SMSC validity for the expiry, and refuses what is not whole seconds up to 7 days", () => {
    expect(Object.fromEntries(receiptSettingsFromYaml('carriers:\n  x:\n    smscValiditySeconds: 86400\n').validitySeconds)).toEqual({ x: 86400 });
    expect(() => receiptSettingsFromYaml('carriers:\n  x:\n    smscValiditySeconds: 2w\n')).toThrow(/carriers\.x\.smscValiditySeconds: expected whole seconds/);
  });
});
