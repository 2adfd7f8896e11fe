/**
 * Synthetic data for the theory lab: a mixture of r curved manifolds in ℝ^d,
 * the setting of HaoChen, Wei, Gaidon, Ma (2021, §4) where Gaussian
 * augmentation of data on well-separated manifolds gives an augmentation
 * graph whose clusters are the manifolds, and the augmentation itself,
 * x = x̄ + σ·ε.
 *
 * Manifold j is the image of an m-dimensional latent z under
 *
 *   φ_j(z) = c_j + Q_j · [ z ; κ·sin(B_j z + b_j) ]
 *
 * with c_j ∈ ℝ^d its centre, Q_j ∈ ℝ^{d×(m+p)} a random orthonormal frame,
 * B_j ∈ ℝ^{p×m} a random frequency matrix rescaled to spectral norm β
 * (`frequency`), b_j ∈ [0, 2π)^p random phases and κ ≥ 0 the curvature
 * amplitude. Because Q_j has orthonormal columns and sin is 1-Lipschitz,
 *
 *   ‖z − z′‖ ≤ ‖φ_j(z) − φ_j(z′)‖ ≤ √(1 + κ²β²)·‖z − z′‖,
 *
 * so φ_j is a smooth bi-Lipschitz embedding (a genuine m-manifold, never
 * self-intersecting) with Lipschitz constant L = √(1 + κ²β²), and every point
 * satisfies ‖φ_j(z) − c_j‖² = ‖z‖² + κ²‖sin(B_j z + b_j)‖² ≤ ‖z‖² + pκ².
 */
import {
  checked,
  fail,
  follows,
  intIn,
  nonNegative,
  numberIn,
  type OptionsOf,
  option,
  positive,
  positiveInt,
  refine,
  required,
  resolveOptions,
  type Schema,
  type SettingsOf,
  seed as seedCheck,
} from '../options/index.ts';
import { Generator, linalg, rand, randn, stack, type Tensor, tensor, tidy } from '../tensor/index.ts';
import { checkDenseMemory, FLOAT64_BYTES, type MemoryEstimate } from './memory.ts';

/**
 * The largest σ, curvature and separation the theory checks take. Squared
 * distances, σ² and their ratio are float64: past 1e100 they overflow (1e308
 * squared is Infinity), long before that the points stop meaning anything.
 */
export const SCALE_MAX = 1e100;

/** σ of a Gaussian augmentation: (0, 1e100] (see SCALE_MAX). */
export const augmentationSigma = refine(
  numberIn(0, SCALE_MAX, 'lower'),
  'a number in (0, 1e100] (σ² and squared distances over σ² are float64)',
  () => true,
);

/** A length-like mixture parameter (curvature, separation): [0, 1e100] (see SCALE_MAX). */
export const mixtureScale = refine(
  numberIn(0, SCALE_MAX),
  "a number in [0, 1e100] (it scales the points' coordinates, which are float64)",
  () => true,
);

/**
 * The memory that grows with the ambient dimension d in a check on a mixture
 * of r manifolds of dimension m with `points` points in ℝ^d (natural points,
 * vertices and their copies together): the points themselves, 4 float64
 * copies each (the sample, the augmentation, the centred copies), and each
 * manifold's frame and centre, d×(m + p) + d with p ≤ 2m: 8·d·(4·points + r·(3m + 1)) bytes.
 */
export function mixturePointsMemory(points: number, manifolds: number, intrinsicDim: number): MemoryEstimate {
  return {
    bytes: (d) => FLOAT64_BYTES * d * (4 * points + manifolds * (3 * intrinsicDim + 1)),
    formula: `8·d·(4·${points} points + ${manifolds} manifolds × (3·${intrinsicDim} + 1)) bytes`,
  };
}

/**
 * Refuses an ambient dimension d whose points alone (mixturePointsMemory)
 * exceed the memory limit — unless even d = 2 would, when the number of points
 * is to blame and the check's own vertex guard says so.
 */
export function checkAmbientDim(
  owner: string,
  d: number,
  o: { points: number; manifolds: number; intrinsicDim: number; limit?: number },
): void {
  checkDenseMemory({
    owner,
    key: 'ambientDim',
    n: d,
    estimate: mixturePointsMemory(o.points, o.manifolds, o.intrinsicDim),
    limit: o.limit,
    smallest: 2,
    alternative: 'fewer vertices',
  });
}

/**
 * The options of `manifoldMixture`, declared once (src/options): check,
 * default and what each does. `manifolds` and `ambientDim` have no default.
 */
export const MANIFOLD_MIXTURE_OPTIONS = {
  manifolds: option(positiveInt, required<number>(), 'r, the number of manifolds (= classes)'),
  ambientDim: option(
    positiveInt,
    required<number>(),
    'd, the dimension of the space the manifolds live in; needs d ≥ m + p',
  ),
  intrinsicDim: option(positiveInt, 1, 'm, the dimension of each manifold (1: curves)'),
  curvature: option(mixtureScale, 1, 'κ, how strongly each manifold bends (0: flat Gaussian m-planes)'),
  frequency: option(positive, 1, 'β, how fast the bending oscillates (the spectral norm of each frequency matrix B_j)'),
  curvatureDims: option(
    positiveInt,
    follows('min(d − m, 2m)', (o) =>
      Math.max(1, Math.min(o.get('ambientDim') - o.get('intrinsicDim'), 2 * o.get('intrinsicDim'))),
    ),
    'p, the number of directions each manifold bends into',
  ),
  separation: option(
    mixtureScale,
    3,
    'distance between manifold centres in units of the spread ρ: every pair exactly that far apart when r ≤ d (a regular simplex), the closest pair when r > d',
  ),
  subclusters: option(
    positiveInt,
    1,
    'sub-clusters per manifold: the latent z is drawn from a mixture of that many unit Gaussians',
  ),
  subclusterDistance: option(
    nonNegative,
    4,
    'latent distance between consecutive sub-cluster means (they sit on a line)',
  ),
  seed: option(seedCheck, 0, 'seeds the manifolds’ shapes (frames, frequencies, phases, centres)'),
} satisfies Schema;

/** What `manifoldMixture` takes: r and d, the rest optional (see MANIFOLD_MIXTURE_OPTIONS). */
export type ManifoldMixtureOptions = OptionsOf<typeof MANIFOLD_MIXTURE_OPTIONS> & {
  manifolds: number;
  ambientDim: number;
};

export interface ManifoldSample {
  /** n×d float64 points x̄. */
  x: Tensor;
  /** Manifold of each point (row i lies on manifold i mod r). */
  manifold: Int32Array;
  /** Sub-cluster of each point within its manifold (⌊i/r⌋ mod S). */
  subcluster: Int32Array;
  /** Class label per point = its manifold. */
  labels: Int32Array;
  /** n×m float64 latent points z with x_i = φ_{manifold_i}(z_i). */
  latent: Tensor;
}

/** The random parameters of the mixture, host-side and row-major. */
export interface ManifoldParameters {
  /** r×d centres c_j. */
  centres: Float64Array;
  /** Per manifold, the d×(m+p) orthonormal frame Q_j. */
  frames: Float64Array[];
  /** Per manifold, the p×m frequency matrix B_j (spectral norm β). */
  frequencies: Float64Array[];
  /** Per manifold, the p phases b_j. */
  phases: Float64Array[];
  /** Per manifold, the S×m latent sub-cluster means μ_{j,s} = δ·(s − (S−1)/2)·u_j, ‖u_j‖ = 1. */
  subclusterMeans: Float64Array[];
}

export interface ManifoldMixture {
  /** The options as used, every default filled in. */
  options: SettingsOf<typeof MANIFOLD_MIXTURE_OPTIONS>;
  /**
   * n natural points, balanced: row i on manifold i mod r, in sub-cluster
   * ⌊i/r⌋ mod S, with z = μ_{j,s} + ε, ε ∼ N(0, I_m). Deterministic in
   * (mixture seed, `seed`). The caller disposes `x` and `latent`.
   */
  sample(n: number, seed?: number): ManifoldSample;
  /** φ_j applied to the rows of a k×m latent tensor: k×d float64. */
  map(z: Tensor, manifold: number): Tensor;
  /** L = √(1 + κ²β²), a bound on the Lipschitz constant of every φ_j (see the module comment). */
  lipschitz: number;
  /**
   * ρ = √(m + δ²(S²−1)/12 + pκ²): E‖z‖² + pκ² bounds the mean squared
   * distance of a manifold's points to its centre, so ρ is the manifold's radius scale.
   */
  spread: number;
  parameters: ManifoldParameters;
}

/** A 31-bit seed from a base seed and a stream tag (FNV-style mixing), so streams never overlap by accident. */
export function deriveSeed(seed: number, ...tags: number[]): number {
  let h = 0x811c9dc5 ^ (seed % 0x100000000);
  h = Math.imul(h ^ Math.floor(seed / 0x100000000), 0x01000193);
  for (const t of tags) {
    h = Math.imul(h ^ (t >>> 0), 0x01000193);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
  }
  return (h >>> 0) & 0x7fffffff;
}

function validate(o: ManifoldMixtureOptions): SettingsOf<typeof MANIFOLD_MIXTURE_OPTIONS> {
  const fn = 'manifoldMixture';
  const s = resolveOptions(MANIFOLD_MIXTURE_OPTIONS, o, fn);
  const { ambientDim: d, intrinsicDim: m, curvatureDims: p } = s;
  if (d < m + 1) fail(fn, 'ambientDim', `an integer ≥ intrinsicDim + 1 = ${m + 1}`, d);
  if (d < m + p) fail(fn, 'ambientDim', `an integer ≥ intrinsicDim + curvatureDims = ${m} + ${p}`, d);
  return s;
}

/** Random orthonormal d×q frame (QR of a Gaussian matrix, signs fixed by diag R > 0). */
function randomFrame(d: number, q: number, g: Generator): Float64Array {
  return tidy(() => {
    const { Q, R } = linalg.qr(randn([d, q], { dtype: 'float64', generator: g }));
    return Q.mul(R.diagonal().sign().reshape(1, q)).data() as Float64Array;
  });
}

/** p×m Gaussian matrix rescaled to spectral norm β. */
function frequencyMatrix(p: number, m: number, beta: number, g: Generator): Float64Array {
  return tidy(() => {
    const b = randn([p, m], { dtype: 'float64', generator: g });
    const top = linalg.svd(b).S.max().item();
    return b.mul(beta / top).data() as Float64Array;
  });
}

/**
 * Centres at pairwise distance `dist`: √(dist²/2)·(orthonormal rows) when
 * r ≤ d; otherwise Gaussian directions scaled so the closest pair is `dist` apart.
 */
function centres(r: number, d: number, dist: number, g: Generator): Float64Array {
  if (r === 1) return new Float64Array(d);
  if (r <= d) {
    const f = randomFrame(d, r, g); // d×r, columns orthonormal
    const out = new Float64Array(r * d);
    const s = dist / Math.SQRT2;
    for (let j = 0; j < r; j++) for (let l = 0; l < d; l++) out[j * d + l] = s * (f[l * r + j] as number);
    return out;
  }
  const c = tidy(() => randn([r, d], { dtype: 'float64', generator: g }).data() as Float64Array);
  let closest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < r; i++) {
    for (let j = i + 1; j < r; j++) {
      let s = 0;
      for (let l = 0; l < d; l++) s += ((c[i * d + l] as number) - (c[j * d + l] as number)) ** 2;
      closest = Math.min(closest, Math.sqrt(s));
    }
  }
  for (let i = 0; i < c.length; i++) c[i] = (c[i] as number) * (dist / closest);
  return c;
}

/**
 * A mixture of r smooth manifolds in ℝ^d, each the image of an m-dimensional
 * Gaussian (or Gaussian mixture, with sub-clusters) under
 * φ_j(z) = c_j + Q_j·[z ; κ·sin(B_j z + b_j)] — see the module comment for
 * the map, its Lipschitz bound √(1 + κ²β²) and its distance to the centre.
 * All parameters are drawn from `seed`; the centres last and from their own
 * stream, so changing `separation` moves the manifolds without reshaping them.
 */
export function manifoldMixture(o: ManifoldMixtureOptions): ManifoldMixture {
  const opts = validate(o);
  const { manifolds: r, ambientDim: d, intrinsicDim: m, curvatureDims: p, subclusters: S } = opts;
  const kappa = opts.curvature;
  const delta = opts.subclusterDistance;
  const frames: Float64Array[] = [];
  const frequencies: Float64Array[] = [];
  const phases: Float64Array[] = [];
  const subclusterMeans: Float64Array[] = [];
  for (let j = 0; j < r; j++) {
    const g = new Generator(deriveSeed(opts.seed, 1, j));
    frames.push(randomFrame(d, m + p, g));
    frequencies.push(frequencyMatrix(p, m, opts.frequency, g));
    phases.push(
      tidy(
        () =>
          rand([p], { dtype: 'float64', generator: g })
            .mul(2 * Math.PI)
            .data() as Float64Array,
      ),
    );
    const u = tidy(() => randn([m], { dtype: 'float64', generator: g }).data() as Float64Array);
    const un = Math.hypot(...u) || 1;
    const mu = new Float64Array(S * m);
    for (let s = 0; s < S; s++)
      for (let l = 0; l < m; l++) mu[s * m + l] = (delta * (s - (S - 1) / 2) * (u[l] as number)) / un;
    subclusterMeans.push(mu);
  }
  const spread = Math.sqrt(m + (delta * delta * (S * S - 1)) / 12 + p * kappa * kappa);
  const centre = centres(r, d, opts.separation * spread, new Generator(deriveSeed(opts.seed, 2)));
  const lipschitz = Math.sqrt(1 + kappa * kappa * opts.frequency * opts.frequency);

  const mapRows = (z: Tensor, j: number): Tensor =>
    tidy(() => {
      const B = tensor(frequencies[j] as Float64Array, [p, m]);
      const b = tensor(phases[j] as Float64Array, [1, p]);
      const bent = z.mm(B.t()).add(b).sin().mul(kappa);
      const Q = tensor(frames[j] as Float64Array, [d, m + p]);
      const c = tensor(centre.subarray(j * d, (j + 1) * d), [1, d]);
      // [z, bent]·Qᵀ = z·Q[:, :m]ᵀ + bent·Q[:, m:]ᵀ, without concatenating.
      return z
        .mm(Q.narrow(1, 0, m).t())
        .add(bent.mm(Q.narrow(1, m, p).t()))
        .add(c);
    });

  return {
    options: opts,
    lipschitz,
    spread,
    parameters: { centres: centre, frames, frequencies, phases, subclusterMeans },
    map(z: Tensor, manifold: number): Tensor {
      checked('manifoldMixture.map', 'manifold', intIn(0, r - 1), manifold);
      if (z.ndim !== 2 || z.shape[1] !== m) {
        throw new Error(`manifoldMixture.map: z must be k×${m}, got [${z.shape}]`);
      }
      return tidy(() => mapRows(z.double(), manifold));
    },
    sample(n: number, seed = 0): ManifoldSample {
      checked('manifoldMixture.sample', 'n', positiveInt, n);
      checked('manifoldMixture.sample', 'seed', seedCheck, seed);
      const q = Math.ceil(n / r); // points per manifold, before trimming to n
      const manifold = new Int32Array(n);
      const subcluster = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        manifold[i] = i % r;
        subcluster[i] = Math.floor(i / r) % S;
      }
      const { x, latent } = tidy(() => {
        const g = new Generator(deriveSeed(opts.seed, 3, seed));
        const eps = randn([q, r, m], { dtype: 'float64', generator: g });
        // Sub-cluster mean of block row t is μ_{j, t mod S}: tile the S means over q rows.
        const zs: Tensor[] = [];
        const xs: Tensor[] = [];
        for (let j = 0; j < r; j++) {
          const mu = tensor(subclusterMeans[j] as Float64Array, [S, m])
            .repeat(Math.ceil(q / S), 1)
            .narrow(0, 0, q);
          const z = eps.select(1, j).add(mu);
          zs.push(z);
          xs.push(mapRows(z, j));
        }
        return {
          x: stack(xs, 1)
            .reshape(q * r, d)
            .narrow(0, 0, n)
            .contiguous(),
          latent: stack(zs, 1)
            .reshape(q * r, m)
            .narrow(0, 0, n)
            .contiguous(),
        };
      });
      return { x, latent, manifold, subcluster, labels: manifold.slice() };
    },
  };
}

/**
 * The theory's augmentation A(·|x̄) = N(x̄, σ²I): `copies` noisy copies of
 * each row, x = x̄ + σ·ε with ε ∼ N(0, I_d). Row i·copies + c is copy c of
 * row i (`source[i·copies + c] = i`). float64 out; deterministic in `seed`.
 */
export function gaussianAugment(x: Tensor, sigma: number, copies: number, seed = 0): { x: Tensor; source: Int32Array } {
  if (x.ndim !== 2) throw new Error(`gaussianAugment: x must be n×d, got [${x.shape}]`);
  checked('gaussianAugment', 'sigma', nonNegative, sigma);
  checked('gaussianAugment', 'copies', positiveInt, copies);
  checked('gaussianAugment', 'seed', seedCheck, seed);
  const [n, d] = x.shape as [number, number];
  const source = new Int32Array(n * copies);
  for (let i = 0; i < n; i++) source.fill(i, i * copies, (i + 1) * copies);
  const out = tidy(() => {
    const base = x
      .double()
      .unsqueeze(1)
      .expand(n, copies, d)
      .reshape(n * copies, d);
    const eps = randn([n * copies, d], { dtype: 'float64', generator: new Generator(seed) });
    return base.add(eps.mul(sigma));
  });
  return { x: out, source };
}
