/**
 * A small seeded PRNG (mulberry32) for test data, independent of libtorch's
 * generators, so expected values never come from the code under test.
 */
export class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  uniform(): number {
    this.#s = (this.#s + 0x6d2b79f5) >>> 0;
    let t = this.#s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.uniform();
    const v = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  /** Integer uniform in [lo, hi). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.uniform() * (hi - lo));
  }
  /** n standard-normal values as float64. */
  normals(n: number): Float64Array {
    return Float64Array.from({ length: n }, () => this.normal());
  }
  /** n values uniform in [lo, hi) as float64. */
  uniforms(n: number, lo = 0, hi = 1): Float64Array {
    return Float64Array.from({ length: n }, () => lo + (hi - lo) * this.uniform());
  }
  /** A random permutation of 0…n−1 (Fisher–Yates). */
  permutation(n: number): number[] {
    const p = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(0, i + 1);
      [p[i], p[j]] = [p[j] as number, p[i] as number];
    }
    return p;
  }
}
