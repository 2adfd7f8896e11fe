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
import { type Tensor, tidy } from '../../tensor/index.ts';
import { augmentationGraph } from '../../theory/augmentation-graph.ts';
import { cheegerEstimate, conductance } from '../../theory/conductance.ts';
import { eigengap, topEigenpairs } from '../../theory/eigs.ts';
import { knnSearch } from '../../theory/knn.ts';
import { gaussianAugment, manifoldMixture } from '../../theory/manifolds.ts';
import { checkInteger } from './check.ts';

export interface ConnectivityOptions {
  /** r, the number of manifolds (default 3). */
  manifolds?: number;
  /** d, the ambient dimension (default 3). */
  ambientDim?: number;
  /** m, the manifolds' dimension (default 1: curves). */
  intrinsicDim?: number;
  /** Bending amplitude κ (manifoldMixture's default when omitted). */
  curvature?: number;
  /** Distance between manifold centres in units of their spread (default 6: well separated). */
  separation?: number;
  /** N: natural points = vertices, balanced over the manifolds (default 600). */
  vertices?: number;
  /**
   * The augmentation strengths σ, each > 0 (default: 15 values log-spaced from
   * the median nearest-neighbour distance of the natural points to their
   * diameter, which spans the three regimes).
   */
  sigmas?: number[];
  /** Eigenvalues of Ā reported per σ (default max(2r + 2, 10), at most N). */
  eigenvalues?: number;
  /** Seeds the mixture, the natural sample and the augmentation noise (default 0). */
  seed?: number;
}

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
  if (!(Number.isFinite(sigma) && sigma > 0))
    throw new Error(`connectivityAt: sigma must be finite and > 0, got ${sigma}`);
  const members = Array.from({ length: r }, (): number[] => []);
  manifold.forEach((c, i) => {
    if (!(Number.isInteger(c) && c >= 0 && c < r))
      throw new Error(`connectivityAt: manifold[${i}] = ${c} is not in 0…${r - 1}`);
    members[c]?.push(i);
  });
  const K = Math.min(o.eigenvalues, n);
  if (K < r + 1) throw new Error(`connectivityAt: need at least r + 1 = ${r + 1} eigenvalues, got ${K}`);
  return tidy(() => {
    const { x } = gaussianAugment(natural, sigma, 1, o.seed ?? 0);
    const ag = augmentationGraph({ natural, vertices: x, sigma });
    const e = topEigenpairs(ag.normalizedAdjacency, K, { method: 'dense' });
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

const checkInt = (v: number, name: string, lo: number): void => checkInteger('connectivityCheck', name, v, lo);

/**
 * Sweeps σ over a log-spaced grid (or `sigmas`) on one natural sample of a
 * manifold mixture and reports, per σ, conductance across and inside the
 * manifolds and the eigengap at r (see the module comment for the expected
 * three regimes), and the σ with the largest gap.
 */
export function connectivityCheck(o: ConnectivityOptions = {}): ConnectivityResult {
  const start = performance.now();
  const r = o.manifolds ?? 3;
  checkInt(r, 'manifolds', 1);
  const d = o.ambientDim ?? 3;
  checkInt(d, 'ambientDim', 2);
  const n = o.vertices ?? 600;
  checkInt(n, 'vertices', 2 * r);
  if (n > 4000) throw new Error(`connectivityCheck: vertices must be ≤ 4000 (dense exact graph), got ${n}`);
  const seed = o.seed ?? 0;
  checkInt(seed, 'seed', 0);
  const separation = o.separation ?? 6;
  if (!(Number.isFinite(separation) && separation >= 0)) {
    throw new Error(`connectivityCheck: separation must be a finite number ≥ 0, got ${separation}`);
  }
  const K = Math.min(o.eigenvalues ?? Math.max(2 * r + 2, 10), n);
  checkInt(K, 'eigenvalues', r + 1);
  if (o.sigmas !== undefined) {
    if (!Array.isArray(o.sigmas) || o.sigmas.length === 0)
      throw new Error('connectivityCheck: sigmas must be a non-empty array');
    o.sigmas.forEach((s, i) => {
      if (!(Number.isFinite(s) && s > 0))
        throw new Error(`connectivityCheck: sigmas[${i}] must be finite and > 0, got ${s}`);
    });
  }
  const mixture = manifoldMixture({
    manifolds: r,
    ambientDim: d,
    intrinsicDim: o.intrinsicDim,
    curvature: o.curvature,
    separation,
    seed,
  });
  const sample = mixture.sample(n, seed);
  try {
    const { spacing, diameter } = scales(sample.x);
    const sigmas = o.sigmas ?? logSpaced(spacing, diameter, 15);
    const rows = sigmas.map((sigma) =>
      connectivityAt({ natural: sample.x, manifold: sample.manifold, sigma, manifolds: r, eigenvalues: K, seed }),
    );
    let best = 0;
    rows.forEach((row, i) => {
      if (row.eigengap > (rows[best] as ConnectivityRow).eigengap) best = i;
    });
    return {
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
    return Math.sqrt(Math.max(0, sq.reshape(n, 1).add(sq.reshape(1, n)).sub(x.mm(x.t()).mul(2)).max().item()));
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
