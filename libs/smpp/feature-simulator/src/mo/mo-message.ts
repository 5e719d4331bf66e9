// MO (mobile-originated) text as a handset's SMSC would deliver it: GSM 7-bit (unpacked septets,
// data_coding 0) when every character is in the GSM 03.38 default alphabet or its extension table,
// UCS-2 (data_coding 8) otherwise; long text split into parts with an 8-bit-reference
// concatenation UDH (05 00 03 ref total seq), esm_class UDHI. The gateway's own encoder
// (@smsgw/gsm/util-encoding, without smart replacement or national tables) does exactly this.
import { encode } from '@smsgw/gsm/util-encoding';
import { EsmClass } from '@smsgw/smpp/util-wire';

export const DATA_CODING_GSM = 0x00;
export const DATA_CODING_UCS2 = 0x08;
export const ESM_CLASS_UDHI = EsmClass.UDHI;

export interface MoMessage {
  dataCoding: number;
  esmClass: number;
  /** short_message of each part, UDH included when there is more than one part. */
  parts: Buffer[];
}

/** `reference` is the concatenation reference (0–255) the caller rotates per message. Throws above 255 parts. */
export function buildMoMessage(text: string, reference: number): MoMessage {
  const encoded = encode(text, { concatenation: 'udh8', reference: reference & 0xff });
  const parts = encoded.segments.map((s) => Buffer.from(s.bytes));
  return { dataCoding: encoded.dataCoding, esmClass: encoded.segments.length > 1 ? ESM_CLASS_UDHI : 0, parts };
}
