import { decode, reassemble } from './decode';
import { count, encode } from './encode';
import { EncodingError } from './encoding-error';
import type { EncodeOptions } from './types';

const hex = (bytes: Uint8Array | undefined) => (bytes ? Buffer.from(bytes).toString('hex') : undefined);
const a = (n: number) => 'a'.repeat(n);
const zh = (n: number) => 'ж'.repeat(n); // BMP, not GSM
const units = (text: string, options: EncodeOptions = {}) => encode(text, { reference: 1, ...options }).units;

function thrown(f: () => unknown): EncodingError {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(EncodingError);
    return error as EncodingError;
  }
  throw new Error('expected an EncodingError');
}

describe('encode: GSM-7 boundaries (160 single, 153 with 8-bit ref, 152 with 16-bit ref)', () => {
  it.each([
    [152, [152]],
    [153, [153]],
    [154, [154]],
    [160, [160]],
    [161, [153, 8]],
    [306, [153, 153]],
    [307, [153, 153, 1]],
  ])('%i characters → units %j', (length, expected) => {
    expect(units(a(length))).toEqual(expected);
    expect(count(a(length)).units).toEqual(expected);
  });

  it('16-bit reference leaves 152 septets per part', () => {
    expect(units(a(160), { concatenation: 'udh16' })).toEqual([160]);
    expect(units(a(161), { concatenation: 'udh16' })).toEqual([152, 9]);
  });

  it('counts an extension character as 2 septets: 80 × € fit one segment, 80 × € + 1 do not', () => {
    expect(units('€'.repeat(80))).toEqual([160]);
    expect(units('€'.repeat(79) + 'ab')).toEqual([160]);
    expect(units('€'.repeat(80) + 'a')).toEqual([152, 9]); // 153 would cut the 77th €
  });

  it('moves an extension character straddling the 153 boundary to the next segment', () => {
    const message = encode(a(152) + '€' + a(10), { reference: 1 });
    expect(message.units).toEqual([152, 12]);
    expect(hex(message.segments[1].bytes)?.slice(12, 16)).toBe('1b65');
    expect(units(a(151) + '€' + a(10))).toEqual([153, 10]); // ends exactly on the boundary
    expect(units(a(158) + '€')).toEqual([160]);
    expect(units(a(159) + '€')).toEqual([153, 8]);
  });

  it('writes the 8-bit concatenation UDH (IE 0x00) in every part', () => {
    const message = encode(a(400), { reference: 0xab });
    expect(message.segments.map((s) => hex(s.udh))).toEqual(['050003ab0301', '050003ab0302', '050003ab0303']);
    expect(message.segments.map((s) => s.bytes.length)).toEqual([6 + 153, 6 + 153, 6 + 94]);
    expect(message.segmentCount).toBe(3);
  });

  it('writes the 16-bit concatenation UDH (IE 0x08)', () => {
    const message = encode(a(200), { reference: 0x1234, concatenation: 'udh16' });
    expect(message.segments.map((s) => hex(s.udh))).toEqual(['0608041234020' + '1', '06080412340202']);
  });

  it('uses one septet per octet by default and packs on request, with fill bits after the UDH', () => {
    expect(hex(encode('hellohello').segments[0].bytes)).toBe('68656c6c6f68656c6c6f');
    expect(hex(encode('hellohello', { packed: true }).segments[0].bytes)).toBe('e8329bfd4697d9ec37');
    const packed = encode(a(200), { reference: 7, packed: true });
    expect(packed.segments[0].bytes.length).toBe(140); // 6 UDH + 1 fill bit + 153 × 7 bits
    expect(packed.segments[1].bytes.length).toBe(6 + Math.ceil((1 + 47 * 7) / 8));
  });

  it('maps @ $ _ to their GSM positions on the fast path too', () => {
    const text = 'Pay $5 to user_name@example.com before noon, thanks!';
    const bytes = encode(text).segments[0].bytes;
    expect(bytes[text.indexOf('$')]).toBe(0x02);
    expect(bytes[text.indexOf('_')]).toBe(0x11);
    expect(bytes[text.indexOf('@')]).toBe(0x00);
    expect(decode(bytes, { dataCoding: 0 }).text).toBe(text);
  });

  it('encodes the empty text as one empty segment', () => {
    const message = encode('');
    expect(message).toMatchObject({ encoding: 'gsm7', units: [0], segmentCount: 1 });
    expect(message.segments[0].bytes.length).toBe(0);
  });
});

describe('encode: UCS-2 boundaries (70 single, 67 with 8-bit ref, 66 with 16-bit ref)', () => {
  it.each([
    [69, [69]],
    [70, [70]],
    [71, [67, 4]],
    [134, [67, 67]],
    [135, [67, 67, 1]],
  ])('%i characters → units %j', (length, expected) => {
    expect(units(zh(length))).toEqual(expected);
  });

  it('16-bit reference leaves 66 units per part', () => {
    expect(units(zh(71), { concatenation: 'udh16' })).toEqual([66, 5]);
  });

  it('counts an emoji as 2 units and never splits its surrogate pair', () => {
    expect(units(zh(68) + '😀')).toEqual([70]);
    expect(units(zh(69) + '😀')).toEqual([67, 4]);
    const message = encode(zh(66) + '😀' + zh(10), { reference: 3 });
    expect(message.units).toEqual([66, 12]);
    expect(hex(message.segments[1].bytes)?.slice(12, 20)).toBe('d83dde00');
    expect(units(zh(65) + '😀' + zh(10))).toEqual([67, 10]);
  });

  it('writes UTF-16BE with data_coding 8', () => {
    const message = encode('Привет 👋');
    expect(message).toMatchObject({ encoding: 'ucs2', dataCoding: 8, units: [9] });
    expect(hex(message.segments[0].bytes)).toBe('041f04400438043204350442' + '0020' + 'd83ddc4b');
  });
});

describe('encode: Latin-1 (data_coding 3) when the carrier takes it', () => {
  const latin = (n: number) => 'ý'.repeat(n); // ISO-8859-1, not GSM

  it('is used only when allowed and the text fits ISO-8859-1', () => {
    expect(encode(latin(5)).encoding).toBe('ucs2');
    expect(encode(latin(5), { latin1: true })).toMatchObject({ encoding: 'latin1', dataCoding: 3 });
    expect(hex(encode('ýa', { latin1: true }).segments[0].bytes)).toBe('fd61');
    expect(encode(latin(5) + '€', { latin1: true }).encoding).toBe('ucs2');
    expect(encode('plain', { latin1: true }).encoding).toBe('gsm7');
  });

  it('holds 140 octets single, 134 per part', () => {
    expect(units(latin(140), { latin1: true })).toEqual([140]);
    expect(units(latin(141), { latin1: true })).toEqual([134, 7]);
  });
});

describe('encode: national language shift tables', () => {
  const turkish = 'Çalışmalarınız için teşekkür ederiz, görüşmek üzere! Ağustos ayında İstanbul’da buluşalım.';

  it('uses a table only when the carrier supports it', () => {
    expect(count(turkish + ' ' + turkish).encoding).toBe('ucs2');
  });

  it('is chosen when it gives fewer segments than UCS-2, with IE 0x25/0x24 in the UDH', () => {
    const text = turkish.replace('’', "'") + ' Şimdiden iyi günler dileriz.';
    expect(text.length).toBeGreaterThan(70);
    const message = encode(text, { nationalLanguages: ['turkish'] });
    expect(message).toMatchObject({ encoding: 'gsm7', national: 'turkish', nationalShift: 'locking', dataCoding: 0 });
    expect(hex(message.segments[0].udh)).toBe('03250101');
    expect(decode(message.segments[0].bytes, { dataCoding: 0, udhi: true }).text).toBe(text);
  });

  it('is not chosen on a tie with UCS-2 (handsets read UCS-2 everywhere)', () => {
    expect(encode('Teşekkürler', { nationalLanguages: ['turkish'] }).encoding).toBe('ucs2');
  });

  it('is not chosen when the default alphabet holds the text', () => {
    expect(encode(a(100) + 'ü', { nationalLanguages: ['turkish', 'spanish', 'portuguese'] }).national).toBeUndefined();
  });

  it('Spanish: single shift only (Spanish has no locking table)', () => {
    const text = 'La reunión está confirmada para el miércoles; por favor traiga su identificación y la canción.';
    const message = encode(text, { nationalLanguages: ['spanish'] });
    expect(message).toMatchObject({ encoding: 'gsm7', national: 'spanish', nationalShift: 'single' });
    expect(hex(message.segments[0].udh)).toBe('03240102');
    expect(message.units[0]).toBe(text.length + 4); // ó á ó ó are ESC pairs; é is in the default alphabet
  });

  it('Portuguese: locking shift when it saves septets', () => {
    const text = 'Atenção: sua solicitação foi concluída. Você receberá a confirmação em breve. Obrigado, São Paulo!';
    const message = encode(text, { nationalLanguages: ['portuguese'] });
    expect(message).toMatchObject({ encoding: 'gsm7', national: 'portuguese' });
    expect(decode(message.segments[0].bytes, { dataCoding: 0, udhi: true })).toMatchObject({
      text,
      national: { lockingShift: 'portuguese' },
    });
  });

  it('computes capacity with the shift IEs in every part: 8-bit concat + one shift IE → 149 septets', () => {
    const text = ('ş' + a(99)).repeat(3);
    const message = encode(text, { nationalLanguages: ['turkish'], reference: 5 });
    expect(message.nationalShift).toBe('locking');
    expect(message.units).toEqual([149, 149, 2]);
    expect(message.segments.map((s) => hex(s.udh))).toEqual(['080003050301250101', '080003050302250101', '080003050303250101']);
    const parts = message.segments.map((s) => decode(s.bytes, { dataCoding: 0, udhi: true }));
    expect(reassemble(parts)).toBe(text);
  });

  it('never splits a single-shift pair across parts', () => {
    // Spanish ó is ESC 0x6F; 8-bit concat + IE 0x24 leave 149 septets, and septet 149 is an ESC.
    const text = 'aaa' + 'óaaa'.repeat(50);
    const message = encode(text, { nationalLanguages: ['spanish'], reference: 5 });
    expect(message).toMatchObject({ national: 'spanish', units: [148, 105] });
    expect(count(text).segments).toBe(4); // as UCS-2
    for (const s of message.segments) expect(s.bytes[s.bytes.length - 1]).not.toBe(0x1b);
  });
});

describe('encode: smart encoding', () => {
  const quoted = 'It’s “done” — see you… soon';

  it('is off by default', () => {
    expect(encode(quoted)).toMatchObject({ encoding: 'ucs2', replaced: [], text: quoted });
  });

  it('replaces look-alikes when that avoids UCS-2 and reports them', () => {
    const message = encode(quoted + ' ‘ok’', { smart: true });
    expect(message).toMatchObject({ encoding: 'gsm7', text: 'It\'s "done" - see you... soon \'ok\'' });
    expect(message.replaced).toEqual([
      { from: '’', to: "'", count: 2 },
      { from: '“', to: '"', count: 1 },
      { from: '”', to: '"', count: 1 },
      { from: '—', to: '-', count: 1 },
      { from: '…', to: '...', count: 1 },
      { from: '‘', to: "'", count: 1 },
    ]);
    expect(count(quoted, { smart: true })).toMatchObject({ encoding: 'gsm7', segments: 1 });
    expect(count(quoted, { smart: true }).replaced).toHaveLength(5);
  });

  it('leaves the text alone when UCS-2 is needed anyway', () => {
    expect(encode(quoted + ' 🎉', { smart: true })).toMatchObject({ encoding: 'ucs2', replaced: [], text: quoted + ' 🎉' });
  });

  it('replaces odd spaces and removes invisible characters', () => {
    const message = encode('a\u00a0b\u2009c\u200bd\u202fe\tf', { smart: true });
    expect(message.text).toBe('a b cd e f');
    expect(message.replaced.find((r) => r.from === '\u200b')).toEqual({ from: '\u200b', to: '', count: 1 });
  });

  it('combines with national tables', () => {
    const text = 'Teşekkürler, siparişiniz yola çıktı – yarın kapınızda olacak; iyi günler dileriz sevgili müşterimiz';
    const message = encode(text, { smart: true, nationalLanguages: ['turkish'] });
    expect(message).toMatchObject({ encoding: 'gsm7', national: 'turkish', replaced: [{ from: '–', to: '-', count: 1 }] });
  });
});

describe('encode: segmentation modes', () => {
  it('SAR: no UDH, 153-septet parts, sar_* values per part', () => {
    const message = encode(a(161), { concatenation: 'sar', reference: 0x1234 });
    expect(message.units).toEqual([153, 8]);
    expect(message.segments.map((s) => [s.udh, s.bytes.length, s.sar])).toEqual([
      [undefined, 153, { msgRefNum: 0x1234, totalSegments: 2, segmentSeqnum: 1 }],
      [undefined, 8, { msgRefNum: 0x1234, totalSegments: 2, segmentSeqnum: 2 }],
    ]);
    expect(encode(a(160), { concatenation: 'sar' }).segments[0].sar).toBeUndefined();
  });

  it('SAR with a national table keeps the shift IE in the UDH and leaves room for the SMSC concat IE', () => {
    const message = encode(('ş' + a(99)).repeat(2), { concatenation: 'sar', nationalLanguages: ['turkish'], reference: 9 });
    expect(message.units).toEqual([149, 51]);
    expect(hex(message.segments[0].udh)).toBe('03250101');
  });

  it('message_payload: one part with the whole message; segmentCount is what the handset gets', () => {
    const message = encode(a(400), { concatenation: 'payload' });
    expect(message.segments).toHaveLength(1);
    expect(message.segments[0].bytes.length).toBe(400);
    expect(message.units).toEqual([400]);
    expect(message.segmentCount).toBe(3);
    expect(count(a(400), { concatenation: 'payload' })).toMatchObject({ segments: 3, units: [153, 153, 94] });
  });

  it('data_coding for GSM-7 is overridable per carrier', () => {
    expect(encode('hi', { gsm7DataCoding: 1 }).dataCoding).toBe(1);
    expect(encode('hi', { gsm7DataCoding: 3 }).dataCoding).toBe(3);
    expect(encode('ж', { gsm7DataCoding: 1 }).dataCoding).toBe(8);
  });
});

describe('encode: references and limits', () => {
  it('needs a reference only for multi-part messages, and asks a function only then', () => {
    const allocate = jest.fn(() => 42);
    encode(a(160), { reference: allocate });
    expect(allocate).not.toHaveBeenCalled();
    expect(hex(encode(a(161), { reference: allocate }).segments[0].udh)).toBe('0500032a0201');
    expect(allocate).toHaveBeenCalledTimes(1);
    expect(thrown(() => encode(a(161))).code).toBe('ENCODING.REFERENCE_REQUIRED');
  });

  it('rejects references out of range for the UDH', () => {
    expect(thrown(() => encode(a(161), { reference: 256 })).code).toBe('ENCODING.INVALID_OPTION');
    expect(encode(a(161), { reference: 0xffff, concatenation: 'udh16' }).segments).toHaveLength(2);
    expect(thrown(() => encode(a(161), { reference: -1, concatenation: 'udh16' })).code).toBe('ENCODING.INVALID_OPTION');
  });

  it('throws TOO_MANY_SEGMENTS with a message that says why and what to do', () => {
    const error = thrown(() => encode(a(400), { maxSegments: 2, reference: 1 }));
    expect(error.code).toBe('ENCODING.TOO_MANY_SEGMENTS');
    expect(error.message).toMatch(/needs 3 segments .* at most 2/);
    expect(error.details).toMatchObject({ segments: 3, maxSegments: 2, encoding: 'gsm7' });
    expect(thrown(() => count(a(400), { maxSegments: 2 })).code).toBe('ENCODING.TOO_MANY_SEGMENTS');

    const ucs2 = thrown(() => count('It’s ' + zh(200), { maxSegments: 1 }));
    expect(ucs2.message).toContain('because of "’", "ж"');
    expect(ucs2.message).toContain('smart encoding may help');
  });

  it('never exceeds 255 parts (the UDH counts them in one octet)', () => {
    expect(count(a(153 * 255)).segments).toBe(255);
    expect(thrown(() => count(a(153 * 255 + 1))).code).toBe('ENCODING.TOO_MANY_SEGMENTS');
    expect(thrown(() => count(a(153 * 255 + 1), { maxSegments: 1000 })).code).toBe('ENCODING.TOO_MANY_SEGMENTS');
  });

  it('validates options', () => {
    expect(thrown(() => encode('x', { concatenation: 'udh9' as never })).code).toBe('ENCODING.INVALID_OPTION');
    expect(thrown(() => encode('x', { maxSegments: 0 })).code).toBe('ENCODING.INVALID_OPTION');
    expect(thrown(() => encode('x', { gsm7DataCoding: 256 })).code).toBe('ENCODING.INVALID_OPTION');
    expect(thrown(() => encode('x', { nationalLanguages: ['klingon' as never] })).message).toContain('klingon');
  });
});

describe('encode: results stay valid', () => {
  it('segments of earlier messages are not overwritten by later calls', () => {
    const first = encode('first message');
    const long = encode(a(500), { reference: 1 });
    for (let i = 0; i < 2000; i++) encode(`filler ${i} ` + a(i % 300), { reference: 2 });
    expect(decode(first.segments[0].bytes, { dataCoding: 0 }).text).toBe('first message');
    expect(reassemble(long.segments.map((s) => decode(s.bytes, { dataCoding: 0, udhi: true })))).toBe(a(500));
  });

  it('handles texts longer than a slab', () => {
    const text = 'b'.repeat(30_000);
    const message = encode(text, { reference: 1, maxSegments: 255 });
    expect(message.segments).toHaveLength(Math.ceil(30_000 / 153));
    expect(reassemble(message.segments.map((s) => decode(s.bytes, { dataCoding: 0, udhi: true })))).toBe(text);
  });
});
