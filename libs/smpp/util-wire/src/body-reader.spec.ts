import { PduFormatError, TLV, messageContent, parseIncomingMessage, tlvInt, tlvString } from './index';

/** Builds a deliver_sm the way an SMSC puts it on the wire. */
function deliverSm(opts: { esmClass?: number; dataCoding?: number; text?: Uint8Array; tlvs?: [number, Uint8Array][]; source?: string; dest?: string }): Buffer {
  const cstr = (s: string) => Buffer.concat([Buffer.from(s, 'latin1'), Buffer.from([0])]);
  const sm = opts.text ?? new Uint8Array(0);
  const body = Buffer.concat([
    cstr(''),
    Buffer.from([1, 1]),
    cstr(opts.source ?? '447700900123'),
    Buffer.from([5, 0]),
    cstr(opts.dest ?? 'ACME'),
    Buffer.from([opts.esmClass ?? 0, 0, 0]),
    cstr(''),
    cstr(''),
    Buffer.from([0, 0, opts.dataCoding ?? 0, 0, sm.length]),
    Buffer.from(sm),
    ...(opts.tlvs ?? []).map(([tag, v]) => {
      const h = Buffer.alloc(4);
      h.writeUInt16BE(tag, 0);
      h.writeUInt16BE(v.length, 2);
      return Buffer.concat([h, Buffer.from(v)]);
    }),
  ]);
  const header = Buffer.alloc(16);
  header.writeUInt32BE(16 + body.length, 0);
  header.writeUInt32BE(5, 4);
  header.writeUInt32BE(0, 8);
  header.writeUInt32BE(42, 12);
  return Buffer.concat([header, body]);
}

const RECEIPT_TEXT = 'id:5f3a9 sub:001 dlvrd:001 submit date:2401011200 done date:2401011201 stat:DELIVRD err:000 text:hello';

describe('parseIncomingMessage', () => {
  it('reads fields, the raw short_message and TLVs', () => {
    const pdu = parseIncomingMessage(
      deliverSm({ esmClass: 0x04, text: Buffer.from(RECEIPT_TEXT), tlvs: [[TLV.RECEIPTED_MESSAGE_ID, Buffer.from('5F3A9\0')], [TLV.MESSAGE_STATE, Buffer.from([2])]] }),
    );
    expect(pdu).toMatchObject({ command: 'deliver_sm', sequence: 42, sourceAddr: '447700900123', sourceAddrTon: 1, destinationAddr: 'ACME', destAddrTon: 5, esmClass: 4, dataCoding: 0 });
    expect(Buffer.from(pdu.shortMessage).toString()).toBe(RECEIPT_TEXT);
    expect(tlvString(pdu.tlvs, TLV.RECEIPTED_MESSAGE_ID)).toBe('5F3A9');
    expect(tlvInt(pdu.tlvs, TLV.MESSAGE_STATE)).toBe(2);
  });

  it('keeps binary content byte for byte and prefers message_payload', () => {
    const ucs2 = Buffer.from([0x04, 0x1f, 0x04, 0x40, 0xd8, 0x3d, 0xde, 0x00]);
    const pdu = parseIncomingMessage(deliverSm({ dataCoding: 8, tlvs: [[TLV.MESSAGE_PAYLOAD, ucs2]] }));
    expect(Buffer.from(messageContent(pdu))).toEqual(ucs2);
  });

  it('rejects truncated PDUs with a format error', () => {
    const full = deliverSm({ text: Buffer.from('hi') });
    const cut = full.subarray(0, 30);
    cut.writeUInt32BE(30, 0);
    expect(() => parseIncomingMessage(cut)).toThrow(PduFormatError);
    expect(() => parseIncomingMessage(full.subarray(0, 10))).toThrow(/header/);
  });
});
