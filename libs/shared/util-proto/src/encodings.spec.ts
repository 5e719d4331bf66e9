import { ENCODING_NAMES, Encoding, encodingName, encodingOfName, isEncodingName } from './index';

describe('encoding names', () => {
  it('maps every wire encoding but UNSPECIFIED to its short name and back', () => {
    const wire = Object.values(Encoding).filter((v): v is Encoding => typeof v === 'number' && v !== Encoding.UNSPECIFIED && v !== Encoding.UNRECOGNIZED);
    expect(wire.map(encodingName).sort()).toEqual([...ENCODING_NAMES].sort());
    for (const e of wire) expect(encodingOfName(encodingName(e))).toBe(e);
  });

  it('keeps "not encoded yet" and unknown names apart from a real encoding', () => {
    expect(encodingName(Encoding.UNSPECIFIED)).toBe('');
    expect(encodingOfName('utf8')).toBe(Encoding.UNSPECIFIED);
    expect(isEncodingName('ucs2')).toBe(true);
    expect(isEncodingName('GSM7')).toBe(false);
  });
});
