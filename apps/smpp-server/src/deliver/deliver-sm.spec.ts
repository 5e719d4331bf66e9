import { isDeliveryReceipt, readReceipt } from '@smsgw/smpp/domain';
import { CommandId, TLV, encodeDeliverSm, parseIncomingMessage, tlvInt } from '@smsgw/smpp/util-wire';
import { MessageStatus } from '@smsgw/shared/util-proto';
import { deliverSmOf, wantsReceipt, type PendingDelivery } from './deliver-sm';

const pending = (over: Partial<PendingDelivery>): PendingDelivery => ({
  id: '1',
  kind: 'receipt',
  accountId: 'a',
  messageId: '01KB0000000000000000000000',
  sourceAddr: '447911123456',
  sourceTon: 1,
  sourceNpi: 1,
  destinationAddr: 'ACME',
  status: MessageStatus.DELIVERED,
  errorCode: '',
  text: '',
  submittedAtMs: Date.UTC(2026, 11, 2, 0, 30),
  doneAtMs: Date.UTC(2026, 11, 2, 0, 31),
  ...over,
});

describe('deliver_sm for receipts and MO', () => {
  it('a receipt reads back (as the connector reads carriers\') with the id, stat and TLVs', () => {
    const { fields, receipt } = deliverSmOf(pending({}));
    const pdu = parseIncomingMessage(encodeDeliverSm(fields, 7, receipt));
    expect(pdu.command).toBe('deliver_sm');
    expect(isDeliveryReceipt(pdu)).toBe(true);
    const r = readReceipt(pdu);
    expect(r.text).toBe('id:01KB0000000000000000000000 sub:001 dlvrd:001 submit date:2612020030 done date:2612020031 stat:DELIVRD err:000 text:');
    expect(r.receiptedMessageId).toBe('01KB0000000000000000000000');
    expect(r.messageState).toBe(2);
    expect(pdu.sourceAddr).toBe('447911123456');
    expect(pdu.destinationAddr).toBe('ACME');
    const failed = parseIncomingMessage(encodeDeliverSm(deliverSmOf(pending({ status: MessageStatus.UNDELIVERED })).fields, 8, deliverSmOf(pending({ status: MessageStatus.UNDELIVERED })).receipt));
    expect(readReceipt(failed).text).toContain('stat:UNDELIV err:001');
    expect(tlvInt(failed.tlvs, TLV.MESSAGE_STATE)).toBe(5);
    expect(encodeDeliverSm(fields, 1).readUInt32BE(4)).toBe(CommandId.deliver_sm);
  });

  it('MO is one deliver_sm, in message_payload when long', () => {
    const short = parseIncomingMessage(encodeDeliverSm(deliverSmOf(pending({ kind: 'mo', text: 'Hello back' })).fields, 1));
    expect(Buffer.from(short.shortMessage).toString('latin1')).toBe('Hello back');
    expect(short.esmClass).toBe(0);
    const long = 'x'.repeat(400);
    const pdu = parseIncomingMessage(encodeDeliverSm(deliverSmOf(pending({ kind: 'mo', text: long })).fields, 1));
    expect(Buffer.from(pdu.tlvs.get(TLV.MESSAGE_PAYLOAD) ?? []).toString('latin1')).toBe(long);
  });

  it('registered_delivery: 1 asks for every final outcome, 2 for failures only, 0 for none', () => {
    expect(wantsReceipt(1, MessageStatus.DELIVERED)).toBe(true);
    expect(wantsReceipt(2, MessageStatus.DELIVERED)).toBe(false);
    expect(wantsReceipt(2, MessageStatus.UNDELIVERED)).toBe(true);
    expect(wantsReceipt(0, MessageStatus.FAILED)).toBe(false);
    expect(wantsReceipt(1, MessageStatus.SUBMITTED)).toBe(false);
  });
});
