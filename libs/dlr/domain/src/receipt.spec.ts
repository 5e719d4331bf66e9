import { MessageStatus } from '@smsgw/shared/util-proto';
import { ReceiptError, parseReceipt, type RawReceiptFields } from './receipt';
import { FINAL_RECEIPT_STATS, normaliseStat, statFromMessageState, statusForStat } from './receipt-stat';

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
    expect(() => parseReceipt(raw({ shortMessage: 'id:1' }))).toThrow(expect.objectContaining({ code: 'DLR.NO_STAT' }));
  });
});
