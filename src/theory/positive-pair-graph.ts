/**
 * The empirical positive-pair graph of a real dataset (HaoChen, Wei, Gaidon,
 * Ma 2021, §3): the augmentation graph made finite. Each of N natural images
 * x̄ᵢ gets M augmented views; the N·M views are the vertices. Two kinds of
 * edges:
 *
 * - positive pairs: any two views of one image (the augmentation graph's
 *   defining edges, w(x, x⁺) > 0 because both come from the same x̄);
 * - proximity: each view's k nearest neighbours (squared Euclidean distance in
 *   pixel space or in an encoder's feature space), standing in for the
 *   overlap of augmentation distributions of *different* images that a finite
 *   sample never shows directly.
 *
 * w(x, x′) = max( κ(x, x′)·[x′ ∈ N_k(x) or x ∈ N_k(x′)],  p·[x, x′ views of one image] ),
 * κ = exp(−‖x − x′‖²/(2h²)) (Gaussian, h = the median distance to the k-th
 * neighbour unless given) or κ = 1 (binary), p = the positive-pair weight
 * (default 1, the largest κ). Each undirected edge is labelled same-image,
 * same-class (different images of one class) or other-class.
 */

import type { Pipeline } from '../augment/pipeline.ts';
import type { ImageSplit } from '../data/dataset.ts';
import { cat, Generator, type Tensor, tidy } from '../tensor/index.ts';
import { type Graph, graphFromEdges } from './graph.ts';
import { knnSearch } from './knn.ts';

/** Edge labels. */
export const EDGE_KINDS = ['sameImage', 'sameClass', 'otherClass'] as const;
export type EdgeKind = (typeof EDGE_KINDS)[number];

/** A number per edge label. */
export type PerEdgeKind = Record<EdgeKind, number>;

export interface PositivePairGraphOptions {
  /** The natural images: uint8 N×C×H×W and their N integer labels. All N are used. */
  split: ImageSplit;
  /** The augmentation (a data-layer recipe, e.g. `presetFromName('mnist')`). */
  pipeline: Pipeline;
  /** M: views per image, an integer ≥ 2 (default 5). */
  augmentations?: number;
  /** Nearest neighbours per view, an integer in 1…N·M−1 (default 10). */
  k?: number;
  /**
   * Where distances are measured: 'pixel' (default: the pipeline's float
   * output, flattened) or a function mapping a float32 B×C×H×W batch of views
   * to B×d features (e.g. a frozen encoder under noGrad).
   */
  space?: 'pixel' | ((views: Tensor) => Tensor);
  /** Proximity edge weights: 'gaussian' (default) or 'binary' (1). */
  weights?: 'gaussian' | 'binary';
  /** Gaussian bandwidth h > 0; default: the median over views of the distance to the k-th neighbour. */
  bandwidth?: number;
  /** Weight p > 0 of a positive pair (default 1). */
  positiveWeight?: number;
  /** Seed of the augmentation stream (default 0). */
  seed?: number;
  /** Images augmented and embedded at a time (default 512). */
  batchSize?: number;
}

export interface PositivePairGraph {
  /** Sparse CSR graph over the N·M views; vertex v = i·M + m is view m of image i. */
  graph: Graph;
  /** imageOf[v] = i, the natural image view v came from. */
  imageOf: Int32Array;
  /** labelOf[v] = the class of image imageOf[v]. */
  labelOf: Int32Array;
  /** The k nearest neighbours of each view (row-major n×k, ascending distance). */
  neighbours: Int32Array;
  /** Squared distances to them (row-major n×k). */
  distances: Float64Array;
  /** The Gaussian bandwidth used (null for binary weights). */
  bandwidth: number | null;
  /** Share of the total edge weight Σ_{x<x′} w(x, x′) carried by each label (they sum to 1). */
  edgeFractions: PerEdgeKind;
  /** Number of undirected edges with each label. */
  edgeCounts: PerEdgeKind;
  /** N, M, k. */
  images: number;
  augmentations: number;
  k: number;
}

const INTEGER_DTYPES = new Set(['uint8', 'int8', 'int16', 'int32', 'int64']);

function checkInt(v: number, name: string, lo: number, hi = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(v) || v < lo || v > hi) {
    throw new Error(`positivePairGraph: ${name} must be an integer in ${lo}…${hi}, got ${v}`);
  }
}

/**
 * Builds the empirical positive-pair graph of `split` under `pipeline` (see the
 * module comment for the weights). Views are drawn from `Generator(seed)`,
 * `batchSize` images at a time (M views of each batch in turn), so the graph
 * is a function of the options alone.
 */
export function positivePairGraph(o: PositivePairGraphOptions): PositivePairGraph {
  const { split, pipeline } = o;
  if (split === undefined || split.images === undefined || split.labels === undefined) {
    throw new Error('positivePairGraph: split must be { images, labels }');
  }
  const images = split.images;
  if (images.ndim !== 4)
    throw new Error(`positivePairGraph: split.images must be N×C×H×W, got shape [${images.shape}]`);
  if (images.dtype !== 'uint8') throw new Error(`positivePairGraph: split.images must be uint8, got ${images.dtype}`);
  const N = images.size(0);
  if (N < 1) throw new Error('positivePairGraph: split.images is empty');
  if (split.labels.ndim !== 1 || split.labels.size(0) !== N || !INTEGER_DTYPES.has(split.labels.dtype)) {
    throw new Error(
      `positivePairGraph: split.labels must be ${N} integers, got ${split.labels.dtype} [${split.labels.shape}]`,
    );
  }
  if (pipeline === undefined || typeof pipeline.views !== 'function') {
    throw new Error('positivePairGraph: pipeline must be an augment Pipeline');
  }
  const M = o.augmentations ?? 5;
  checkInt(M, 'augmentations', 2);
  const n = N * M;
  const k = o.k ?? 10;
  checkInt(k, 'k', 1, n - 1);
  const seed = o.seed ?? 0;
  checkInt(seed, 'seed', 0);
  const batchSize = o.batchSize ?? 512;
  checkInt(batchSize, 'batchSize', 1);
  const space = o.space ?? 'pixel';
  if (space !== 'pixel' && typeof space !== 'function') {
    throw new Error(`positivePairGraph: space must be 'pixel' or a function of a view batch, got ${String(space)}`);
  }
  const kind = o.weights ?? 'gaussian';
  if (kind !== 'gaussian' && kind !== 'binary') {
    throw new Error(`positivePairGraph: weights must be 'gaussian' or 'binary', got ${String(kind)}`);
  }
  if (o.bandwidth !== undefined && !(Number.isFinite(o.bandwidth) && o.bandwidth > 0)) {
    throw new Error(`positivePairGraph: bandwidth must be finite and > 0, got ${o.bandwidth}`);
  }
  const positiveWeight = o.positiveWeight ?? 1;
  if (!(Number.isFinite(positiveWeight) && positiveWeight > 0)) {
    throw new Error(`positivePairGraph: positiveWeight must be finite and > 0, got ${positiveWeight}`);
  }
  const labels = Int32Array.from(split.labels.toArray() as number[]);

  const points = embedViews(images, pipeline, M, space, seed, batchSize);
  let neighbours: Int32Array;
  let distances: Float64Array;
  try {
    if (points.shape[0] !== n || points.ndim !== 2) {
      throw new Error(
        `positivePairGraph: space must map B views to B×d features, got shape [${points.shape}] for ${n}`,
      );
    }
    ({ indices: neighbours, distances } = knnSearch(points, k));
  } finally {
    points.dispose();
  }

  let bandwidth: number | null = null;
  if (kind === 'gaussian') {
    bandwidth = o.bandwidth ?? medianKthDistance(distances, n, k);
    // All views identical: any positive h gives κ = 1.
    if (!(bandwidth > 0)) bandwidth = 1;
  }
  const twoH2 = bandwidth === null ? 0 : 2 * bandwidth * bandwidth;

  // Undirected edges keyed by lo·n + hi (n² < 2⁵³ for any graph that fits in memory).
  const edges = new Map<number, number>();
  const put = (a: number, b: number, w: number): void => {
    if (a === b) return;
    const key = a < b ? a * n + b : b * n + a;
    const old = edges.get(key);
    if (old === undefined || w > old) edges.set(key, w);
  };
  for (let v = 0; v < n; v++) {
    for (let j = 0; j < k; j++) {
      const u = neighbours[v * k + j] as number;
      put(v, u, twoH2 === 0 ? 1 : Math.exp(-(distances[v * k + j] as number) / twoH2));
    }
  }
  for (let i = 0; i < N; i++) {
    for (let a = 0; a < M; a++) for (let b = a + 1; b < M; b++) put(i * M + a, i * M + b, positiveWeight);
  }

  const imageOf = new Int32Array(n);
  const labelOf = new Int32Array(n);
  for (let v = 0; v < n; v++) {
    imageOf[v] = Math.floor(v / M);
    labelOf[v] = labels[imageOf[v] as number] as number;
  }
  const e = edges.size;
  const rows = new Int32Array(2 * e);
  const cols = new Int32Array(2 * e);
  const vals = new Float64Array(2 * e);
  const weightBy: PerEdgeKind = { sameImage: 0, sameClass: 0, otherClass: 0 };
  const countBy: PerEdgeKind = { sameImage: 0, sameClass: 0, otherClass: 0 };
  let t = 0;
  for (const [key, w] of edges) {
    const a = Math.floor(key / n);
    const b = key - a * n;
    rows[t] = a;
    cols[t] = b;
    vals[t] = w;
    rows[e + t] = b;
    cols[e + t] = a;
    vals[e + t] = w;
    t++;
    const label: EdgeKind =
      imageOf[a] === imageOf[b] ? 'sameImage' : labelOf[a] === labelOf[b] ? 'sameClass' : 'otherClass';
    weightBy[label] += w;
    countBy[label] += 1;
  }
  const total = weightBy.sameImage + weightBy.sameClass + weightBy.otherClass;
  const edgeFractions: PerEdgeKind = {
    sameImage: total > 0 ? weightBy.sameImage / total : 0,
    sameClass: total > 0 ? weightBy.sameClass / total : 0,
    otherClass: total > 0 ? weightBy.otherClass / total : 0,
  };
  const graph = graphFromEdges(n, rows, cols, vals, { symmetrize: false });
  return {
    graph,
    imageOf,
    labelOf,
    neighbours,
    distances,
    bandwidth,
    edgeFractions,
    edgeCounts: countBy,
    images: N,
    augmentations: M,
    k,
  };
}

/**
 * The N·M views as an n×d float32 matrix, row i·M + m = view m of image i:
 * per batch of images, M views drawn one after another from the generator,
 * interleaved image-major, flattened ('pixel') or passed through `space`.
 */
function embedViews(
  images: Tensor,
  pipeline: Pipeline,
  M: number,
  space: 'pixel' | ((views: Tensor) => Tensor),
  seed: number,
  batchSize: number,
): Tensor {
  const g = new Generator(seed);
  const N = images.size(0);
  const parts: Tensor[] = [];
  try {
    for (let s = 0; s < N; s += batchSize) {
      const b = Math.min(batchSize, N - s);
      parts.push(
        tidy(() => {
          const views = pipeline.views(images.narrow(0, s, b), g, M);
          // b×M×C×H×W → (b·M)×C×H×W: the views of one image are consecutive.
          const x = cat(
            views.map((v) => v.unsqueeze(1)),
            1,
          ).flatten(0, 1);
          const f = space === 'pixel' ? x.contiguous().flatten(1) : space(x);
          if (f.ndim !== 2 || f.shape[0] !== b * M) {
            throw new Error(
              `positivePairGraph: space must map ${b * M} views to a ${b * M}×d matrix, got shape [${f.shape}]`,
            );
          }
          return f.float().contiguous();
        }),
      );
    }
    return parts.length === 1 ? (parts.pop() as Tensor) : cat(parts);
  } finally {
    for (const p of parts) p.dispose();
  }
}

/** Median over the n views of the distance to the k-th neighbour (√ of the squared distance). */
function medianKthDistance(distances: Float64Array, n: number, k: number): number {
  const kth = Float64Array.from({ length: n }, (_, v) => Math.sqrt(Math.max(0, distances[v * k + k - 1] as number)));
  kth.sort();
  return n % 2 === 1 ? (kth[(n - 1) / 2] as number) : ((kth[n / 2 - 1] as number) + (kth[n / 2] as number)) / 2;
}
