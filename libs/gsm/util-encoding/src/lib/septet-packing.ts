const CR = 0x0d;

/**
 * Packs septets 7 bits each, least significant bit first (3GPP TS 23.038 6.1.2.1.1).
 * `fillBits` (0–6) are zero bits left in front, as after a UDH. When the last octet would
 * hold 7 spare bits a CR goes there, so a receiver without the septet count does not read '@'.
 */
export function packSeptets(septets: ArrayLike<number>, fillBits = 0): Uint8Array {
  const bits = fillBits + septets.length * 7;
  const out = new Uint8Array((bits + 7) >> 3);
  packInto(septets, 0, septets.length, out, 0, fillBits);
  return out;
}

/** Packs septets[from, to) into out starting at octet `offset`, after `fillBits` zero bits. */
export function packInto(
  septets: ArrayLike<number>,
  from: number,
  to: number,
  out: Uint8Array,
  offset: number,
  fillBits: number,
): void {
  if (to <= from) return;
  let bit = fillBits;
  for (let i = from; i < to; i++) {
    const s = septets[i] & 0x7f;
    const at = offset + (bit >> 3);
    const shift = bit & 7;
    out[at] |= s << shift;
    if (shift > 1) out[at + 1] |= s >> (8 - shift);
    bit += 7;
  }
  // A 7-bit tail of padding becomes CR (see packSeptets).
  const used = fillBits + (to - from) * 7;
  if (((used + 7) & ~7) - used === 7) out[offset + (used >> 3)] |= CR << 1;
}

/**
 * Unpacks septets from `bytes`, after `fillBits` leading bits. Without `count`, takes as many as
 * fit and drops a final CR that sits in what would be 7 spare bits (the padding above).
 */
export function unpackSeptets(bytes: Uint8Array, fillBits = 0, count?: number): Uint8Array {
  const available = bytes.length * 8 - fillBits;
  let n = count ?? Math.max(0, Math.floor(available / 7));
  if (count === undefined && n > 0 && available % 7 === 0) {
    if (septetAt(bytes, fillBits + (n - 1) * 7) === CR) n--;
  }
  n = Math.min(n, Math.max(0, Math.floor(available / 7)));
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = septetAt(bytes, fillBits + i * 7);
  return out;
}

function septetAt(bytes: Uint8Array, bit: number): number {
  const at = bit >> 3;
  const shift = bit & 7;
  let v = bytes[at] >> shift;
  if (shift > 1 && at + 1 < bytes.length) v |= bytes[at + 1] << (8 - shift);
  return v & 0x7f;
}

/** Fill bits after a UDH of `udhLength` octets so the first septet starts on a septet boundary. */
export function fillBitsAfter(udhLength: number): number {
  return (7 - ((udhLength * 8) % 7)) % 7;
}
