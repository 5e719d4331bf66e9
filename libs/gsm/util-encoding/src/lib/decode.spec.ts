import { decode, encodingOfDataCoding, parseUserDataHeader, reassemble } from './decode';
import { EncodingError } from './encoding-error';
import type { DecodedSegment } from './types';

const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex.replace(/\s+/g, ''), 'hex'));
const code = (f: () => unknown) => {
  try {
    f();
  } catch (error) {
    return (error as EncodingError).code;
  }
  return undefined;
};

describe('decode: data_coding', () => {
  it.each([
    [0, 'gsm7'],
    [1, 'gsm7'],
    [3, 'latin1'],
    [8, 'ucs2'],
    [0x11, 'gsm7'], // DCS general group, class 1
    [0x18, 'ucs2'], // DCS general group, UCS-2
    [0xf0, 'gsm7'], // DCS message class group
    [0xc8, 'gsm7'], // message waiting, store
    [0xe0, 'ucs2'],
  ])('data_coding 0x%s → %s', (dataCoding, encoding) => {
    expect(encodingOfDataCoding(dataCoding)).toBe(encoding);
  });

  it.each([2, 4, 0x14, 0xf4, 0x24])('refuses binary or unknown data_coding 0x%s with a clear code', (dataCoding) => {
    expect(code(() => decode(bytes('00'), { dataCoding }))).toBe('ENCODING.UNSUPPORTED_DATA_CODING');
  });

  it('decodes GSM-7 unpacked with data_coding 0 and 1 alike', () => {
    const hello = bytes('48656c6c6f2000021b65');
    expect(decode(hello, { dataCoding: 0 }).text).toBe('Hello @$€');
    expect(decode(hello, { dataCoding: 1 }).text).toBe('Hello @$€');
  });

  it('decodes packed GSM-7 (known vector)', () => {
    expect(decode(bytes('e8329bfd4697d9ec37'), { dataCoding: 0, packed: true }).text).toBe('hellohello');
    expect(decode(bytes('e8329bfd4697d9ec37'), { dataCoding: 0, packed: true, septets: 5 }).text).toBe('hello');
  });

  it('decodes Latin-1 and UCS-2 (surrogate pairs included)', () => {
    expect(decode(bytes('6361666520e92021'), { dataCoding: 3 }).text).toBe('cafe é !');
    expect(decode(bytes('041f0438d83dde00'), { dataCoding: 8 }).text).toBe('Пи😀');
    expect(decode(bytes('0041 00'), { dataCoding: 8 }).text).toBe('A'); // stray odd octet ignored
  });
});

describe('decode: UDH with several information elements, in any order', () => {
  // IEs: 05 04 0b84 23f0 (application ports), 00 03 2a 03 02 (concat 8-bit), 24 01 01 (Turkish single shift)
  const ports = '0504 0b84 23f0';
  const concat8 = '0003 2a 03 02';
  const shiftTr = '2401 01';
  const text = '1b73 61'; // ş a

  it.each([
    ['ports, concat, shift', [ports, concat8, shiftTr]],
    ['shift, ports, concat', [shiftTr, ports, concat8]],
    ['concat, shift, ports', [concat8, shiftTr, ports]],
  ])('%s', (_, ies) => {
    const udh = ies.join('');
    const udhl = (udh.replace(/\s+/g, '').length / 2).toString(16).padStart(2, '0');
    const segment = decode(bytes(udhl + udh + text), { dataCoding: 0, udhi: true });
    expect(segment).toMatchObject({
      text: 'şa',
      concat: { reference: 0x2a, total: 3, sequence: 2, referenceBits: 8 },
      national: { singleShift: 'turkish' },
    });
    expect(segment.informationElements.map((ie) => ie.id).sort((x, y) => x - y)).toEqual([0x00, 0x05, 0x24]);
  });

  it('reads a 16-bit reference (IE 0x08) and a locking shift (IE 0x25)', () => {
    const segment = decode(bytes('0b 2501 03 0804 beef 0201 0000' + '7b7c'), { dataCoding: 0, udhi: true });
    expect(segment).toMatchObject({
      text: 'ãõ',
      concat: { reference: 0xbeef, total: 2, sequence: 1, referenceBits: 16 },
      national: { lockingShift: 'portuguese' },
    });
    expect(segment.informationElements.at(-1)).toEqual({ id: 0x00, data: new Uint8Array(0) }); // malformed concat: kept, not used
  });

  it('applies both shift tables together', () => {
    // Turkish locking (0x1c = Ş) plus Portuguese single shift (ESC 0x7f = â).
    const segment = decode(bytes('06 2501 01 2401 03' + '1c 1b7f'), { dataCoding: 0, udhi: true });
    expect(segment.text).toBe('Şâ');
    expect(segment.national).toEqual({ lockingShift: 'turkish', singleShift: 'portuguese' });
  });

  it('falls back to the default alphabet for unknown language ids', () => {
    expect(decode(bytes('03 2401 7f' + '1b65 04'), { dataCoding: 0, udhi: true })).toMatchObject({ text: '€è' });
  });

  it('skips UDH and fill bits before packed septets', () => {
    // UDH 050003010201 (6 octets → 1 fill bit), then "hello" packed after one fill bit.
    const segment = decode(bytes('050003010201' + 'd06536fb0d'), { dataCoding: 0, udhi: true, packed: true });
    expect(segment).toMatchObject({ text: 'hello', concat: { reference: 1, total: 2, sequence: 1 } });
  });

  it('keeps the UDH out of UCS-2 and Latin-1 text', () => {
    expect(decode(bytes('050003090101' + '0048 0069'), { dataCoding: 8, udhi: true }).text).toBe('Hi');
    expect(decode(bytes('050003090101' + 'e9'), { dataCoding: 3, udhi: true }).text).toBe('é');
  });

  it('takes concatenation from SAR TLVs when there is no UDH', () => {
    expect(decode(bytes('6869'), { dataCoding: 0, sar: { msgRefNum: 300, totalSegments: 2, segmentSeqnum: 2 } }).concat).toEqual({
      reference: 300,
      total: 2,
      sequence: 2,
      referenceBits: 16,
    });
  });

  it.each([
    ['UDHL past the end', '09 0003 01 02 01'],
    ['IE past the UDHL', '04 0003 01 02 01'],
    ['truncated IE header', '01 00'],
    ['empty user data', ''],
  ])('rejects a malformed UDH: %s', (_, hex) => {
    expect(code(() => decode(bytes(hex), { dataCoding: 0, udhi: true }))).toBe('ENCODING.MALFORMED_UDH');
  });

  it('parseUserDataHeader returns the UDH length including UDHL', () => {
    expect(parseUserDataHeader(bytes('03 2401 01 41'))).toEqual({ length: 4, informationElements: [{ id: 0x24, data: bytes('01') }] });
  });
});

describe('reassemble', () => {
  const part = (sequence: number, text: string, reference = 7, total = 3): DecodedSegment => ({
    text,
    encoding: 'gsm7',
    concat: { reference, total, sequence, referenceBits: 8 },
    informationElements: [],
  });

  it('joins parts in sequence order, ignoring duplicates', () => {
    expect(reassemble([part(3, 'c'), part(1, 'a'), part(2, 'b'), part(1, 'a')])).toBe('abc');
  });

  it('returns a single unsegmented message as is', () => {
    expect(reassemble([{ text: 'hi', encoding: 'gsm7', informationElements: [] }])).toBe('hi');
  });

  it('reports missing parts and mixed messages', () => {
    expect(code(() => reassemble([part(1, 'a'), part(3, 'c')]))).toBe('ENCODING.INCOMPLETE_MESSAGE');
    expect(() => reassemble([part(1, 'a'), part(3, 'c')])).toThrow(/parts 2 of 3 are missing/);
    expect(code(() => reassemble([part(1, 'a'), part(2, 'b', 8)]))).toBe('ENCODING.INCOMPLETE_MESSAGE');
    expect(code(() => reassemble([part(4, 'a')]))).toBe('ENCODING.INCOMPLETE_MESSAGE');
    expect(code(() => reassemble([]))).toBe('ENCODING.INCOMPLETE_MESSAGE');
  });
});
