/**
 * Theorem 4 of the talk, checked numerically: how the strength σ of the
 * Gaussian augmentation shapes the augmentation graph of a mixture of r
 * manifolds (HaoChen, Wei, Gaidon, Ma 2021, §4).
 *
 * - σ too small: augmentations of different natural points never overlap, so
 *   each manifold falls apart into many pieces — the Cheeger constant inside a
 *   manifold is ≈ 0 and Ā ≈ I has many eigenvalues ≈ 1 (no gap at r).
 * - σ medium: each manifold is internally well connected (conductance inside
 *   bounded below) while augmentations of different manifolds still never
 *   meet (conductance across ≈ 0): r eigenvalues ≈ 1, then a large gap
 *   λ_r − λ_{r+1}.
 * - σ too large: augmentations of different manifolds overlap, the manifolds
 *   merge (conductance across grows) and the gap at r closes.
 *
 * Conductance (Dirichlet, as the paper): φ(S) = w(S, V∖S)/w(S), w(S) = Σ_{x∈S} w_x.
 * The graph is the exact augmentation graph ({@link augmentationGraph}) on a
 * finite vertex set: natural points x̄₁…x̄ₙ drawn from the mixture (P uniform
 * over them) and one augmentation x_i = x̄_i + σ·ε_i of each as vertex i. The
 * same ε (same seed) is used for every σ, so the curves vary smoothly in σ.
 */
import {
  checked,
  fail,
  follows,
  intAtLeast,
  intIn,
  listOf,
  nullable,
  type OptionsOf,
  option,
  optionsPart,
  positive,
  positiveInt,
  refine,
  resolveOptions,
  type Schema,
  type SettingsOf,
  seed as seedCheck,
} from '../../options/index.ts';
import { type Tensor, tidy } from '../../tensor/index.ts';
import { augmentationGraph } from '../../theory/augmentation-graph.ts';
import { cheegerEstimate, conductance } from '../../theory/conductance.ts';
import { eigengap, topEigenpairs } from '../../theory/eigs.ts';
import { knnSearch } from '../../theory/knn.ts';
import {
  augmentationSigma,
  checkAmbientDim,
  gaussianAugment,
  MANIFOLD_MIXTURE_OPTIONS,
  manifoldMixture,
  mixtureScale,
} from '../../theory/manifolds.ts';
import {
  CHUNK_BUFFERS,
  checkDenseMemory,
  denseMatrices,
  FLOAT64_BYTES,
  type MemoryEstimate,
  memoryLimitOf,
} from '../../theory/memory.ts';

/** Most vertices of the check: the exact augmentation graph is dense. */
export const CONNECTIVITY_MAX_VERTICES = 4000;

/**
 * The options of `specl theory connectivity`, declared once: the CLI's
 * flags, its `--help` and docs/theory.md come from here.
 */
export const CONNECTIVITY_OPTIONS = {
  manifolds: option(
    refine(intAtLeast(2), 'an integer ≥ 2 (conductance across manifolds needs two)', () => true),
    3,
    'r, the number of manifolds (curves) in the mixture',
  ),
  ambientDim: option(intAtLeast(2), 3, 'd, the dimension of the space the manifolds live in'),
  intrinsicDim: MANIFOLD_MIXTURE_OPTIONS.intrinsicDim,
  curvature: MANIFOLD_MIXTURE_OPTIONS.curvature,
  separation: option(mixtureScale, 6, 'distance between manifold centres in units of their spread (6: well apart)'),
  vertices: option(
    intIn(2, CONNECTIVITY_MAX_VERTICES),
    600,
    'N, the natural points, balanced over the manifolds, one augmentation of each a vertex (at least 2r)',
  ),
  sigmas: option(
    nullable(listOf(augmentationSigma, { noun: 'numbers in (0, 1e100]' })),
    follows(
      '15 values log-spaced from the median nearest-neighbour distance of the points to their diameter',
      () => null,
    ),
    'the augmentation strengths σ to sweep (comma-separated); the default grid spans the three regimes',
  ),
  eigenvalues: option(
    positiveInt,
    follows('max(2r + 2, 10)', (o) => Math.max(2 * o.get('manifolds') + 2, 10)),
    'eigenvalues of Ā reported per σ (at most N, at least r + 1)',
  ),
  seed: option(seedCheck, 0, 'seeds the mixture, the natural points and the augmentation noise'),
} satisfies Schema;

export type ConnectivityOptions = OptionsOf<typeof CONNECTIVITY_OPTIONS> & {
  /** Bytes the check may plan to use (default: 80 % of the machine's memory, see theory/memory.ts). */
  memoryLimit?: number;
};
export type ConnectivitySettings = SettingsOf<typeof CONNECTIVITY_OPTIONS>;

export interface ConnectivityRow {
  sigma: number;
  /** φ(S_c) of each manifold's vertex set S_c. */
  across: number[];
  /** max_c φ(S_c): the worst leak between manifolds. */
  acrossConductance: number;
  /** Sweep-cut (Cheeger) conductance inside each manifold: the best cut of its induced subgraph found from its Fiedler vector. */
  inside: number[];
  /** min over manifolds of `inside`: the weakest-connected manifold. */
  insideConductance: number;
  /** λ₂ of each manifold's induced subgraph (1 − λ₂ ≈ 0: internally disconnected). */
  insideLambda2: number[];
  /** λ_r − λ_{r+1} of Ā. */
  eigengap: number;
  /** λ_r and λ_{r+1}. */
  lambdaR: number;
  lambdaNext: number;
  /** Top eigenvalues of Ā, descending. */
  eigenvalues: number[];
}

export interface ConnectivityResult {
  /** The options as run: `CONNECTIVITY_OPTIONS` resolved, every default filled in. */
  settings: ConnectivitySettings;
  manifolds: number;
  ambientDim: number;
  vertices: number;
  separation: number;
  /** Median nearest-neighbour distance and diameter of the natural points (the scales the default σ grid spans). */
  spacing: number;
  diameter: number;
  rows: ConnectivityRow[];
  /** The σ with the largest eigengap at r. */
  bestSigma: number;
  seed: number;
  seconds: number;
}

/**
 * The connectivity measures of one augmentation strength σ on the natural
 * points `natural` (N×d) with manifold labels `manifold`: vertices
 * x_i = x̄_i + σ·ε_i (`gaussianAugment(natural, σ, 1, seed)`), the exact
 * augmentation graph on them, conductance across and inside each manifold
 * and the top `eigenvalues` eigenvalues of Ā.
 */
export function connectivityAt(o: {
  natural: Tensor;
  manifold: Int32Array;
  sigma: number;
  manifolds: number;
  eigenvalues: number;
  seed?: number;
}): ConnectivityRow {
  const { natural, manifold, sigma, manifolds: r } = o;
  const n = natural.shape[0] as number;
  if (manifold.length !== n) throw new Error(`connectivityAt: manifold has ${manifold.length} labels for ${n} points`);
  checked('connectivityAt', 'sigma', positive, sigma);
  const members = Array.from({ length: r }, (): number[] => []);
  const index = intIn(0, r - 1);
  manifold.forEach((c, i) => {
    members[checked('connectivityAt', `manifold[${i}]`, index, c)]?.push(i);
  });
  const K = Math.min(o.eigenvalues, n);
  if (K < r + 1) fail('connectivityAt', 'eigenvalues', `at least r + 1 = ${r + 1} (and N ≥ r + 1)`, K);
  return tidy(() => {
    const { x } = gaussianAugment(natural, sigma, 1, o.seed ?? 0);
    const ag = augmentationGraph({ natural, vertices: x, sigma });
    ag.logWeights.dispose(); // not needed here: one N×N matrix less at the peak
    const e = topEigenpairs(ag.normalizedAdjacency, K, { method: 'dense' });
    ag.normalizedAdjacency.dispose();
    const eigenvalues = Array.from(e.values);
    const sets = members.map((s) => Int32Array.from(s));
    const across = sets.map((s) => conductance(ag.graph, s));
    const cheeger = sets.map((s) => cheegerEstimate(ag.graph, s));
    const inside = cheeger.map((c) => c.conductance);
    return {
      sigma,
      across,
      acrossConductance: Math.max(...across),
      inside,
      insideConductance: Math.min(...inside),
      insideLambda2: cheeger.map((c) => c.lambda2),
      eigengap: eigengap(eigenvalues, r),
      lambdaR: eigenvalues[r - 1] as number,
      lambdaNext: eigenvalues[r] as number,
      eigenvalues,
    };
  });
}

/**
 * The peak memory of `specl theory connectivity` at N vertices (N natural
 * points in d dimensions): 8·(7N² + 4N·d) bytes + 128 MiB, the largest of its
 * phases — the augmentation graph with n̄ = N (augmentationGraphMemory: 4N² + 3N²),
 * then the weights and Ā with eigh's 3, then for each of the r manifolds' Cheeger
 * estimate the weights and, at (N/r)² each, the induced subgraph, its Ā, eigh's 3
 * and the host copy of its weights (1 + 6/r², 7 at r = 1).
 */
export function connectivityMemory(d: number): MemoryEstimate {
  return denseMatrices(7, {
    bytes: (n) => FLOAT64_BYTES * 4 * n * d + CHUNK_BUFFERS,
    formula: `8·4N·d bytes + 128 MiB for the points (d = ${d})`,
  });
}

/** The estimated peak memory of `connectivityCheck(o)` in bytes (connectivityMemory at its settings); pure. */
export function connectivityPeakMemory(o: ConnectivityOptions = {}): number {
  const s = resolveOptions(CONNECTIVITY_OPTIONS, optionsPart(o, ['memoryLimit']), 'theory connectivity');
  return connectivityMemory(s.ambientDim).bytes(s.vertices);
}

/**
 * Sweeps σ over a log-spaced grid (or `sigmas`) on one natural sample of a
 * manifold mixture and reports, per σ, conductance across and inside the
 * manifolds and the eigengap at r (see the module comment for the expected
 * three regimes), and the σ with the largest gap.
 */
export function connectivityCheck(o: ConnectivityOptions = {}): ConnectivityResult {
  const start = performance.now();
  const fn = 'theory connectivity';
  const limit = memoryLimitOf(fn, (o as { memoryLimit?: unknown } | undefined)?.memoryLimit);
  const settings = resolveOptions(CONNECTIVITY_OPTIONS, optionsPart(o, ['memoryLimit']), fn);
  const { manifolds: r, ambientDim: d, intrinsicDim, curvature, separation, vertices: n, seed } = settings;
  if (2 * r > CONNECTIVITY_MAX_VERTICES) {
    const most = CONNECTIVITY_MAX_VERTICES / 2;
    fail(
      fn,
      'manifolds',
      `an integer in [2, ${most}] (each needs 2 of the at most ${CONNECTIVITY_MAX_VERTICES} vertices)`,
      r,
    );
  }
  if (n < 2 * r) fail(fn, 'vertices', `an integer in [2r = ${2 * r}, ${CONNECTIVITY_MAX_VERTICES}]`, n);
  if (intrinsicDim >= d) fail(fn, 'intrinsicDim', `an integer in [1, ambientDim − 1 = ${d - 1}]`, intrinsicDim);
  const K = Math.min(settings.eigenvalues, n);
  if (K < r + 1) fail(fn, 'eigenvalues', `an integer ≥ r + 1 = ${r + 1}`, K);
  checkAmbientDim(fn, d, { points: 2 * n, manifolds: r, intrinsicDim, limit });
  checkDenseMemory({
    owner: fn,
    key: 'vertices',
    n,
    estimate: connectivityMemory(d),
    limit,
    alternative:
      'the sparse path for large graphs: specl theory separability --graph knn --eigs-method chebyshev (this check measures the exact, dense augmentation graph)',
  });
  const mixture = manifoldMixture({ manifolds: r, ambientDim: d, intrinsicDim, curvature, separation, seed });
  const sample = mixture.sample(n, seed);
  try {
    const { spacing, diameter } = scales(sample.x);
    const sigmas = settings.sigmas ?? logSpaced(spacing, diameter, 15);
    const rows = sigmas.map((sigma) =>
      connectivityAt({ natural: sample.x, manifold: sample.manifold, sigma, manifolds: r, eigenvalues: K, seed }),
    );
    let best = 0;
    rows.forEach((row, i) => {
      if (row.eigengap > (rows[best] as ConnectivityRow).eigengap) best = i;
    });
    return {
      settings,
      manifolds: r,
      ambientDim: d,
      vertices: n,
      separation,
      spacing,
      diameter,
      rows,
      bestSigma: (rows[best] as ConnectivityRow).sigma,
      seed,
      seconds: (performance.now() - start) / 1000,
    };
  } finally {
    sample.x.dispose();
    sample.latent.dispose();
  }
}

/** Median nearest-neighbour distance and the diameter (largest pairwise distance) of the rows of x. */
function scales(x: Tensor): { spacing: number; diameter: number } {
  const { distances } = knnSearch(x, 1);
  const nn = Float64Array.from(distances, (v) => Math.sqrt(Math.max(0, v))).sort();
  const mid = nn.length >> 1;
  const spacing = nn.length % 2 === 1 ? (nn[mid] as number) : ((nn[mid - 1] as number) + (nn[mid] as number)) / 2;
  const diameter = tidy(() => {
    const sq = x.square().sum(1);
    const n = x.shape[0] as number;
    // Two N×N at most: the sum of the squared norms, minus 2·x·xᵀ in place.
    const d2 = sq.reshape(n, 1).add(sq.reshape(1, n));
    tidy(() => d2.sub_(x.mm(x.t()).mul_(2)));
    return Math.sqrt(Math.max(0, d2.max().item()));
  });
  return { spacing: spacing > 0 ? spacing : diameter / (x.shape[0] as number), diameter };
}

/** count values log-spaced from lo to hi, both included. */
export function logSpaced(lo: number, hi: number, count: number): number[] {
  if (count === 1) return [lo];
  const a = Math.log(lo);
  const b = Math.log(hi);
  return Array.from({ length: count }, (_, i) => Math.exp(a + ((b - a) * i) / (count - 1)));
}
