import { DEFAULT_KEYWORDS, classifyKeyword, firstWord, keywordLists, validateNumberKeyword } from './keywords';

describe('classifyKeyword', () => {
  it.each([
    ['STOP', 'opt_out', 'STOP'],
    [' stop. ', 'opt_out', 'STOP'],
    ['Unsubscribe!', 'opt_out', 'UNSUBSCRIBE'],
    ['cancel', 'opt_out', 'CANCEL'],
    ['END', 'opt_out', 'END'],
    ['quit', 'opt_out', 'QUIT'],
    ['Start', 'opt_in', 'START'],
    ['unstop', 'opt_in', 'UNSTOP'],
    ['help?', 'help', 'HELP'],
  ])('%j is %s', (text, action, keyword) => {
    expect(classifyKeyword(text, 'GB', DEFAULT_KEYWORDS)).toEqual({ action, keyword });
  });

  it('takes only a whole message: a sentence starting with a keyword is a reply', () => {
    expect(classifyKeyword('Stop by at 5?', 'GB', DEFAULT_KEYWORDS)).toBeUndefined();
    expect(classifyKeyword('', 'GB', DEFAULT_KEYWORDS)).toBeUndefined();
    expect(classifyKeyword('Yes', 'GB', DEFAULT_KEYWORDS)).toBeUndefined();
  });

  it('adds the country words to the default ones', () => {
    expect(classifyKeyword('arrêt', 'FR', DEFAULT_KEYWORDS)).toEqual({ action: 'opt_out', keyword: 'ARRÊT' });
    expect(classifyKeyword('arrêt', 'GB', DEFAULT_KEYWORDS)).toBeUndefined();
    expect(classifyKeyword('STOP', 'FR', DEFAULT_KEYWORDS)).toEqual({ action: 'opt_out', keyword: 'STOP' });
  });
});

describe('keywordLists', () => {
  it('replaces the lists a file gives and keeps the others', () => {
    const lists = keywordLists({ default: { optOut: ['stop', 'Halt'] }, countries: { NL: { optOut: ['STOPPEN'] } } });
    expect(lists.default).toEqual({ ...DEFAULT_KEYWORDS.default, optOut: ['STOP', 'HALT'] });
    expect(lists.countries['NL']).toEqual({ optOut: ['STOPPEN'], optIn: [], help: [] });
    expect(lists.countries['FR']).toEqual(DEFAULT_KEYWORDS.countries['FR']);
    expect(keywordLists(undefined)).toBe(DEFAULT_KEYWORDS);
  });

  it.each([[42], [{ default: { stop: ['X'] } }], [{ default: { optOut: 'STOP' } }], [{ countries: { gb: { optOut: ['X'] } } }]])('refuses %j with INBOUND.INVALID_KEYWORDS_FILE', (raw) => {
    expect(() => keywordLists(raw)).toThrow(expect.objectContaining({ code: 'INBOUND.INVALID_KEYWORDS_FILE' }));
  });
});

describe('number keywords', () => {
  it('takes the first word, upper case', () => {
    expect(firstWord('  pizza please ')).toBe('PIZZA');
    expect(validateNumberKeyword(' pizza ')).toBe('PIZZA');
    expect(validateNumberKeyword('')).toBe('');
    expect(() => validateNumberKeyword('two words')).toThrow(expect.objectContaining({ code: 'INBOUND.INVALID_KEYWORD' }));
  });
});
