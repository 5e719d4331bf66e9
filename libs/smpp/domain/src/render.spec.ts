import { ConcatReferenceAllocator, decode, reassemble } from '@smsgw/gsm/util-encoding';
import { renderSubmits, type RenderSettings } from './index';

function settings(over: Partial<RenderSettings> = {}): RenderSettings {
  let now = 0;
  return {
    carrierId: 'demo',
    concatenation: 'udh8',
    gsm7DataCoding: 0,
    nationalLanguages: [],
    latin1: false,
    packed: false,
    registeredDelivery: 1,
    serviceType: '',
    references: { udh8: new ConcatReferenceAllocator({ bits: 8, random: () => 0.5, now: () => now++ }), wide: new ConcatReferenceAllocator({ bits: 16, random: () => 0, now: () => now++ }) },
    ...over,
  };
}

const base = { to: '+447700900123', from: 'ACME', validitySeconds: 0, priority: 2 };

describe('renderSubmits', () => {
  it('renders a single GSM-7 segment with addresses, receipts and no UDH', () => {
    const { encoded, submits } = renderSubmits({ ...base, text: 'Hello' }, settings());
    expect(encoded.encoding).toBe('gsm7');
    expect(submits).toHaveLength(1);
    expect(submits[0]).toMatchObject({
      source_addr_ton: 5,
      source_addr_npi: 0,
      source_addr: 'ACME',
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: '447700900123',
      esm_class: 0,
      registered_delivery: 1,
      data_coding: 0,
      priority_flag: 0,
      validity_period: '',
    });
    expect(decode(submits[0].short_message, { dataCoding: 0 }).text).toBe('Hello');
  });

  it('splits UCS-2 with an 8-bit concatenation UDH, one reference per destination', () => {
    const text = 'Привет, мир! '.repeat(12); // 156 UCS-2 units → 3 segments of ≤ 67
    const s = settings();
    const first = renderSubmits({ ...base, text, validitySeconds: 3600, priority: 3 }, s);
    expect(first.submits).toHaveLength(3);
    expect(first.submits.every((p) => p.esm_class === 0x40 && p.data_coding === 8 && p.priority_flag === 1 && p.validity_period === '000000010000000R')).toBe(true);
    const parts = first.submits.map((p) => decode(p.short_message, { dataCoding: 8, udhi: true }));
    expect(reassemble(parts)).toBe(text);
    expect(new Set(parts.map((p) => p.concat?.reference))).toEqual(new Set([128]));
    const second = renderSubmits({ ...base, text }, s);
    expect(decode(second.submits[0].short_message, { dataCoding: 8, udhi: true }).concat?.reference).toBe(129);
  });

  it('uses SAR TLVs or message_payload when the carrier asks for them', () => {
    const text = 'x'.repeat(200);
    const sar = renderSubmits({ ...base, text }, settings({ concatenation: 'sar' }));
    expect(sar.submits).toHaveLength(2);
    expect(sar.submits.map((p) => [p.esm_class, p.sar_total_segments, p.sar_segment_seqnum])).toEqual([
      [0, 2, 1],
      [0, 2, 2],
    ]);
    const payload = renderSubmits({ ...base, text, from: '+15551234567' }, settings({ concatenation: 'payload' }));
    expect(payload.submits).toHaveLength(1);
    expect(payload.submits[0].short_message).toHaveLength(0);
    expect(payload.submits[0].message_payload).toHaveLength(200);
    expect(payload.submits[0]).toMatchObject({ source_addr_ton: 1, source_addr_npi: 1, source_addr: '15551234567' });
  });
});
