import { encode } from '@smsgw/gsm/util-encoding';
import { ConcatReassembly } from '@smsgw/smpp/domain';
import { CommandStatus, encodeSubmitSm, parseIncomingMessage, type SubmitSm } from '@smsgw/smpp/util-wire';
import { SubmitRefusal, commandStatusOfRefusal, gatewayNumber, readSubmitPart, toSendRequest, type SubmitPart } from './submit-mapping';

const base: SubmitSm = {
  service_type: '',
  source_addr_ton: 5,
  source_addr_npi: 0,
  source_addr: 'ACME',
  dest_addr_ton: 1,
  dest_addr_npi: 1,
  destination_addr: '447911123456',
  esm_class: 0,
  protocol_id: 0,
  priority_flag: 0,
  validity_period: '',
  validity_seconds: 0,
  registered_delivery: 1,
  data_coding: 0,
  short_message: new Uint8Array(0),
};

/** The submit_sm PDUs an ESME sends for a text (bytes on the wire, parsed back as the server reads them). */
function submits(text: string, concatenation: 'udh8' | 'udh16' | 'sar' | 'payload', extra: Partial<EncodeOptionsLike> = {}) {
  const encoded = encode(text, { concatenation, reference: 42, ...extra });
  return encoded.segments.map((seg, i) => {
    const f: SubmitSm = { ...base, data_coding: encoded.dataCoding, esm_class: seg.udh ? 0x40 : 0, short_message: concatenation === 'payload' ? new Uint8Array(0) : seg.bytes, message_payload: concatenation === 'payload' ? seg.bytes : undefined };
    if (seg.sar) Object.assign(f, { sar_msg_ref_num: seg.sar.msgRefNum, sar_total_segments: seg.sar.totalSegments, sar_segment_seqnum: seg.sar.segmentSeqnum });
    return parseIncomingMessage(encodeSubmitSm(f, i + 1));
  });
}
type EncodeOptionsLike = { latin1: boolean; reference: number };

async function reassembled(text: string, concatenation: 'udh8' | 'udh16' | 'sar' | 'payload', extra: Partial<EncodeOptionsLike> = {}) {
  const got: { parts: number; request: ReturnType<typeof toSendRequest> }[] = [];
  const r = new ConcatReassembly<SubmitPart, string>(1000, async (parts, complete) => {
    const request = toSendRequest(parts, complete);
    got.push({ parts: parts.length, request });
    return 'id-1';
  });
  const pdus = submits(text, concatenation, extra);
  // Parts may arrive in any order (an ESME's window): last first.
  const ids = await Promise.all(pdus.reverse().map((p) => r.add(readSubmitPart(p, 'acct', 'sys'))));
  return { ids, got, pdus: pdus.length };
}

describe('submit_sm to SendRequest', () => {
  const long = 'This message is long enough to need several parts on the air interface. '.repeat(4);

  it.each(['udh8', 'udh16', 'sar'] as const)('reassembles a long message sent with %s; every part gets the one id', async (concatenation) => {
    const { ids, got, pdus } = await reassembled(long, concatenation);
    expect(pdus).toBeGreaterThan(1);
    expect(ids).toEqual(Array(pdus).fill('id-1'));
    expect(got).toHaveLength(1);
    expect(got[0].request).toMatchObject({ to: '+447911123456', from: 'ACME', text: long });
  });

  it('reads message_payload whole, and UCS-2 (data_coding 8) and Latin-1 (3) as text', async () => {
    expect((await reassembled(long, 'payload')).got[0].request.text).toBe(long);
    const ucs2 = 'Привет, мир! Ünïcödé ✓ '.repeat(5);
    expect((await reassembled(ucs2, 'udh8')).got[0].request.text).toBe(ucs2);
    const [latin] = submits('Ça coûte 5 £', 'udh8', { latin1: true });
    expect(latin.dataCoding).toBe(3);
    expect(readSubmitPart(latin, 'a', 's').decoded.text).toBe('Ça coûte 5 £');
  });

  it('refuses binary data and missing parts with the status that says why', async () => {
    const [pdu] = submits('hello', 'udh8');
    expect(() => readSubmitPart({ ...pdu, dataCoding: 4 }, 'a', 's')).toThrow(expect.objectContaining({ commandStatus: CommandStatus.ESME_RINVDCS }));
    const parts = submits(long, 'udh8').map((p) => readSubmitPart(p, 'a', 's'));
    expect(() => toSendRequest(parts.slice(1), false)).toThrow(SubmitRefusal);
  });

  it('addresses: international and unknown TON numbers get "+", national and alphanumeric stay', () => {
    expect(gatewayNumber('447911123456', 1)).toBe('+447911123456');
    expect(gatewayNumber('447911123456', 0)).toBe('+447911123456');
    expect(gatewayNumber('+447911123456', 1)).toBe('+447911123456');
    expect(gatewayNumber('07911123456', 2)).toBe('07911123456');
    expect(gatewayNumber('ACME', 5)).toBe('ACME');
  });

  it('maps ingest refusals to SMPP statuses', () => {
    expect(commandStatusOfRefusal('RATE.LIMITED')).toBe(0x58);
    expect(commandStatusOfRefusal('VALIDATION.INVALID_DESTINATION')).toBe(CommandStatus.ESME_RINVDSTADR);
    expect(commandStatusOfRefusal('POLICY.COUNTRY_NOT_ALLOWED')).toBe(CommandStatus.ESME_RINVDSTADR);
    expect(commandStatusOfRefusal('POLICY.SENDER_NOT_ALLOWED')).toBe(CommandStatus.ESME_RINVSRCADR);
    expect(commandStatusOfRefusal('POLICY.OPTED_OUT')).toBe(CommandStatus.ESME_RSUBMITFAIL);
    expect(commandStatusOfRefusal('VALIDATION.TEXT_TOO_LONG')).toBe(CommandStatus.ESME_RINVMSGLEN);
  });
});
