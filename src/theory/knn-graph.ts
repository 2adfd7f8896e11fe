/**
 * The sparse proximity graph that stands in for the augmentation graph on
 * large vertex sets: each vertex joined to its k nearest neighbours with
 * Gaussian weights, symmetrized (von Luxburg 2007, "A tutorial on spectral
 * clustering", §2.2). With Gaussian augmentation of bandwidth σ the exact
 * augmentation-graph weight between x and x′ is a Gaussian in ‖x − x′‖
 * (DESIGN.md), so the k-NN graph keeps its strong edges and drops the
 * negligible ones.
 */

import {
  fail,
  type OptionsOf,
  oneOf,
  option,
  optionsPart,
  orWord,
  positive,
  positiveInt,
  required,
  resolveOptions,
  type Schema,
} from '../options/index.ts';
import type { Tensor } from '../tensor/index.ts';
import { sparse, tensor, tidy } from '../tensor/index.ts';
import type { Graph } from './graph.ts';
import { KNN_METHODS, knnSearch } from './knn.ts';

/**
 * How the directed k-NN relation becomes an undirected graph, for directed
 * weights w_ij (0 when j is not among i's k nearest):
 * - 'max':   W_ij = max(w_ij, w_ji) — an edge when either is a neighbour of the other;
 * - 'mean':  W_ij = (w_ij + w_ji)/2 — one-sided edges keep half their weight;
 * - 'union': W_ij = w_ij + w_ji − w_ij·w_ji — the fuzzy (probabilistic) union
 *   of UMAP (McInnes, Healy, Melville 2018, §3.1), weights staying in [0, 1].
 */
export const SYMMETRIZE = ['max', 'mean', 'union'] as const;
export type Symmetrize = (typeof SYMMETRIZE)[number];

/** The options of `knnGraph`, declared once (src/options); `neighbors` aside, as it holds arrays. */
export const KNN_GRAPH_OPTIONS = {
  k: option(positiveInt, required<number>(), 'neighbours per vertex (the vertex itself excluded)'),
  bandwidth: option(
    orWord(positive, ['auto', 'local'] as const),
    'auto',
    'h of the weights exp(−‖x − x′‖²/(2h²)); auto: the median over vertices of the distance to the k-th neighbour; local: a scale per vertex (self-tuning, see knnGraph)',
  ),
  symmetrize: option(
    oneOf(SYMMETRIZE),
    'max',
    'how one-sided neighbours become undirected edges: max, mean or union (see Symmetrize)',
  ),
  method: option(oneOf(KNN_METHODS), 'auto', 'the neighbour search (knnSearch)'),
} satisfies Schema;

export type KnnGraphOptions = OptionsOf<typeof KNN_GRAPH_OPTIONS> & {
  k: number;
  /** A precomputed self k-NN search of these points (n×k, as `knnSearch(points, k)` returns), to skip the search. */
  neighbors?: { indices: Int32Array; distances: Float64Array };
};

/** Median of the values (mean of the two middle ones for an even count). */
function median(values: Float64Array): number {
  const s = Float64Array.from(values).sort();
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Sorts row entries cols[a..b) ascending, carrying vals and dists along (insertion sort: rows are short). */
function sortRow(cols: Int32Array, vals: Float64Array, a: number, b: number): void {
  if (b - a > 64) {
    const idx = Array.from({ length: b - a }, (_, t) => a + t).sort(
      (x, y) => (cols[x] as number) - (cols[y] as number),
    );
    const c = idx.map((t) => cols[t] as number);
    const v = idx.map((t) => vals[t] as number);
    cols.set(c, a);
    vals.set(v, a);
    return;
  }
  for (let i = a + 1; i < b; i++) {
    const c = cols[i] as number;
    const v = vals[i] as number;
    let j = i - 1;
    while (j >= a && (cols[j] as number) > c) {
      cols[j + 1] = cols[j] as number;
      vals[j + 1] = vals[j] as number;
      j--;
    }
    cols[j + 1] = c;
    vals[j + 1] = v;
  }
}

/**
 * The symmetrized k-NN graph of the rows of `points` (n×d) with Gaussian
 * weights w_ij = exp(−‖x_i − x_j‖²/(2h²)) on the directed edges i → j (j among
 * the k nearest of i), combined by `symmetrize`, as a sparse CSR float64 graph
 * without self-loops. h = `bandwidth`, or by default the median over i of
 * ‖x_i − x_{i,(k)}‖, the distance to the k-th neighbour. With 'local' each
 * vertex has its own scale σ_i = ‖x_i − x_{i,(k)}‖ and w_ij =
 * exp(−‖x_i − x_j‖²/(2σ_iσ_j)) (self-tuning, Zelnik-Manor & Perona 2004,
 * "Self-tuning spectral clustering"): where the density varies, as in the
 * tails of a Gaussian latent, one global h leaves outlying vertices with
 * weights like e⁻¹⁰⁰, numerically cut off, and the top of the spectrum is
 * then those isolated vertices rather than the clusters; the returned
 * `bandwidth` is then the median σ_i. With 'max' every
 * vertex has at least k neighbours. The CSR is assembled in TypeScript by
 * counting sort (O(nk) plus a sort of each row).
 */
export function knnGraph(points: Tensor, o: KnnGraphOptions): Graph & { bandwidth: number } {
  const {
    k,
    symmetrize,
    bandwidth: bw,
    method,
  } = resolveOptions(KNN_GRAPH_OPTIONS, optionsPart(o, ['neighbors']), 'knnGraph');
  if (points.ndim !== 2) throw new Error(`knnGraph: points must be n×d, got shape [${points.shape}]`);
  const n = points.shape[0] as number;
  if (k > n - 1) fail('knnGraph', 'k', `at most n − 1 = ${n - 1} (one fewer than the points)`, k);
  let nb = o.neighbors;
  if (nb !== undefined) {
    if (nb.indices.length !== n * k || nb.distances.length !== n * k) {
      throw new Error(
        `knnGraph: neighbors must hold n·k = ${n * k} indices and distances, got ${nb.indices.length} and ${nb.distances.length}`,
      );
    }
  } else {
    nb = knnSearch(points, k, { method });
  }
  const { indices, distances } = nb;

  // sigma[i]: the scale of vertex i; the weight of i → j is exp(−d²/(2·sigma[i]·sigma[j])).
  const sigma = new Float64Array(n);
  let h: number;
  if (bw === 'auto' || bw === 'local') {
    for (let i = 0; i < n; i++) sigma[i] = Math.sqrt(distances[i * k + k - 1] as number);
    h = median(sigma);
    if (bw === 'auto') {
      if (!(h > 0)) {
        throw new Error(
          `knnGraph: bandwidth 'auto' is 0 (at least half the points have ${k} exact duplicates); pass a positive bandwidth`,
        );
      }
      sigma.fill(h);
    } else {
      const i = sigma.findIndex((s) => !(s > 0));
      if (i >= 0) {
        throw new Error(
          `knnGraph: bandwidth 'local' needs a positive distance to each vertex's k-th neighbour; vertex ${i} has ${k} exact duplicates (pass a number or 'auto')`,
        );
      }
    }
  } else {
    h = bw;
    sigma.fill(h);
  }

  // Each directed edge i → j goes into row i and, reversed, into row j.
  const count = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) {
      const j = indices[i * k + t] as number;
      if (!(j >= 0 && j < n && j !== i))
        throw new Error(`knnGraph: neighbour ${j} of vertex ${i} is not another vertex`);
      count[i + 1] = (count[i + 1] as number) + 1;
      count[j + 1] = (count[j + 1] as number) + 1;
    }
  }
  for (let i = 0; i < n; i++) count[i + 1] = (count[i + 1] as number) + (count[i] as number);
  const total = count[n] as number;
  const cols = new Int32Array(total);
  const vals = new Float64Array(total);
  const fill = count.slice(0, n);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) {
      const j = indices[i * k + t] as number;
      const w = Math.exp(-(distances[i * k + t] as number) / (2 * (sigma[i] as number) * (sigma[j] as number)));
      let p = fill[i] as number;
      cols[p] = j;
      vals[p] = w;
      fill[i] = p + 1;
      p = fill[j] as number;
      cols[p] = i;
      vals[p] = w;
      fill[j] = p + 1;
    }
  }
  // Sort each row by column and merge the pairs that came from both directions.
  const crow = new Int32Array(n + 1);
  let nnz = 0;
  for (let i = 0; i < n; i++) {
    const a = count[i] as number;
    const b = count[i + 1] as number;
    sortRow(cols, vals, a, b);
    for (let p = a; p < b; p++) {
      const c = cols[p] as number;
      let w = vals[p] as number;
      if (p + 1 < b && cols[p + 1] === c) {
        const w2 = vals[p + 1] as number;
        w = symmetrize === 'max' ? Math.max(w, w2) : symmetrize === 'mean' ? (w + w2) / 2 : w + w2 - w * w2;
        p++;
      } else if (symmetrize === 'mean') {
        w /= 2;
      }
      cols[nnz] = c;
      vals[nnz] = w;
      nnz++;
    }
    crow[i + 1] = nnz;
  }
  const weights = tidy(() =>
    sparse.sparseCsr(
      tensor(crow, [n + 1]).long(),
      tensor(cols.subarray(0, nnz), [nnz]).long(),
      tensor(vals.subarray(0, nnz), [nnz]),
      [n, n],
    ),
  );
  return { n, weights, sparse: true, bandwidth: h };
}
