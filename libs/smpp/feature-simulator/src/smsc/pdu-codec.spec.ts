import { smpp } from './node-smpp';
import { CMD, encodeDeliverSm, encodeHeaderOnly, encodeSubmitResp, readSubmit, submittedText, type SubmitView } from './pdu-codec';

/** node-smpp encodes; the body is what follows command_length. */
function bodyOf(command: string, fields: Record<string, unknown>): Buffer {
  const pdu = new smpp.PDU(command, fields);
  pdu.sequence_number = 77;
  return (pdu as unknown as { toBuffer(): Buffer }).toBuffer().subarray(4);
}

function view(body: Buffer): SubmitView {
  const v = readSubmit(body);
  if (!v) throw new Error('readSubmit refused the PDU');
  return v;
}

function decode(bytes: Buffer): Record<string, unknown> {
  return new smpp.PDU(bytes) as unknown as Record<string, unknown>;
}

describe('readSubmit', () => {
  it('reads a submit_sm as node-smpp writes it', () => {
    const body = bodyOf('submit_sm', {
      source_addr_ton: 5,
      source_addr_npi: 0,
      source_addr: 'ACME',
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: '447700900123',
      registered_delivery: 1,
      data_coding: 0,
      validity_period: '000001000000000R',
      short_message: Buffer.from('Hello'),
    });
    const v = view(body);
    expect(v).toMatchObject({ commandId: CMD.SUBMIT_SM, sequence: 77, srcTon: 5, srcNpi: 0, src: 'ACME', dstTon: 1, dstNpi: 1, dst: '447700900123', registeredDelivery: 1, dataCoding: 0, sar: 0 });
    expect(body.subarray(v.contentStart, v.contentEnd).toString()).toBe('Hello');
  });

  it('reads message_payload when short_message is empty, and data_sm', () => {
    const long = 'x'.repeat(400);
    const submit = bodyOf('submit_sm', { source_addr: 'A', destination_addr: '1', data_coding: 1, message_payload: Buffer.from(long) });
    const v = view(submit);
    expect(submit.subarray(v.contentStart, v.contentEnd).toString()).toBe(long);
    const data = bodyOf('data_sm', { source_addr: 'A', destination_addr: '2', registered_delivery: 1, data_coding: 3, message_payload: Buffer.from('hi') });
    expect(readSubmit(data)).toMatchObject({ commandId: CMD.DATA_SM, dst: '2', registeredDelivery: 1, dataCoding: 3 });
  });

  it('folds SAR TLVs into the view', () => {
    const a = view(bodyOf('submit_sm', { destination_addr: '1', short_message: Buffer.from('a'), sar_msg_ref_num: 9, sar_total_segments: 2, sar_segment_seqnum: 1 }));
    const b = view(bodyOf('submit_sm', { destination_addr: '1', short_message: Buffer.from('a'), sar_msg_ref_num: 9, sar_total_segments: 2, sar_segment_seqnum: 2 }));
    expect(a.sar).not.toBe(0);
    expect(a.sar).not.toBe(b.sar);
  });

  it('refuses truncated PDUs and other commands', () => {
    const body = bodyOf('submit_sm', { destination_addr: '447700900123', short_message: Buffer.from('Hello') });
    for (let cut = 12; cut < body.length; cut += 3) expect(readSubmit(body.subarray(0, cut))).toBeUndefined();
    expect(readSubmit(bodyOf('enquire_link', {}))).toBeUndefined();
  });
});

describe('submittedText', () => {
  const textOf = (fields: Record<string, unknown>): string => {
    const body = bodyOf('submit_sm', { destination_addr: '1', ...fields });
    return submittedText(body, view(body));
  };

  it('decodes GSM 7-bit (unpacked), skipping the UDH', () => {
    const udh = Buffer.from([0x05, 0x00, 0x03, 0x01, 0x02, 0x01]);
    const gsm = Buffer.from([0x48, 0x69, 0x00, 0x1b, 0x65, 0x20, 0x11]); // "Hi@€ _"
    expect(textOf({ esm_class: 0x40, data_coding: 0, short_message: Buffer.concat([udh, gsm]) })).toBe('Hi@€ _');
  });

  it('decodes UCS-2 and Latin-1, and quotes nothing for binary', () => {
    expect(textOf({ data_coding: 8, short_message: Buffer.from('004800e9043b', 'hex') })).toBe('Héл');
    expect(textOf({ data_coding: 3, short_message: Buffer.from('caf\xe9', 'latin1') })).toBe('café');
    expect(textOf({ data_coding: 4, short_message: Buffer.from([1, 2, 3]) })).toBe('');
  });

  it('stops at the requested number of characters', () => {
    expect(textOf({ data_coding: 8, short_message: Buffer.from('abcdefghijklmnopqrstuvwxyz', 'utf16le').swap16() })).toBe('abcdefghijklmnopqrst');
  });
});

describe('encoders', () => {
  it('writes a submit_sm_resp node-smpp reads', () => {
    expect(decode(encodeSubmitResp(CMD.SUBMIT_SM_RESP, 42, 'a350bcb4e640'))).toMatchObject({ command: 'submit_sm_resp', command_status: 0, sequence_number: 42, message_id: 'a350bcb4e640' });
    expect(decode(encodeSubmitResp(CMD.DATA_SM_RESP, 43, '1'))).toMatchObject({ command: 'data_sm_resp', message_id: '1' });
  });

  it('writes header-only responses', () => {
    expect(decode(encodeHeaderOnly(CMD.SUBMIT_SM_RESP, 0x58, 5))).toMatchObject({ command: 'submit_sm_resp', command_status: 0x58, sequence_number: 5 });
    expect(decode(encodeHeaderOnly(CMD.ENQUIRE_LINK_RESP, 0, 6))).toMatchObject({ command: 'enquire_link_resp', command_status: 0, sequence_number: 6 });
  });

  it('writes a deliver_sm receipt node-smpp reads, TLVs included', () => {
    const text = 'id:1 sub:001 dlvrd:001 submit date:2601010000 done date:2601010001 stat:DELIVRD err:000 text:hi';
    const pdu = decode(encodeDeliverSm(9, { srcTon: 1, srcNpi: 1, src: '447700900123', dstTon: 5, dstNpi: 0, dst: 'ACME', esmClass: 4, dataCoding: 0, shortMessage: Buffer.from(text), receiptedMessageId: '1', messageState: 2 }));
    expect(pdu).toMatchObject({ command: 'deliver_sm', sequence_number: 9, source_addr_ton: 1, source_addr: '447700900123', dest_addr_ton: 5, destination_addr: 'ACME', esm_class: 4, data_coding: 0, receipted_message_id: '1', message_state: 2 });
    expect((pdu['short_message'] as { message: string }).message).toBe(text);
  });

  it('writes a deliver_sm without TLVs', () => {
    const pdu = decode(encodeDeliverSm(1, { srcTon: 0, srcNpi: 0, src: '1', dstTon: 0, dstNpi: 0, dst: '2', esmClass: 0x40, dataCoding: 8, shortMessage: Buffer.from('050003010201006100620063', 'hex') }));
    expect(pdu).toMatchObject({ command: 'deliver_sm', esm_class: 0x40, data_coding: 8 });
    expect(pdu['receipted_message_id']).toBeUndefined();
    expect((pdu['short_message'] as { message: string }).message).toBe('abc');
  });
});
