import { parseReceiptText, receiptDate } from './receipt-text';

const utc = (y: number, mo: number, d: number, h: number, mi: number, s = 0) => Date.UTC(y, mo - 1, d, h, mi, s);

describe('parseReceiptText', () => {
  it.each([
    [
      'standard simulator text',
      'id:1a2b3c sub:001 dlvrd:001 submit date:2401311259 done date:2401311300 stat:DELIVRD err:000 text:Hello there',
      { id: '1a2b3c', submitted: 1, delivered: 1, submitDateMs: utc(2024, 1, 31, 12, 59), doneDateMs: utc(2024, 1, 31, 13, 0), stat: 'DELIVRD', err: '000', text: 'Hello there' },
    ],
    [
      'upper-case keys and seconds in dates',
      'ID:77 SUB:001 DLVRD:000 SUBMIT DATE:240131125901 DONE DATE:240131130059 STAT:UNDELIV ERR:001 TEXT:x',
      { id: '77', submitted: 1, delivered: 0, submitDateMs: utc(2024, 1, 31, 12, 59, 1), doneDateMs: utc(2024, 1, 31, 13, 0, 59), stat: 'UNDELIV', err: '001', text: 'x' },
    ],
    ['mixed case stat value', 'id:5 stat:delivrd', { id: '5', stat: 'DELIVRD' }],
    ['only id and stat', 'id:12345 stat:EXPIRED', { id: '12345', stat: 'EXPIRED' }],
    ['missing id', 'sub:001 dlvrd:001 stat:DELIVRD err:000', { submitted: 1, delivered: 1, stat: 'DELIVRD', err: '000' }],
    ['text with spaces and colons, even a stat:', 'id:9 stat:REJECTD err:045 text:Your code: 1234 stat:DELIVRD', { id: '9', stat: 'REJECTD', err: '045', text: 'Your code: 1234 stat:DELIVRD' }],
    ['empty text', 'id:9 stat:DELIVRD text:', { id: '9', stat: 'DELIVRD', text: '' }],
    ['underscored date keys', 'id:1 submit_date:2402290000 done_date:2402290001 stat:DELIVRD', { id: '1', submitDateMs: utc(2024, 2, 29, 0, 0), doneDateMs: utc(2024, 2, 29, 0, 1), stat: 'DELIVRD' }],
    ['invalid dates dropped', 'id:1 submit date:2413011200 done date:24023 stat:DELIVRD', { id: '1', stat: 'DELIVRD' }],
    ['non-numeric counts dropped', 'id:1 sub:abc dlvrd: stat:DELIVRD', { id: '1', stat: 'DELIVRD' }],
    ['extra whitespace', '  id:  abc   sub:001   stat:  ENROUTE  ', { id: 'abc', submitted: 1, stat: 'ENROUTE' }],
    ['a key glued to a word is not a key', 'id:1 xstat:UNDELIV stat:DELIVRD', { id: '1', stat: 'DELIVRD' }],
    ['first of repeated keys wins', 'id:1 stat:DELIVRD stat:UNDELIV', { id: '1', stat: 'DELIVRD' }],
    ['not a receipt', 'hello world', {}],
    ['empty', '', {}],
  ])('%s', (_name, text, expected) => {
    expect(parseReceiptText(text)).toEqual(expected);
  });
});

describe('receiptDate', () => {
  it.each([
    ['2401311259', utc(2024, 1, 31, 12, 59)],
    ['991231235959', utc(2099, 12, 31, 23, 59, 59)],
    ['2402300000', undefined],
    ['2400010000', undefined],
    ['2401012400', undefined],
    ['240101120', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%s → %s', (value, expected) => {
    expect(receiptDate(value)).toBe(expected);
  });
});
