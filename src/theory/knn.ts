/**
 * Exact k nearest neighbours under squared Euclidean distance, the first step
 * of every proximity graph of the theory lab (knn-graph.ts, the positive-pair
 * graph). Two exact methods:
 * - 'brute' (knn-brute.ts): certified float32/float64 GEMM blocks on libtorch,
 *   O(n·m·d) work on all cores, for any dimension;
 * - 'kdtree' (kd-tree.ts): a k-d tree in TypeScript, about O(m·log n) work for
 *   low dimension, e.g. 10⁶ points with d ≤ 8.
 * 'auto' uses brute force while n·m ≤ 2.5·10⁷ pairs (fast either way) or
 * d > 64 (image pixels, learned features: no tree helps there). Otherwise
 * it builds the tree (O(n·d·log n)), measures the work of 64 sample
 * searches (kdTreeProbe) and keeps the tree when its predicted time,
 * ≈ 3 ns·d·(points scanned + 2·boxes tested) per query on one core, is below
 * brute force's ≈ n·(0.08·(d+2) + 1.6) ns per query spread over the intra-op
 * threads — i.e. when the data's intrinsic dimension is low (points on
 * manifolds, any d ≤ 8), whatever the ambient dimension. A tree search
 * predicted to take over a second runs on worker threads as well
 * (kd-tree-parallel.ts). Both methods return the same neighbours up to ties.
 */
import {
  checked,
  fail,
  follows,
  type OptionsOf,
  oneOf,
  option,
  optionsPart,
  positiveInt,
  resolveOptions,
  type Schema,
} from '../options/index.ts';
import { getNumThreads, type Tensor } from '../tensor/index.ts';
import { buildKdTree, type KdTree, kdTreeKnn, kdTreeProbe } from './kd-tree.ts';
import { kdTreeKnnParallel } from './kd-tree-parallel.ts';
import { bruteKnn, KNN_PRECISIONS } from './knn-brute.ts';

export const KNN_METHODS = ['auto', 'brute', 'kdtree'] as const;
export type KnnMethod = (typeof KNN_METHODS)[number];

/** The options of `knnSearch`, declared once (src/options); `queries` aside, as it is a tensor. */
export const KNN_OPTIONS = {
  method: option(
    oneOf(KNN_METHODS),
    'auto',
    'brute (blocked GEMM, any dimension), kdtree (low dimension), or auto: whichever is predicted faster',
  ),
  precision: option(
    oneOf(KNN_PRECISIONS),
    'auto',
    'brute force only: precision of the candidate GEMM (the neighbours are exact either way)',
  ),
  leafSize: option(positiveInt, 16, 'k-d tree only: points per leaf'),
  threads: option(
    positiveInt,
    follows("libtorch's intra-op thread count", () => getNumThreads()),
    'k-d tree only: threads for the searches (worker threads beside the caller’s) when they are predicted to take over a second',
  ),
} satisfies Schema;

export type KnnOptions = OptionsOf<typeof KNN_OPTIONS> & {
  /** m×d query points; omitted: every point against the others (itself excluded). */
  queries?: Tensor;
};

export interface KnnResult {
  /** m×k row-major neighbour rows of `points`, nearest first. */
  indices: Int32Array;
  /** m×k squared distances Σₗ(xₗ − yₗ)², ascending per row. */
  distances: Float64Array;
  /** The method that ran. */
  method: 'brute' | 'kdtree';
}

/** Below this many query–point pairs 'auto' takes brute force without probing. */
export const AUTO_PROBE_PAIRS = 2.5e7;
/** Above this dimension 'auto' takes brute force without probing (pixels, features: no tree helps). */
export const AUTO_PROBE_MAX_DIM = 64;

/** Seconds of a search predicted below this run the k-d tree on one thread (workers take a while to start). */
export const PARALLEL_TREE_SECONDS = 1;

/**
 * Predicted seconds of the two methods with `threads` threads (see the module
 * comment; the tree on worker threads when it takes over PARALLEL_TREE_SECONDS
 * on one); the probe costs 64 searches.
 */
export function predictKnnCost(
  tree: KdTree,
  k: number,
  m: number,
  threads: number,
  queries?: Float64Array,
): { kdtree: number; kdtreeOneThread: number; brute: number } {
  const { n, d } = tree;
  const probe = kdTreeProbe(tree, k, 64, queries);
  const one = m * 3e-9 * d * (probe.scanned + 2 * probe.visited);
  return {
    kdtreeOneThread: one,
    kdtree: threads > 1 && one > PARALLEL_TREE_SECONDS ? one / threads + 0.5 : one,
    brute: m * n * (0.08 * (d + 2) + 1.6) * 1e-9 * (0.35 + 0.65 / threads),
  };
}

/** Row-major float64 copy of a 2-D tensor, checked finite. */
function hostMatrix(t: Tensor, what: string): { data: Float64Array; rows: number; cols: number } {
  if (t.ndim !== 2) throw new Error(`knnSearch: ${what} must be a 2-D tensor n×d, got shape [${t.shape}]`);
  if (!['float64', 'float32', 'float16', 'bfloat16', 'int32', 'int64', 'uint8', 'int8', 'int16'].includes(t.dtype)) {
    throw new Error(`knnSearch: ${what} must be real-valued, got dtype ${t.dtype}`);
  }
  const [rows, cols] = t.shape as [number, number];
  const d64 = t.dtype === 'float64' ? t.contiguous() : t.to('float64');
  const data = d64.data() as Float64Array;
  if (d64 !== t) d64.dispose();
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i] as number)) {
      throw new Error(`knnSearch: ${what} must be finite, found ${data[i]} at row ${Math.floor(i / cols)}`);
    }
  }
  return { data, rows, cols };
}

/**
 * Exact k nearest neighbours (squared Euclidean) of each query among the rows
 * of `points` (n×d); without `queries`, of each point among the others, the
 * point itself excluded (its duplicates are neighbours at distance 0). Ties
 * are broken arbitrarily. Throws unless 1 ≤ k ≤ n − 1 (k ≤ n with queries).
 */
export function knnSearch(points: Tensor, k: number, o: KnnOptions = {}): KnnResult {
  const queries = o?.queries;
  const { method, precision, leafSize, threads } = resolveOptions(
    KNN_OPTIONS,
    optionsPart(o, ['queries']),
    'knnSearch',
  );
  const P = hostMatrix(points, 'points');
  const { rows: n, cols: d } = P;
  if (n < 1 || d < 1)
    throw new Error(`knnSearch: points must have at least one row and one column, got [${points.shape}]`);
  let Q: Float64Array | undefined;
  let m = n;
  if (queries !== undefined) {
    const q = hostMatrix(queries, 'queries');
    if (q.cols !== d) throw new Error(`knnSearch: queries must have ${d} columns like points, got ${q.cols}`);
    Q = q.data;
    m = q.rows;
  }
  const avail = Q === undefined ? n - 1 : n;
  checked('knnSearch', 'k', positiveInt, k);
  if (k > avail) {
    fail(
      'knnSearch',
      'k',
      `at most the ${avail} candidate points (n = ${n}${Q === undefined ? ', self excluded' : ''})`,
      k,
    );
  }
  if (method === 'kdtree' || (method === 'auto' && n * m > AUTO_PROBE_PAIRS && d <= AUTO_PROBE_MAX_DIM)) {
    const tree = buildKdTree(P.data, n, d, { leafSize });
    const cost =
      n * m > AUTO_PROBE_PAIRS ? predictKnnCost(tree, k, m, threads, Q) : { kdtree: 0, kdtreeOneThread: 0, brute: 1 };
    if (method === 'kdtree' || cost.kdtree <= cost.brute) {
      const parallel = threads > 1 && cost.kdtreeOneThread > PARALLEL_TREE_SECONDS;
      const r = parallel ? kdTreeKnnParallel(tree, k, threads, Q) : kdTreeKnn(tree, k, Q);
      return { ...r, method: 'kdtree' };
    }
  }
  const r = bruteKnn(P.data, n, d, k, { queries: Q, precision });
  return { indices: r.indices, distances: r.distances, method: 'brute' };
}
