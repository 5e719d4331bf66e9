import { smpp } from './node-smpp';
import { readSubmit } from './submit-reader';
import { SeenSegments, segmentFingerprint } from './segment-fingerprint';

function fp(fields: Record<string, unknown>, sequence = 1): number {
  const pdu = new smpp.PDU('submit_sm', { source_addr: 'ACME', destination_addr: '447700900123', short_message: Buffer.from('Hello'), ...fields });
  pdu.sequence_number = sequence;
  const body = (pdu as unknown as { toBuffer(): Buffer }).toBuffer();
  const v = readSubmit(body);
  if (!v) throw new Error('readSubmit refused the PDU');
  return segmentFingerprint(body, v);
}

describe('segmentFingerprint', () => {
  it('is the same for the same segment, whatever the sequence number, validity or flags', () => {
    expect(fp({}, 1)).toBe(fp({ registered_delivery: 1, validity_period: '000001000000000R' }, 999));
  });

  it('differs by source, destination, text and UDH', () => {
    const base = fp({});
    expect(fp({ source_addr: 'ACMF' })).not.toBe(base);
    expect(fp({ destination_addr: '447700900124' })).not.toBe(base);
    expect(fp({ short_message: Buffer.from('Hellp') })).not.toBe(base);
    const part = (seq: number): Buffer => Buffer.concat([Buffer.from([5, 0, 3, 7, 2, seq]), Buffer.from('Hello')]);
    expect(fp({ esm_class: 0x40, short_message: part(1) })).not.toBe(fp({ esm_class: 0x40, short_message: part(2) }));
  });

  it('does not confuse where the address ends and the text begins', () => {
    expect(fp({ destination_addr: '4477', short_message: Buffer.from('12') })).not.toBe(fp({ destination_addr: '44771', short_message: Buffer.from('2') }));
  });
});

describe('SeenSegments', () => {
  it('reports repeats and forgets only beyond two generations', () => {
    const seen = new SeenSegments(2);
    expect([1, 2, 1].map((n) => seen.check(n))).toEqual([false, false, true]);
    seen.check(3); // generation rolls: {1,2} previous, {3} current
    expect(seen.check(1)).toBe(true);
    seen.check(4);
    seen.check(5); // {3,4} previous, {5} current
    expect(seen.check(2)).toBe(false);
  });
});

describe('SeenSegments at scale', () => {
  it('keeps every fingerprint of a generation as its table grows, then forgets the oldest generation', () => {
    const seen = new SeenSegments(100_000);
    const fps = Array.from({ length: 100_000 }, (_, i) => (i * 2654435761) % 2 ** 53);
    expect(fps.some((fp) => seen.check(fp))).toBe(false);
    expect(fps.every((fp) => seen.check(fp))).toBe(true);
    for (let i = 0; i < 200_001; i++) seen.check(2 ** 52 + i); // two more generations
    expect(seen.check(fps[0])).toBe(false);
  });
});
