import { TLV, deliverSmFields, encodeDeliverSm, parseIncomingMessage, type ReceiptTlvs } from '@smsgw/smpp/util-wire';
import { isDeliveryReceipt, readReceipt, receiptIdFromText, receiptKey } from './index';

const RECEIPT_TEXT = 'id:5f3a9 sub:001 dlvrd:001 submit date:2401011200 done date:2401011201 stat:DELIVRD err:000 text:hello';

/** A receipt deliver_sm from the SMSC's side of the wire. */
function receiptPdu(text: string, tlvs?: ReceiptTlvs): Buffer {
  const f = deliverSmFields({ sourceTon: 1, sourceNpi: 1, source: '447700900123', destTon: 5, destNpi: 0, destination: 'ACME', esmClass: 0x04, dataCoding: 0, shortMessage: Buffer.from(text) });
  return encodeDeliverSm(f, 42, tlvs);
}

describe('receipts', () => {
  it('recognises receipts by esm_class or receipt TLVs', () => {
    expect(isDeliveryReceipt({ esmClass: 0x04, tlvs: new Map() })).toBe(true);
    expect(isDeliveryReceipt({ esmClass: 0x20, tlvs: new Map() })).toBe(true);
    expect(isDeliveryReceipt({ esmClass: 0x00, tlvs: new Map([[TLV.MESSAGE_STATE, new Uint8Array([2])]]) })).toBe(true);
    expect(isDeliveryReceipt({ esmClass: 0x00, tlvs: new Map() })).toBe(false);
    expect(isDeliveryReceipt({ esmClass: 0x40, tlvs: new Map() })).toBe(false); // UDHI only: a concatenated MO
  });

  it('takes the SMSC id from the TLV, else from the text', () => {
    const withTlv = readReceipt(parseIncomingMessage(receiptPdu(RECEIPT_TEXT, { receipted_message_id: 'ABC', message_state: 2 })));
    expect(withTlv.smscMessageId).toBe('ABC');
    const textOnly = readReceipt(parseIncomingMessage(receiptPdu(RECEIPT_TEXT)));
    expect(textOnly).toMatchObject({ smscMessageId: '5f3a9', receiptedMessageId: undefined, messageState: undefined, text: RECEIPT_TEXT });
    expect(receiptKey('demo', '5f3a9')).toBe('demo/5f3a9');
  });

  it('reads the id field in the forms carriers send', () => {
    expect(receiptIdFromText('id:123 sub:001')).toBe('123');
    expect(receiptIdFromText('ID:0A1B2C submit date:..')).toBe('0A1B2C');
    expect(receiptIdFromText('id: 77 stat:DELIVRD')).toBe('77');
    expect(receiptIdFromText('sub:001 dlvrd:001 stat:DELIVRD')).toBeUndefined();
    expect(receiptIdFromText('msgid:9 stat:DELIVRD')).toBeUndefined();
  });
});
