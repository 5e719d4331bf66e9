import fc from 'fast-check';
import { CommandId, deliverSmFields, encodeDataSm, encodeDeliverSm, encodeMessageIdResp, encodeResponse, encodeSubmitSm, type SubmitSm } from '@smsgw/smpp/util-wire';
import { smpp } from './node-smpp';
import { readSubmit, submittedText, type SubmitView } from './submit-reader';

/** node-smpp encodes a whole PDU. */
function bodyOf(command: string, fields: Record<string, unknown>): Buffer {
  const pdu = new smpp.PDU(command, fields);
  pdu.sequence_number = 77;
  return (pdu as unknown as { toBuffer(): Buffer }).toBuffer();
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
    expect(v).toMatchObject({ commandId: CommandId.submit_sm, sequence: 77, srcTon: 5, srcNpi: 0, src: 'ACME', dstTon: 1, dstNpi: 1, dst: '447700900123', registeredDelivery: 1, dataCoding: 0, sar: 0 });
    expect(body.subarray(v.contentStart, v.contentEnd).toString()).toBe('Hello');
  });

  it('reads message_payload when short_message is empty, and data_sm', () => {
    const long = 'x'.repeat(400);
    const submit = bodyOf('submit_sm', { source_addr: 'A', destination_addr: '1', data_coding: 1, message_payload: Buffer.from(long) });
    const v = view(submit);
    expect(submit.subarray(v.contentStart, v.contentEnd).toString()).toBe(long);
    const data = bodyOf('data_sm', { source_addr: 'A', destination_addr: '2', registered_delivery: 1, data_coding: 3, message_payload: Buffer.from('hi') });
    expect(readSubmit(data)).toMatchObject({ commandId: CommandId.data_sm, dst: '2', registeredDelivery: 1, dataCoding: 3 });
  });

  it('folds SAR TLVs into the view', () => {
    const a = view(bodyOf('submit_sm', { destination_addr: '1', short_message: Buffer.from('a'), sar_msg_ref_num: 9, sar_total_segments: 2, sar_segment_seqnum: 1 }));
    const b = view(bodyOf('submit_sm', { destination_addr: '1', short_message: Buffer.from('a'), sar_msg_ref_num: 9, sar_total_segments: 2, sar_segment_seqnum: 2 }));
    expect(a.sar).not.toBe(0);
    expect(a.sar).not.toBe(b.sar);
  });

  it('refuses truncated PDUs and other commands', () => {
    const body = bodyOf('submit_sm', { destination_addr: '447700900123', short_message: Buffer.from('Hello') });
    for (let cut = 16; cut < body.length; cut += 3) expect(readSubmit(body.subarray(0, cut))).toBeUndefined();
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

/** A deliver_sm's fields as the simulator sets them (smsc-server's deliverSm). */
function deliverFields(f: { srcTon: number; srcNpi: number; src: string; dstTon: number; dstNpi: number; dst: string; esmClass: number; dataCoding: number; shortMessage: Buffer }): SubmitSm {
  return deliverSmFields({ sourceTon: f.srcTon, sourceNpi: f.srcNpi, source: f.src, destTon: f.dstTon, destNpi: f.dstNpi, destination: f.dst, esmClass: f.esmClass, dataCoding: f.dataCoding, shortMessage: f.shortMessage });
}

describe('what the simulator writes (the wire library), as node-smpp reads it', () => {
  it('writes a submit_sm_resp node-smpp reads', () => {
    expect(decode(encodeMessageIdResp(CommandId.submit_sm_resp, 0, 42, 'a350bcb4e640'))).toMatchObject({ command: 'submit_sm_resp', command_status: 0, sequence_number: 42, message_id: 'a350bcb4e640' });
    expect(decode(encodeMessageIdResp(CommandId.data_sm_resp, 0, 43, '1'))).toMatchObject({ command: 'data_sm_resp', message_id: '1' });
  });

  it('writes header-only responses', () => {
    expect(decode(encodeMessageIdResp(CommandId.submit_sm_resp, 0x58, 5, ''))).toMatchObject({ command: 'submit_sm_resp', command_status: 0x58, sequence_number: 5 });
    expect(decode(encodeResponse(CommandId.enquire_link_resp, 0, 6))).toMatchObject({ command: 'enquire_link_resp', command_status: 0, sequence_number: 6 });
  });

  it('writes a deliver_sm receipt node-smpp reads, TLVs included', () => {
    const text = 'id:1 sub:001 dlvrd:001 submit date:2601010000 done date:2601010001 stat:DELIVRD err:000 text:hi';
    const pdu = decode(encodeDeliverSm(deliverFields({ srcTon: 1, srcNpi: 1, src: '447700900123', dstTon: 5, dstNpi: 0, dst: 'ACME', esmClass: 4, dataCoding: 0, shortMessage: Buffer.from(text) }), 9, { receipted_message_id: '1', message_state: 2 }));
    expect(pdu).toMatchObject({ command: 'deliver_sm', sequence_number: 9, source_addr_ton: 1, source_addr: '447700900123', dest_addr_ton: 5, destination_addr: 'ACME', esm_class: 4, data_coding: 0, receipted_message_id: '1', message_state: 2 });
    expect((pdu['short_message'] as { message: string }).message).toBe(text);
  });

  it('writes a deliver_sm without TLVs', () => {
    const pdu = decode(encodeDeliverSm(deliverFields({ srcTon: 0, srcNpi: 0, src: '1', dstTon: 0, dstNpi: 0, dst: '2', esmClass: 0x40, dataCoding: 8, shortMessage: Buffer.from('050003010201006100620063', 'hex') }), 1));
    expect(pdu).toMatchObject({ command: 'deliver_sm', esm_class: 0x40, data_coding: 8 });
    expect(pdu['receipted_message_id']).toBeUndefined();
    expect((pdu['short_message'] as { message: string }).message).toBe('abc');
  });
});

// The contract between the two sides of the wire: what the gateway's writer puts on the wire, the
// simulator's own reader reads back field for field (the reader is independent on purpose).
describe('contract: the gateway writes, the simulator reads', () => {
  const ascii = fc.string({ maxLength: 20 }).map((t) => t.replace(/[^\x20-\x7e]/g, 'a'));
  const submit = fc.record({
    src: ascii,
    dst: ascii,
    srcTon: fc.integer({ min: 0, max: 6 }),
    dstNpi: fc.integer({ min: 0, max: 18 }),
    esmClass: fc.constantFrom(0, 0x40),
    registeredDelivery: fc.integer({ min: 0, max: 0x1f }),
    dataCoding: fc.constantFrom(0, 3, 8),
    content: fc.uint8Array({ maxLength: 254 }),
    payload: fc.boolean(),
    sar: fc.option(fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 1, max: 255 })), { nil: undefined }),
    sequence: fc.integer({ min: 1, max: 0x7fffffff }),
  });

  it('reads every submit_sm and data_sm the wire library writes (property)', () => {
    fc.assert(
      fc.property(submit, fc.boolean(), (s, asDataSm) => {
        const f: SubmitSm = {
          service_type: '',
          source_addr_ton: s.srcTon,
          source_addr_npi: 1,
          source_addr: s.src,
          dest_addr_ton: 1,
          dest_addr_npi: s.dstNpi,
          destination_addr: s.dst,
          esm_class: s.esmClass,
          protocol_id: 0,
          priority_flag: 0,
          validity_period: '',
          validity_seconds: 0,
          registered_delivery: s.registeredDelivery,
          data_coding: s.dataCoding,
          short_message: s.payload ? new Uint8Array(0) : s.content,
          message_payload: s.payload ? s.content : undefined,
          sar_msg_ref_num: s.sar?.[0],
          sar_total_segments: s.sar ? 2 : undefined,
          sar_segment_seqnum: s.sar ? 1 : undefined,
        };
        const pdu = asDataSm ? encodeDataSm(f, s.sequence) : encodeSubmitSm(f, s.sequence);
        const v = readSubmit(pdu);
        expect(v).toMatchObject({
          commandId: asDataSm ? CommandId.data_sm : CommandId.submit_sm,
          sequence: s.sequence,
          srcTon: s.srcTon,
          srcNpi: 1,
          src: s.src,
          dstTon: 1,
          dstNpi: s.dstNpi,
          dst: s.dst,
          esmClass: s.esmClass,
          registeredDelivery: s.registeredDelivery,
          dataCoding: s.dataCoding,
        });
        expect(Buffer.from(pdu.subarray(v?.contentStart, v?.contentEnd))).toEqual(Buffer.from(s.content));
        expect(v?.sar !== 0).toBe(s.sar !== undefined);
      }),
    );
  });
});
