/**
 * Independent seeds for every (epoch, batch) of a run, so that a batch's
 * views depend only on the run seed and the batch's position: the same in a
 * worker thread or inline, and the same after a resume.
 */

const MASK64 = (1n << 64n) - 1n;

/** SplitMix64's finalizer (Steele, Lea, Flood 2014): a bijective 64-bit mix. */
function mix64(z: bigint): bigint {
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

/**
 * A seed in [0, 2⁵³) derived from `seed` and a path of non-negative integers,
 * e.g. `deriveSeed(seed, 1, epoch, batch)`: each step mixes the running state
 * with the next number through SplitMix64, so nearby paths give unrelated seeds.
 */
export function deriveSeed(seed: number, ...path: number[]): number {
  for (const v of [seed, ...path]) {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`deriveSeed: expected non-negative integers, got ${v}`);
  }
  let state = mix64(BigInt(seed) + 0x9e3779b97f4a7c15n);
  for (const v of path) state = mix64((state + BigInt(v) + 0x9e3779b97f4a7c15n) & MASK64);
  return Number(state >> 11n);
}
