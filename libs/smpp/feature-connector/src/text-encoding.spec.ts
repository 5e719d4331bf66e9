import { RawReceipt, SubmitEvent, SubmitOutcome, segmentEvent } from '@smsgw/shared/util-proto';
import { useNodeTextEncoding } from './index';

describe('useNodeTextEncoding', () => {
  it('round-trips events with non-ASCII text byte for byte like TextEncoder', () => {
    const report = segmentEvent({ messageId: 'm-1', to: '+447700900123' }, { outcome: SubmitOutcome.FAILED, reason: 'ça a échoué — 失败 🙈' });
    const receipt = RawReceipt.create({ carrierId: 'demo', shortMessage: 'id:1 stat:DELIVRD text:Привет' });
    const before = [SubmitEvent.encode(report).finish(), RawReceipt.encode(receipt).finish()];
    useNodeTextEncoding();
    const after = [SubmitEvent.encode(report).finish(), RawReceipt.encode(receipt).finish()];
    expect(Buffer.from(after[0])).toEqual(Buffer.from(before[0]));
    expect(Buffer.from(after[1])).toEqual(Buffer.from(before[1]));
    expect(SubmitEvent.decode(after[0])).toEqual(report);
    expect(RawReceipt.decode(after[1])).toEqual(receipt);
  });
});
