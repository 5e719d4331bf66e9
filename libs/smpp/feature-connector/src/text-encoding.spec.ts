import { RawReceipt, SubmitReport } from '@smsgw/shared/util-proto';
import { useNodeTextEncoding } from './index';

describe('useNodeTextEncoding', () => {
  it('round-trips events with non-ASCII text byte for byte like TextEncoder', () => {
    const report = SubmitReport.create({ messageId: 'm-1', reason: 'ça a échoué — 失败 🙈', to: '+447700900123' });
    const receipt = RawReceipt.create({ carrierId: 'demo', shortMessage: 'id:1 stat:DELIVRD text:Привет' });
    const before = [SubmitReport.encode(report).finish(), RawReceipt.encode(receipt).finish()];
    useNodeTextEncoding();
    const after = [SubmitReport.encode(report).finish(), RawReceipt.encode(receipt).finish()];
    expect(Buffer.from(after[0])).toEqual(Buffer.from(before[0]));
    expect(Buffer.from(after[1])).toEqual(Buffer.from(before[1]));
    expect(SubmitReport.decode(after[0])).toEqual(report);
    expect(RawReceipt.decode(after[1])).toEqual(receipt);
  });
});
