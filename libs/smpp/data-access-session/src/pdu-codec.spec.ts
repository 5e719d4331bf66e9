/// <reference path="./node-smpp.d.ts" />
// node-smpp decodes what we encode: the codec is checked against the reference implementation.
import * as smpp from 'smpp';
import fc from 'fast-check';
import { CommandId, PduFramer, encodeDataSm, encodeResponse, encodeSubmitSm, readResponseMessageId, type SubmitSm } from '@smsgw/smpp/util-wire';
import { segment } from './testing/session-fixtures';

const base: SubmitSm = {
  ...segment('447700900123', ''),
  esm_class: 0x40,
  priority_flag: 1,
  validity_period: '000000010000000R',
  validity_seconds: 3600,
  data_coding: 8,
  short_message: new Uint8Array([5, 0, 3, 7, 2, 1, 0x04, 0x1f]),
};

describe('PDU codec', () => {
  it('encodes submit_sm as node-smpp reads it', () => {
    const pdu = new smpp.PDU(encodeSubmitSm(base, 42));
    expect(pdu).toMatchObject({ command: 'submit_sm', sequence_number: 42, command_status: 0, source_addr: 'ACME', source_addr_ton: 5, destination_addr: '447700900123', dest_addr_ton: 1, dest_addr_npi: 1, esm_class: 0x40, priority_flag: 1, registered_delivery: 1, data_coding: 8 });
    const sm = pdu['short_message'] as { udh: Buffer[] };
    expect(Buffer.concat([Buffer.from([5]), ...sm.udh])).toEqual(Buffer.from([5, 0, 3, 7, 2, 1]));
  });

  it('encodes message_payload and SAR TLVs', () => {
    const payload = Buffer.from('x'.repeat(300));
    const pdu = new smpp.PDU(encodeSubmitSm({ ...base, esm_class: 0, data_coding: 0, short_message: new Uint8Array(0), message_payload: payload, sar_msg_ref_num: 513, sar_total_segments: 3, sar_segment_seqnum: 2 }, 7));
    expect(pdu).toMatchObject({ sar_msg_ref_num: 513, sar_total_segments: 3, sar_segment_seqnum: 2 });
    expect((pdu['message_payload'] as { message: string }).message).toBe('x'.repeat(300));
  });

  it('encodes byte-identical to node-smpp for random submits (property)', () => {
    const ascii = fc.string({ minLength: 0, maxLength: 20 }).map((s) => s.replace(/[^\x20-\x7e]/g, 'a'));
    fc.assert(
      fc.property(ascii, ascii, fc.uint8Array({ maxLength: 140 }), fc.integer({ min: 1, max: 0x7fffffff }), (src, dst, sm, seq) => {
        const f = { ...base, source_addr: src, destination_addr: dst, short_message: sm };
        const ours = encodeSubmitSm(f, seq);
        const theirs = new smpp.PDU('submit_sm', { ...f, short_message: Buffer.from(sm), sequence_number: seq }).toBuffer();
        return ours.equals(theirs);
      }),
    );
  });

  it('encodes data_sm with the content in message_payload and the validity in qos_time_to_live', () => {
    const pdu = new smpp.PDU(encodeDataSm({ ...base, sar_msg_ref_num: 9, sar_total_segments: 2, sar_segment_seqnum: 1 }, 11));
    expect(pdu).toMatchObject({ command: 'data_sm', sequence_number: 11, source_addr: 'ACME', destination_addr: '447700900123', esm_class: 0x40, registered_delivery: 1, data_coding: 8, qos_time_to_live: 3600, sar_msg_ref_num: 9, sar_total_segments: 2, sar_segment_seqnum: 1 });
    expect(pdu['message_payload']).toBeDefined();
    const bytes = encodeDataSm({ ...base, validity_seconds: 0 }, 12);
    expect(bytes.readUInt32BE(0)).toBe(bytes.length);
  });

  it('encodes responses', () => {
    expect(new smpp.PDU(encodeResponse(CommandId.deliver_sm_resp, 0, 9))).toMatchObject({ command: 'deliver_sm_resp', sequence_number: 9, command_status: 0, message_id: '' });
    expect(new smpp.PDU(encodeResponse(CommandId.deliver_sm_resp, 0x64, 9))).toMatchObject({ command: 'deliver_sm_resp', command_status: 0x64 });
    expect(new smpp.PDU(encodeResponse(CommandId.enquire_link_resp, 0, 3))).toMatchObject({ command: 'enquire_link_resp', sequence_number: 3 });
    const resp = new smpp.PDU('submit_sm_resp', { sequence_number: 5, message_id: 'abc123' }).toBuffer();
    expect(readResponseMessageId(resp)).toBe('abc123');
  });

  it('frames a stream cut anywhere', () => {
    const pdus = [encodeSubmitSm(base, 1), encodeResponse(CommandId.enquire_link_resp, 0, 2), encodeSubmitSm({ ...base, destination_addr: '1' }, 3)];
    const stream = Buffer.concat(pdus);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: stream.length }), { maxLength: 10 }), (cuts) => {
        const seen: Buffer[] = [];
        const framer = new PduFramer((p) => seen.push(Buffer.from(p)));
        let at = 0;
        for (const c of [...new Set(cuts)].sort((a, b) => a - b).concat(stream.length)) {
          if (!framer.feed(stream.subarray(at, c))) return false;
          at = c;
        }
        return seen.length === 3 && seen.every((p, i) => p.equals(pdus[i]));
      }),
    );
    const bad = Buffer.alloc(8);
    bad.writeUInt32BE(3, 0);
    expect(new PduFramer(() => undefined).feed(bad)).toBe(false);
  });
});
