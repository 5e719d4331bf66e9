import { MessageStatus } from '@smsgw/shared/util-proto';
import { ReceiptError, parseReceipt, type RawReceiptFields } from './receipt';
import { FINAL_RECEIPT_STATS, RECEIPT_STATS, normaliseStat, statFromMessageState, statWordKey, statusForStat, type ReceiptStat } from './receipt-stat';

const raw = (over: Partial<RawReceiptFields>): RawReceiptFields => ({
  carrierId: 'demo',
  smscMessageId: '',
  shortMessage: '',
  receiptedMessageId: '',
  messageState: 0,
  receivedAtMs: 1_700_000_000_000,
  ...over,
});

describe('receipt stats', () => {
  it.each([
    ['DELIVRD', MessageStatus.DELIVERED],
    ['UNDELIV', MessageStatus.UNDELIVERED],
    ['EXPIRED', MessageStatus.EXPIRED],
    ['REJECTD', MessageStatus.REJECTED],
    ['DELETED', MessageStatus.UNDELIVERED],
    ['UNKNOWN', undefined],
    ['ACCEPTD', undefined],
    ['ENROUTE', undefined],
  ] as const)('%s → %s', (stat, status) => {
    expect(statusForStat(stat)).toBe(status);
  });

  it('normalises spellings', () => {
    expect(normaliseStat('delivered')).toBe('DELIVRD');
    expect(normaliseStat(' Undeliverable ')).toBe('UNDELIV');
    expect(normaliseStat('REJECTED')).toBe('REJECTD');
    expect(normaliseStat('BOGUS')).toBeUndefined();
    expect(normaliseStat(undefined)).toBeUndefined();
  });

  it('maps every TLV message_state', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(statFromMessageState)).toEqual([
      undefined, 'ENROUTE', 'DELIVRD', 'EXPIRED', 'DELETED', 'UNDELIV', 'ACCEPTD', 'UNKNOWN', 'REJECTD', undefined,
    ]);
  });

  it('lists the final stats', () => {
    expect([...FINAL_RECEIPT_STATS].sort()).toEqual(['DELETED', 'DELIVRD', 'EXPIRED', 'REJECTD', 'UNDELIV']);
  });
});

describe('parseReceipt', () => {
  it('reads the standard text', () => {
    const r = parseReceipt(raw({ smscMessageId: '00ABC', shortMessage: 'id:00ABC sub:001 dlvrd:001 submit date:2401311259 done date:2401311300 stat:DELIVRD err:000 text:hi' }));
    expect(r).toMatchObject({ carrierId: 'demo', smscMessageId: 'abc', stat: 'DELIVRD', status: MessageStatus.DELIVERED, err: '000', doneAtMs: Date.UTC(2024, 0, 31, 13, 0) });
  });

  it('lets the TLV message_state win over the text', () => {
    const r = parseReceipt(raw({ smscMessageId: '1', shortMessage: 'id:1 stat:DELIVRD', messageState: 5 }));
    expect(r.stat).toBe('UNDELIV');
    expect(r.status).toBe(MessageStatus.UNDELIVERED);
  });

  it('reads a TLV-only receipt, with network_error_code as err', () => {
    const r = parseReceipt(raw({ receiptedMessageId: 'F00D', messageState: 8, networkErrorCode: Uint8Array.from([3, 0x01, 0x02]) }));
    expect(r).toMatchObject({ smscMessageId: 'f00d', stat: 'REJECTD', status: MessageStatus.REJECTED, err: '3:258' });
  });

  it('falls back to the text id when the connector gave none', () => {
    expect(parseReceipt(raw({ shortMessage: 'id:42 stat:ENROUTE' }))).toMatchObject({ smscMessageId: '42', stat: 'ENROUTE', status: undefined });
  });

  it('converts a decimal text id for a hex-to-decimal carrier, and the TLV id (which echoes submit_sm_resp) from hex', () => {
    expect(parseReceipt(raw({ smscMessageId: '2587', shortMessage: 'id:2587 stat:DELIVRD' }), 'hex-to-decimal').smscMessageId).toBe('2587');
    expect(parseReceipt(raw({ receiptedMessageId: '0A1B', smscMessageId: '0A1B', shortMessage: 'id:2587 stat:DELIVRD' }), 'hex-to-decimal').smscMessageId).toBe('2587');
  });

  it('refuses a receipt without an id or a stat, with a code', () => {
    expect(() => parseReceipt(raw({ shortMessage: 'stat:DELIVRD' }))).toThrow(expect.objectContaining({ code: 'DLR.NO_MESSAGE_ID' }));
    expect(() => parseReceipt(raw({ shortMessage: 'id:1 stat:WHATEVER' }))).toThrow(ReceiptError);
    expect(() => parseReceipt(raw({ shortMessage: 'id:1' }))).toThrow(expect.objectContaining({ code: 'DLR.NO_STAT', smscMessageId: '1' }));
  });

  it('names an unknown stat word with its own code, the id and the word (kept visible, never dropped)', () => {
    expect(() => parseReceipt(raw({ shortMessage: 'id:7 stat:OK_DONE' }))).toThrow(expect.objectContaining({ code: 'DLR.UNKNOWN_STAT', smscMessageId: '7', statWord: 'OK_DONE' }));
  });

  it("reads a carrier's own stat words from its mapping, before the built-in spellings", () => {
    const words = new Map<string, ReceiptStat>([[statWordKey('ok_done'), 'DELIVRD'], [statWordKey('Expird'), 'UNDELIV']]);
    expect(parseReceipt(raw({ shortMessage: 'id:7 stat:OK_DONE' }), 'same', words)).toMatchObject({ stat: 'DELIVRD', status: MessageStatus.DELIVERED });
    expect(parseReceipt(raw({ shortMessage: 'id:7 stat:EXPIRD' }), 'same', words).stat).toBe('UNDELIV');
    expect(parseReceipt(raw({ shortMessage: 'id:7 stat:EXPIRD' })).stat).toBe('EXPIRED');
  });
});

describe('stat words outside SMPP 3.4 appendix B', () => {
  it.each([
    ['DELIVERED', 'DELIVRD'],
    ['delivrd', 'DELIVRD'],
    ['Delivred', 'DELIVRD'],
    ['EXPIRD', 'EXPIRED'],
    ['UNDELIVRD', 'UNDELIV'],
    ['undeliverable', 'UNDELIV'],
    ['ACKED', 'ACCEPTD'],
    ['en-route', 'ENROUTE'],
    ['En_Route', 'ENROUTE'],
    ['BUFFRED', 'ENROUTE'],
    ['REJECTED', 'REJECTD'],
  ])('%s → %s', (word, stat) => {
    expect(normaliseStat(word)).toBe(stat);
  });

  it('maps every canonical word to itself, in any case', () => {
    for (const stat of RECEIPT_STATS) {
      expect(normaliseStat(stat)).toBe(stat);
      expect(normaliseStat(stat.toLowerCase())).toBe(stat);
    }
  });

  it('leaves words nobody mapped unknown', () => {
    expect(normaliseStat('SENT_OK')).toBeUndefined();
    expect(normaliseStat('')).toBeUndefined();
  });
});
