import fc from 'fast-check';
import { FINAL_STATS, INTERMEDIATE_STATS, formatReceiptText, receiptDate, receiptTextSample } from './receipt-text';

// The pattern receipt parsers apply (Kannel, Jasmin, cloudhopper's DeliveryReceipt all read these
// fields by their labels, separated by single spaces).
const STANDARD = /^id:(\S+) sub:(\d{3}) dlvrd:(\d{3}) submit date:(\d{10,12}) done date:(\d{10,12}) stat:([A-Z]{7}) err:(\d{3}) text:(.*)$/;

describe('formatReceiptText', () => {
  const submitDate = new Date(Date.UTC(2026, 0, 2, 3, 4, 59));
  const doneDate = new Date(Date.UTC(2026, 11, 31, 23, 59, 1));

  it('writes the standard receipt text', () => {
    expect(formatReceiptText({ id: '179567158683200', stat: 'DELIVRD', err: '000', submitDate, doneDate, text: 'Hello world, this is a long text' })).toBe(
      'id:179567158683200 sub:001 dlvrd:001 submit date:2601020304 done date:2612312359 stat:DELIVRD err:000 text:Hello world, this is',
    );
  });

  it('counts nothing delivered for failures and intermediate states', () => {
    for (const stat of ['UNDELIV', 'EXPIRED', 'REJECTD', 'ENROUTE', 'ACCEPTD'] as const) {
      expect(formatReceiptText({ id: 'a1', stat, err: '001', submitDate, doneDate, text: '' })).toContain(`dlvrd:000 submit date`);
    }
  });

  it('is read back by the standard pattern for any id, stat, error, dates and text', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[0-9a-zA-Z-]{1,64}$/),
        fc.constantFrom(...FINAL_STATS, ...INTERMEDIATE_STATS),
        fc.integer({ min: 0, max: 999 }),
        fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }),
        fc.string({ maxLength: 200 }),
        (id, stat, err, date, text) => {
          const line = formatReceiptText({ id, stat, err: String(err).padStart(3, '0'), submitDate: date, doneDate: date, text });
          const m = STANDARD.exec(line);
          expect(m).not.toBeNull();
          const [, pid, , , sd, dd, pstat, perr, ptext] = m as RegExpExecArray;
          expect([pid, pstat, Number(perr)]).toEqual([id, stat, err]);
          expect(sd).toBe(receiptDate(date));
          expect(dd).toBe(receiptDate(date));
          expect([...ptext].length).toBeLessThanOrEqual(20);
        },
      ),
    );
  });
});

describe('receiptDate', () => {
  it('is YYMMDDhhmm in UTC', () => {
    expect(receiptDate(new Date(Date.UTC(2009, 8, 5, 7, 6, 30)))).toBe('0909050706');
  });
});

describe('receiptTextSample', () => {
  it('keeps the first 20 characters', () => {
    expect(receiptTextSample('abcdefghijklmnopqrstuvwxyz')).toBe('abcdefghijklmnopqrst');
  });

  it('replaces characters that differ between ASCII and GSM 7-bit, and control characters', () => {
    expect(receiptTextSample('a@b$c_d\ne€f😀g')).toBe('a?b?c?d e?f?g');
  });
});
