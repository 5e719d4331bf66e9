// Contract with the gateway's receipt parser (libs/dlr/domain): what the simulator writes, the
// dlr-processor reads back, id formats included.
import { normaliseSmscId, parseReceipt } from '@smsgw/dlr/domain';
import { formatMessageId, receiptIdOf } from '../ids/message-id';
import { MESSAGE_STATE, formatReceiptText, type ReceiptStat } from './receipt-text';

describe('receipts as the gateway parses them', () => {
  const n = 179_567_158_683_200;
  const submitDate = new Date(Date.UTC(2026, 10, 26, 5, 39));
  const doneDate = new Date(Date.UTC(2026, 10, 26, 5, 41));

  it.each<[ReceiptStat, string]>([
    ['DELIVRD', '000'],
    ['UNDELIV', '001'],
    ['EXPIRED', '000'],
    ['REJECTD', '002'],
    ['ENROUTE', '000'],
    ['ACCEPTD', '000'],
  ])('reads %s from the text alone, and with the TLVs', (stat, err) => {
    const id = formatMessageId(n, 'decimal');
    const shortMessage = formatReceiptText({ id, stat, err, submitDate, doneDate, text: 'Hello world' });
    const base = { carrierId: 'sim', smscMessageId: '', shortMessage, receivedAtMs: 0 };
    const fromText = parseReceipt({ ...base, receiptedMessageId: '', messageState: 0 });
    expect(fromText).toMatchObject({ smscMessageId: id, stat, err, doneAtMs: doneDate.getTime() });
    expect(fromText.text).toMatchObject({ id, submitted: 1, delivered: stat === 'DELIVRD' ? 1 : 0, submitDateMs: submitDate.getTime(), text: 'Hello world' });
    const withTlvs = parseReceipt({ ...base, receiptedMessageId: id, messageState: MESSAGE_STATE[stat] });
    expect(withTlvs).toMatchObject({ smscMessageId: id, stat });
  });

  it('matches hex submit ids to decimal receipt ids, from the TLV or from the text', () => {
    const submitId = formatMessageId(n, 'hex');
    const textId = receiptIdOf(n, 'hex', 'decimal');
    const shortMessage = formatReceiptText({ id: textId, stat: 'DELIVRD', err: '000', submitDate, doneDate, text: '' });
    const expected = normaliseSmscId(submitId, 'submit', 'hex-to-decimal');
    const base = { carrierId: 'sim', smscMessageId: '', shortMessage, messageState: 0, receivedAtMs: 0 };
    expect(parseReceipt({ ...base, receiptedMessageId: submitId }, 'hex-to-decimal').smscMessageId).toBe(expected);
    expect(parseReceipt({ ...base, receiptedMessageId: '' }, 'hex-to-decimal').smscMessageId).toBe(expected);
  });
});
