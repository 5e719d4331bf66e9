/** A source of numbers in [0, 1). Injected wherever the simulator picks at random, so tests can fix it. */
export type RandomSource = () => number;

/** mulberry32: small, fast, seedable; good enough for picking outcomes and delays. */
export function seededRandom(seed: number): RandomSource {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
