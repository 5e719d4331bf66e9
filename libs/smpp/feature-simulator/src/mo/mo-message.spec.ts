import { DATA_CODING_GSM, DATA_CODING_UCS2, ESM_CLASS_UDHI, buildMoMessage } from './mo-message';

describe('buildMoMessage', () => {
  it('sends short GSM text as one unpacked GSM part without UDH', () => {
    const mo = buildMoMessage('Hi @ €5', 1);
    expect(mo).toMatchObject({ dataCoding: DATA_CODING_GSM, esmClass: 0 });
    expect(mo.parts.map((p) => p.toString('hex'))).toEqual(['48692000201b6535']); // H i ␠ @ ␠ ESC € 5
  });

  it('counts extension characters as two septets: 160 fit, 161 do not', () => {
    expect(buildMoMessage('a'.repeat(160), 0).parts).toHaveLength(1);
    expect(buildMoMessage('a'.repeat(158) + '€', 0).parts).toHaveLength(1);
    expect(buildMoMessage('a'.repeat(159) + '€', 0).parts).toHaveLength(2);
  });

  it('splits long GSM text into 153-septet parts with a concatenation UDH', () => {
    const mo = buildMoMessage('x'.repeat(400), 0x1ff);
    expect(mo.esmClass).toBe(ESM_CLASS_UDHI);
    expect(mo.parts.map((p) => p.length - 6)).toEqual([153, 153, 94]);
    expect(mo.parts.map((p) => p.subarray(0, 6).toString('hex'))).toEqual(['050003ff0301', '050003ff0302', '050003ff0303']);
  });

  it('never splits an escape sequence', () => {
    const mo = buildMoMessage('a'.repeat(152) + '€' + 'b'.repeat(10), 3);
    expect(mo.parts[0].length - 6).toBe(152);
    expect(mo.parts[1].subarray(6, 8).toString('hex')).toBe('1b65');
  });

  it('uses UCS-2 for other text: 70 units in one part, 67 per part beyond, surrogate pairs kept whole', () => {
    expect(buildMoMessage('л'.repeat(70), 0)).toMatchObject({ dataCoding: DATA_CODING_UCS2, esmClass: 0 });
    const mo = buildMoMessage('л'.repeat(66) + '😀' + 'л'.repeat(3), 0); // 71 units
    expect(mo.dataCoding).toBe(DATA_CODING_UCS2);
    expect(mo.parts.map((p) => (p.length - 6) / 2)).toEqual([66, 5]);
    expect(mo.parts[1].subarray(6, 10).toString('hex')).toBe('d83dde00');
  });

  it('refuses text needing more than 255 parts', () => {
    expect(() => buildMoMessage('x'.repeat(153 * 256), 0)).toThrow('255');
  });
});
