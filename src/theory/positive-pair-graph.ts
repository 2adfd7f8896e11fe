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
import {
  checked,
  follows,
  intAtLeast,
  intIn,
  nullable,
  type OptionsOf,
  oneOf,
  option,
  positive,
  positiveInt,
  resolveOptions,
  type Schema,
  seed as seedCheck,
} from '../options/index.ts';
import { cat, Generator, type Tensor, tidy } from '../tensor/index.ts';
import { type Graph, graphFromEdges } from './graph.ts';
import { knnSearch } from './knn.ts';

/** Edge labels. */
export const EDGE_KINDS = ['sameImage', 'sameClass', 'otherClass'] as const;
export type EdgeKind = (typeof EDGE_KINDS)[number];

/** A number per edge label. */
export type PerEdgeKind = Record<EdgeKind, number>;

/**
 * The value options of `positivePairGraph`, declared once (src/options); the
 * images, the pipeline and a feature map are given beside them.
 */
export const POSITIVE_PAIR_GRAPH_OPTIONS = {
  augmentations: option(intAtLeast(2), 5, 'M, the views drawn of each image'),
  k: option(positiveInt, 10, 'nearest neighbours per view, at most N·M − 1'),
  weights: option(
    oneOf(['gaussian', 'binary'] as const),
    'gaussian',
    'proximity edge weights: gaussian exp(−‖x − x′‖²/(2h²)), or binary (1)',
  ),
  bandwidth: option(
    nullable(positive),
    follows('the median over views of the distance to the k-th neighbour', () => null),
    'the Gaussian bandwidth h',
  ),
  positiveWeight: option(positive, 1, 'weight p of a positive pair (two views of one image)'),
  seed: option(seedCheck, 0, 'seeds the augmentation stream'),
  batchSize: option(positiveInt, 512, 'images augmented and embedded at a time'),
} satisfies Schema;

export type PositivePairGraphOptions = OptionsOf<typeof POSITIVE_PAIR_GRAPH_OPTIONS> & {
  /** The natural images: uint8 N×C×H×W and their N integer labels. All N are used. */
  split: ImageSplit;
  /** The augmentation (a data-layer recipe, e.g. `presetFromName('mnist')`). */
  pipeline: Pipeline;
  /**
   * Where distances are measured: 'pixel' (default: the pipeline's float
   * output, flattened) or a function mapping a float32 B×C×H×W batch of views
   * to B×d features (e.g. a frozen encoder under noGrad).
   */
  space?: 'pixel' | ((views: Tensor) => Tensor);
};

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

/**
 * Builds the empirical positive-pair graph of `split` under `pipeline` (see the
 * module comment for the weights). Views are drawn from `Generator(seed)`,
 * `batchSize` images at a time (M views of each batch in turn), so the graph
 * is a function of the options alone.
 */
export function positivePairGraph(o: PositivePairGraphOptions): PositivePairGraph {
  const { split, pipeline, space: givenSpace, ...options } = o;
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
  const s = resolveOptions(POSITIVE_PAIR_GRAPH_OPTIONS, options, 'positivePairGraph');
  const { augmentations: M, k, seed, batchSize, weights: kind, positiveWeight } = s;
  const n = N * M;
  checked('positivePairGraph', 'k', intIn(1, n - 1), k);
  const space = givenSpace ?? 'pixel';
  if (space !== 'pixel' && typeof space !== 'function') {
    throw new Error(`positivePairGraph: space must be 'pixel' or a function of a view batch, got ${String(space)}`);
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
    bandwidth = s.bandwidth ?? medianKthDistance(distances, n, k);
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
