/** What routing knows about a destination number. */
export interface Destination {
  /** E.164 with "+". */
  e164: string;
  /** ISO 3166 alpha-2 ("GB"); "" when unknown. */
  country: string;
  /** Mobile network as "MCC-MNC" ("234-15"); "" when unknown. */
  network: string;
  /** The network's name ("Vodafone"), for people; "" when unknown. */
  networkName: string;
  /** libphonenumber-js getType() ("MOBILE"); "" when unknown. */
  numberType: string;
}

/**
 * The port routing asks for a destination's country and network. The offline default reads the
 * number's allocation (libphonenumber-js and a prefix table); an MNP/HLR lookup, which knows about
 * ported numbers, can take its place. Batched: one call per consumed fetch, never per message.
 */
export interface NumberLookup {
  lookup(e164s: readonly string[]): Promise<Destination[]>;
}

export type TrafficClass = 'otp' | 'transactional' | 'marketing';
export const TRAFFIC_CLASSES: readonly TrafficClass[] = ['otp', 'transactional', 'marketing'];

/**
 * The send API has no traffic class field; its priority says the same: HIGH (3) is for one-time
 * passwords, LOW (1) for bulk marketing, anything else is transactional.
 */
export function trafficClassOfPriority(priority: number): TrafficClass {
  return priority === 3 ? 'otp' : priority === 1 ? 'marketing' : 'transactional';
}
