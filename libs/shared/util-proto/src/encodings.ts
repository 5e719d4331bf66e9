import { Encoding } from './generated/sms/v1/types';

/**
 * The encodings by the short names that the JSON API, webhooks, the CLI, route rules and the
 * encoder library (`@smsgw/gsm/util-encoding`) use; the one mapping to and from the wire enum.
 */
export const ENCODING_NAMES = ['gsm7', 'ucs2', 'latin1'] as const;
export type EncodingName = (typeof ENCODING_NAMES)[number];

const BY_NAME: Record<EncodingName, Encoding> = { gsm7: Encoding.GSM7, ucs2: Encoding.UCS2, latin1: Encoding.LATIN1 };
const NAMES: Partial<Record<Encoding, EncodingName>> = { [Encoding.GSM7]: 'gsm7', [Encoding.UCS2]: 'ucs2', [Encoding.LATIN1]: 'latin1' };

/** The wire enum of a short name; UNSPECIFIED for anything else. */
export function encodingOfName(name: string): Encoding {
  return BY_NAME[name as EncodingName] ?? Encoding.UNSPECIFIED;
}

/** The short name of the wire enum; "" for UNSPECIFIED (not encoded yet) or an unknown value. */
export function encodingName(encoding: Encoding): EncodingName | '' {
  return NAMES[encoding] ?? '';
}

export function isEncodingName(name: string): name is EncodingName {
  return (ENCODING_NAMES as readonly string[]).includes(name);
}
