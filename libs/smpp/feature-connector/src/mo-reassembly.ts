import type { DecodedSegment } from '@smsgw/gsm/util-encoding';
import { ConcatReassembly } from '@smsgw/smpp/domain';

export interface MoPart {
  decoded: DecodedSegment;
  raw: Uint8Array;
  dataCoding: number;
  from: string;
  to: string;
}

/**
 * Holds the parts of concatenated MO messages until all have arrived, then publishes them as one
 * message. Each part's promise resolves only once the whole message is stored, so the SMSC's
 * deliver_sm_resp for every part waits for Kafka: a crash makes the SMSC send the parts again.
 * After `timeoutMs` without completion what arrived is published as it is (nothing is dropped).
 */
export class MoReassembly extends ConcatReassembly<MoPart, void> {}
