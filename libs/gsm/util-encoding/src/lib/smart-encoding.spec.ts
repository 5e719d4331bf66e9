import { replaceLookAlikes } from './smart-encoding';

describe('replaceLookAlikes', () => {
  it.each([
    ['‘single’ ‚low‛ ′prime', "'single' 'low' 'prime"],
    ['“double” „low‟ «guillemets» ″', '"double" "low" "guillemets" "'],
    ['en – em — minus − hyphen ‐ nb‑hyphen ― bar', 'en - em - minus - hyphen - nb-hyphen - bar'],
    ['nbsp\u00a0thin\u2009hair\u200aideo\u3000narrow\u202ftab\t', 'nbsp thin hair ideo narrow tab '],
    ['zero\u200bwidth\u200d\ufeffsoft\u00adhyphen', 'zerowidthsofthyphen'],
    ['wait… • item ‣ item', 'wait... - item - item'],
    ['Ｆｕｌｌｗｉｄｔｈ！', 'Fullwidth!'],
    ['line\u2028sep', 'line\nsep'],
  ])('%j → %j', (input, output) => {
    expect(replaceLookAlikes(input).text).toBe(output);
  });

  it('counts each replaced character, in order of first appearance', () => {
    expect(replaceLookAlikes('“a” “b” …').replaced).toEqual([
      { from: '“', to: '"', count: 2 },
      { from: '”', to: '"', count: 2 },
      { from: '…', to: '...', count: 1 },
    ]);
  });

  it('returns the same string and no replacements when there is nothing to do', () => {
    const text = 'plain text, ünïcödé and 😀 stay';
    const result = replaceLookAlikes(text);
    expect(result.text).toBe(text);
    expect(result.replaced).toEqual([]);
  });
});
