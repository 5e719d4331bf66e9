// Sticky senders: a handset keeps getting the same sender number from its account's pool.

/**
 * The pool number a handset is sent from: the one it has while that is still in the pool, else
 * one picked by a hash of the handset (handsets spread evenly over the pool; the same handset
 * gets the same number again as long as the pool is unchanged). Undefined: the pool is empty.
 */
export function stickySender(pool: readonly string[], msisdn: string, current?: string): string | undefined {
  if (pool.length === 0) return undefined;
  if (current !== undefined && pool.includes(current)) return current;
  return pool[fnv1a(msisdn) % pool.length];
}

/** An inbound number (digits) as a message's sender: E.164 for full numbers, bare for short codes. */
export const senderOfPoolNumber = (digits: string): string => (digits.length >= 7 ? `+${digits}` : digits);

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
