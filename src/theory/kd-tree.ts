/**
 * A k-d tree over float64 points (Bentley 1975; exact k-nearest-neighbour
 * search with bounding-box pruning as in Friedman, Bentley, Finkel 1977),
 * for large point sets in low dimension (d ≲ 10) where brute force would
 * cost n² distance evaluations. Plain TypeScript over typed arrays.
 *
 * Build: each node splits its points at the median of the coordinate of
 * largest extent (quickselect, O(n log n) overall) until at most `leafSize`
 * remain; every node keeps its points' bounding box. The points are copied
 * in tree order, so each leaf is one contiguous block (cache-friendly scans).
 */
import { checked, intIn, positiveInt } from '../options/index.ts';
import { heapPush, heapReplaceTop } from './max-heap.ts';

export interface KdTree {
  readonly n: number;
  readonly d: number;
  readonly leafSize: number;
  /** n×d coordinates in tree order (row p is original row order[p]). */
  readonly points: Float64Array;
  /** Tree position → original row. */
  readonly order: Int32Array;
  /** Number of nodes; node 0 is the root. */
  readonly nodes: number;
  /** Node → first tree position of its points. */
  readonly start: Int32Array;
  /** Node → one past its last tree position. */
  readonly end: Int32Array;
  /** Node → left child (right child = left + 1), −1 for a leaf. */
  readonly left: Int32Array;
  /** nodes×d bounding-box minima and maxima. */
  readonly boxLo: Float64Array;
  readonly boxHi: Float64Array;
}

/** Reorders idx[lo..hi) so that idx[kth] has the kth smallest key and keys left/right of it are ≤ / ≥ it. */
function select(idx: Int32Array, pts: Float64Array, d: number, dim: number, lo: number, hi: number, kth: number): void {
  let l = lo;
  let r = hi - 1;
  while (r > l) {
    // Median of three as pivot; Hoare partition copes with many equal keys.
    const m = (l + r) >> 1;
    const a = pts[(idx[l] as number) * d + dim] as number;
    const b = pts[(idx[m] as number) * d + dim] as number;
    const c = pts[(idx[r] as number) * d + dim] as number;
    const pivot = a < b ? (b < c ? b : Math.max(a, c)) : a < c ? a : Math.max(b, c);
    let i = l;
    let j = r;
    while (i <= j) {
      while ((pts[(idx[i] as number) * d + dim] as number) < pivot) i++;
      while ((pts[(idx[j] as number) * d + dim] as number) > pivot) j--;
      if (i <= j) {
        const t = idx[i] as number;
        idx[i] = idx[j] as number;
        idx[j] = t;
        i++;
        j--;
      }
    }
    if (kth <= j) r = j;
    else if (kth >= i) l = i;
    else return;
  }
}

/** Builds the tree over n×d row-major `points` (not modified). */
export function buildKdTree(points: Float64Array, n: number, d: number, o: { leafSize?: number } = {}): KdTree {
  const leafSize = checked('buildKdTree', 'leafSize', positiveInt, o.leafSize ?? 16);
  if (!(Number.isInteger(n) && n >= 1 && Number.isInteger(d) && d >= 1) || points.length < n * d) {
    throw new Error(`buildKdTree: need n ≥ 1 points of dimension d ≥ 1 in ${points.length} values, got n=${n}, d=${d}`);
  }
  // Median splits leave ≥ ⌈leafSize/2⌉ points per leaf, so at most 2n/leafSize + 1 leaves.
  const maxNodes = 2 * (Math.floor((2 * n) / leafSize) + 1) + 1;
  const start = new Int32Array(maxNodes);
  const end = new Int32Array(maxNodes);
  const left = new Int32Array(maxNodes).fill(-1);
  const boxLo = new Float64Array(maxNodes * d);
  const boxHi = new Float64Array(maxNodes * d);
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  let nodes = 1;
  start[0] = 0;
  end[0] = n;
  const stack = [0];
  while (stack.length > 0) {
    const node = stack.pop() as number;
    const s = start[node] as number;
    const e = end[node] as number;
    const b = node * d;
    for (let l = 0; l < d; l++) {
      boxLo[b + l] = Number.POSITIVE_INFINITY;
      boxHi[b + l] = Number.NEGATIVE_INFINITY;
    }
    for (let p = s; p < e; p++) {
      const o2 = (idx[p] as number) * d;
      for (let l = 0; l < d; l++) {
        const v = points[o2 + l] as number;
        if (v < (boxLo[b + l] as number)) boxLo[b + l] = v;
        if (v > (boxHi[b + l] as number)) boxHi[b + l] = v;
      }
    }
    if (e - s <= leafSize) continue;
    let dim = 0;
    let extent = -1;
    for (let l = 0; l < d; l++) {
      const w = (boxHi[b + l] as number) - (boxLo[b + l] as number);
      if (w > extent) {
        extent = w;
        dim = l;
      }
    }
    if (!(extent > 0)) continue; // all points equal: a (large) leaf
    const mid = (s + e) >> 1;
    select(idx, points, d, dim, s, e, mid);
    const c = nodes;
    nodes += 2;
    left[node] = c;
    start[c] = s;
    end[c] = mid;
    start[c + 1] = mid;
    end[c + 1] = e;
    stack.push(c + 1, c);
  }
  const pts = new Float64Array(n * d);
  for (let p = 0; p < n; p++) {
    const src = (idx[p] as number) * d;
    for (let l = 0; l < d; l++) pts[p * d + l] = points[src + l] as number;
  }
  return {
    n,
    d,
    leafSize,
    points: pts,
    order: idx,
    nodes,
    start: start.slice(0, nodes),
    end: end.slice(0, nodes),
    left: left.slice(0, nodes),
    boxLo: boxLo.slice(0, nodes * d),
    boxHi: boxHi.slice(0, nodes * d),
  };
}

/** Reusable scratch of one search: the bounded max-heap and the traversal stack. */
class Searcher {
  readonly heapD: Float64Array;
  readonly heapI: Int32Array;
  size = 0;
  readonly stackN: Int32Array;
  readonly stackD: Float64Array;
  readonly q: Float64Array;
  /** Points whose distance was computed and nodes whose children were examined, over all searches. */
  scanned = 0;
  visited = 0;

  constructor(
    readonly tree: KdTree,
    readonly k: number,
  ) {
    this.heapD = new Float64Array(k);
    this.heapI = new Int32Array(k);
    // Depth ≤ log₂(n) + 2; each level leaves at most one pending sibling.
    this.stackN = new Int32Array(2 * 64 + 4);
    this.stackD = new Float64Array(2 * 64 + 4);
    this.q = new Float64Array(tree.d);
  }

  /**
   * The k nearest tree positions to `this.q`, skipping tree position `skip`
   * (−1: none); the result stays in the heap (max at the root).
   */
  search(skip: number): void {
    const { tree, k, heapD, heapI, stackN, stackD, q } = this;
    const { d, points, start, end, left, boxLo, boxHi } = tree;
    this.size = 0;
    const half = d >> 1;
    let size = 0;
    let worst = Number.POSITIVE_INFINITY;
    let sp = 0;
    stackN[0] = 0;
    stackD[0] = 0;
    sp = 1;
    while (sp > 0) {
      sp--;
      const node = stackN[sp] as number;
      if ((stackD[sp] as number) >= worst) continue;
      const c = left[node] as number;
      if (c < 0) {
        const e = end[node] as number;
        this.scanned += e - (start[node] as number);
        for (let p = start[node] as number; p < e; p++) {
          if (p === skip) continue;
          const o = p * d;
          let s = 0;
          let l = 0;
          for (; l < half; l++) {
            const t = (points[o + l] as number) - (q[l] as number);
            s += t * t;
          }
          // Most scanned points are already too far after half the coordinates.
          if (s >= worst) continue;
          for (; l < d; l++) {
            const t = (points[o + l] as number) - (q[l] as number);
            s += t * t;
          }
          if (size < k) {
            heapPush(heapD, heapI, size++, s, p);
            if (size === k) worst = heapD[0] as number;
          } else if (s < worst) {
            heapReplaceTop(heapD, heapI, k, s, p);
            worst = heapD[0] as number;
          }
        }
        continue;
      }
      // Squared distance from q to each child's box; visit the nearer first.
      this.visited++;
      let dl = 0;
      let dr = 0;
      const bl = c * d;
      const br = bl + d;
      for (let l = 0; l < d; l++) {
        const v = q[l] as number;
        const lo1 = boxLo[bl + l] as number;
        const hi1 = boxHi[bl + l] as number;
        const t1 = v < lo1 ? lo1 - v : v > hi1 ? v - hi1 : 0;
        dl += t1 * t1;
        const lo2 = boxLo[br + l] as number;
        const hi2 = boxHi[br + l] as number;
        const t2 = v < lo2 ? lo2 - v : v > hi2 ? v - hi2 : 0;
        dr += t2 * t2;
      }
      if (dl <= dr) {
        if (dr < worst) {
          stackN[sp] = c + 1;
          stackD[sp++] = dr;
        }
        if (dl < worst) {
          stackN[sp] = c;
          stackD[sp++] = dl;
        }
      } else {
        if (dl < worst) {
          stackN[sp] = c;
          stackD[sp++] = dl;
        }
        if (dr < worst) {
          stackN[sp] = c + 1;
          stackD[sp++] = dr;
        }
      }
    }
    this.size = size;
  }

  /** Writes the heap, ascending, as original rows and squared distances into row `row` of the outputs. */
  emit(row: number, indices: Int32Array, distances: Float64Array): void {
    const { heapD, heapI, k } = this;
    const order = this.tree.order;
    // Heap sort in place: repeatedly move the max to the end.
    for (let size = this.size; size > 1; size--) {
      const topD = heapD[0] as number;
      const topI = heapI[0] as number;
      const s = heapD[size - 1] as number;
      const si = heapI[size - 1] as number;
      heapReplaceTop(heapD, heapI, size - 1, s, si);
      heapD[size - 1] = topD;
      heapI[size - 1] = topI;
    }
    const o = row * k;
    for (let t = 0; t < k; t++) {
      indices[o + t] = order[heapI[t] as number] as number;
      distances[o + t] = heapD[t] as number;
    }
  }
}

/**
 * Searches for queries `from … to−1` (tree positions when `queries` is
 * omitted, the point itself excluded; else rows of `queries`), writing each
 * result into its row of `indices`/`distances` (original row order for
 * tree points). The unit of work shared by kdTreeKnn and its worker threads.
 */
export function kdTreeSearchRange(
  tree: KdTree,
  k: number,
  from: number,
  to: number,
  queries: Float64Array | undefined,
  indices: Int32Array,
  distances: Float64Array,
): void {
  const d = tree.d;
  const s = new Searcher(tree, k);
  const src = queries ?? tree.points;
  for (let i = from; i < to; i++) {
    for (let l = 0; l < d; l++) s.q[l] = src[i * d + l] as number;
    s.search(queries === undefined ? i : -1);
    s.emit(queries === undefined ? (tree.order[i] as number) : i, indices, distances);
  }
}

/** Checks k against the candidates: 1…n−1 without queries (self excluded), 1…n with. */
export function checkTreeK(tree: KdTree, k: number, self: boolean): void {
  const { n } = tree;
  checked('kdTreeKnn', 'k', intIn(1, self ? n - 1 : n), k);
}

/**
 * Exact k nearest neighbours (squared Euclidean) of every tree point among
 * the others (the point itself excluded; duplicates of it are neighbours at
 * distance 0), or of each row of `queries` (m×d) among all tree points.
 * Rows of the result follow the original row order; ascending per row.
 * Tree points are visited in tree order: consecutive queries are close, so
 * the nodes they touch stay in cache. One thread (see kd-tree-parallel.ts).
 */
export function kdTreeKnn(
  tree: KdTree,
  k: number,
  queries?: Float64Array,
): { indices: Int32Array; distances: Float64Array } {
  checkTreeK(tree, k, queries === undefined);
  const m = queries === undefined ? tree.n : Math.floor(queries.length / tree.d);
  const indices = new Int32Array(m * k);
  const distances = new Float64Array(m * k);
  kdTreeSearchRange(tree, k, 0, m, queries, indices, distances);
  return { indices, distances };
}

/**
 * Average work of a search, measured on `samples` queries spread over the
 * tree points (or over the rows of `queries`): distance evaluations and box
 * tests per query, d operations each. Lets a caller predict whether the tree
 * beats brute force on this data (it does when the intrinsic dimension is low).
 */
export function kdTreeProbe(
  tree: KdTree,
  k: number,
  samples: number,
  queries?: Float64Array,
): { scanned: number; visited: number } {
  const { n, d } = tree;
  const m = queries === undefined ? n : Math.floor(queries.length / d);
  const s = new Searcher(tree, Math.min(k, queries === undefined ? n - 1 : n));
  const count = Math.max(1, Math.min(samples, m));
  for (let t = 0; t < count; t++) {
    const i = Math.floor(((t + 0.5) * m) / count);
    const src = queries ?? tree.points; // tree positions stand in for rows when probing the points themselves
    for (let l = 0; l < d; l++) s.q[l] = src[i * d + l] as number;
    s.search(queries === undefined ? i : -1);
  }
  return { scanned: s.scanned / count, visited: s.visited / count };
}
