/**
 * The statistics an experiment reports over seeds: the mean, the sample
 * standard deviation and the 95 % confidence interval of the mean from
 * Student's t distribution, and the paired difference of two conditions
 * measured on the same seeds.
 */

/** A summary of n measurements x₁…xₙ. */
export interface Spread {
  n: number;
  mean: number;
  /** Sample standard deviation √(Σ(xᵢ − x̄)²/(n − 1)); 0 for n = 1. */
  sd: number;
  /**
   * The 95 % interval of the mean, x̄ ± t₀.₉₇₅,ₙ₋₁·sd/√n; for n = 1 it is
   * [x̄, x̄] and `halfWidth` is NaN (no spread can be estimated from one seed).
   */
  low: number;
  high: number;
  halfWidth: number;
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms: about 15 significant digits). */
function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0] as number;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += (c[i] as number) / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** The continued fraction of the regularized incomplete beta function (modified Lentz). */
function betaFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  // The fraction converges fast for x < (a + 1)/(a + b + 2); use the symmetry I_x(a,b) = 1 − I_{1−x}(b,a) otherwise.
  return x < (a + 1) / (a + b + 2) ? (front * betaFraction(a, b, x)) / a : 1 - (front * betaFraction(b, a, 1 - x)) / b;
}

/** P(T ≤ t) for Student's t with ν degrees of freedom: 1 − ½·I_{ν/(ν+t²)}(ν/2, ½) for t ≥ 0. */
export function studentTCdf(t: number, nu: number): number {
  const tail = 0.5 * incompleteBeta(nu / (nu + t * t), nu / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The quantile t_{p,ν} (P(T ≤ t) = p) of Student's t, by bisection on the CDF (to 1e-12). */
export function studentTQuantile(p: number, nu: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`studentTQuantile: p must be in (0, 1), got ${p}`);
  if (!(nu > 0)) throw new Error(`studentTQuantile: degrees of freedom must be > 0, got ${nu}`);
  if (p < 0.5) return -studentTQuantile(1 - p, nu);
  let lo = 0;
  let hi = 1;
  while (studentTCdf(hi, nu) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, hi); i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, nu) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Mean, sample sd and the 95 % t-interval of the mean of `xs` (at least one finite value). */
export function spread(xs: readonly number[]): Spread {
  if (xs.length === 0) throw new Error('spread: no measurements');
  for (const [i, x] of xs.entries())
    if (!Number.isFinite(x)) throw new Error(`spread: measurement ${i} is not a finite number (${x})`);
  const n = xs.length;
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  if (n === 1) return { n, mean, sd: 0, low: mean, high: mean, halfWidth: Number.NaN };
  const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
  const halfWidth = (studentTQuantile(0.975, n - 1) * sd) / Math.sqrt(n);
  return { n, mean, sd, low: mean - halfWidth, high: mean + halfWidth, halfWidth };
}

/**
 * The paired difference a − b of two conditions measured on the same seeds
 * (`a[s]` and `b[s]` from seed s): the spread of the per-seed differences,
 * which is tighter than comparing two independent intervals when seeds share
 * their noise (the same data order, the same initialization).
 */
export function pairedDifference(
  a: ReadonlyMap<number, number>,
  b: ReadonlyMap<number, number>,
): Spread & { seeds: number[] } {
  const seeds = [...a.keys()].filter((s) => b.has(s)).sort((x, y) => x - y);
  if (seeds.length === 0) throw new Error('pairedDifference: the two conditions share no seed');
  return { ...spread(seeds.map((s) => (a.get(s) as number) - (b.get(s) as number))), seeds };
}

/** Ranks 1…n of `xs`, ties given the mean of the ranks they span. */
export function ranks(xs: readonly number[]): number[] {
  const order = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(xs.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (
      j + 1 < order.length &&
      (order[j + 1] as readonly [number, number])[0] === (order[i] as readonly [number, number])[0]
    )
      j++;
    for (let k = i; k <= j; k++) out[(order[k] as readonly [number, number])[1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}

/**
 * Spearman's rank correlation ρ_s of paired measurements (the Pearson
 * correlation of their ranks, ties at mean ranks) and its 95 % interval from
 * Fisher's z = atanh ρ_s with the standard error 1.03/√(n − 3) of Fieller,
 * Hartley and Pearson (Biometrika 1957): tanh(z ± 1.96·se). Needs n ≥ 4
 * pairs for the interval (null below); ρ_s is NaN when either variable is
 * constant.
 */
export function spearman(
  x: readonly number[],
  y: readonly number[],
): { n: number; rho: number; low: number | null; high: number | null } {
  if (x.length !== y.length) throw new Error(`spearman: ${x.length} x values for ${y.length} y values`);
  const n = x.length;
  if (n < 2) throw new Error(`spearman: needs at least 2 pairs, got ${n}`);
  for (const [i, v] of [...x, ...y].entries())
    if (!Number.isFinite(v)) throw new Error(`spearman: value ${i} is not a finite number (${v})`);
  const rx = ranks(x);
  const ry = ranks(y);
  const m = (n + 1) / 2;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const a = (rx[i] as number) - m;
    const b = (ry[i] as number) - m;
    sxy += a * b;
    sxx += a * a;
    syy += b * b;
  }
  const rho = sxy / Math.sqrt(sxx * syy);
  if (n < 4 || !Number.isFinite(rho)) return { n, rho, low: null, high: null };
  const z = Math.atanh(rho);
  const half = (1.959963984540054 * 1.03) / Math.sqrt(n - 3);
  return { n, rho, low: Math.tanh(z - half), high: Math.tanh(z + half) };
}

/**
 * "0.81 ± 0.30" style: the mean and its 95 % half-width, in `scale` units
 * (100 for percentages) with `digits` decimals; one measurement shows just
 * the value with "(1 seed)".
 */
export function formatSpread(s: Spread, o: { scale?: number; digits?: number; unit?: string } = {}): string {
  const k = o.scale ?? 1;
  const d = o.digits ?? 2;
  const u = o.unit ?? '';
  if (s.n === 1) return `${(s.mean * k).toFixed(d)}${u} (1 seed)`;
  return `${(s.mean * k).toFixed(d)} ± ${(s.halfWidth * k).toFixed(d)}${u}`;
}
