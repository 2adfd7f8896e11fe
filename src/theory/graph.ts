/**
 * Weighted undirected graphs for the theory lab: the augmentation graph of
 * HaoChen, Wei, Gaidon, Ma (2021) and its proximity-graph approximations.
 *
 * A graph is its symmetric, non-negative weight matrix W (float64), stored
 * dense (n×n) for small vertex sets or as a sparse CSR matrix for large ones.
 * Degrees `w_x = Σ_{x′} w(x,x′)`; normalized adjacency `Ā = D^{-1/2} W D^{-1/2}`.
 */
import { checked, fail, intIn, nonNegative, positiveInt } from '../options/index.ts';
import { opT, sparse, type Tensor, tensor, tidy } from '../tensor/index.ts';

/** A weighted undirected graph over vertices 0…n−1. */
export interface Graph {
  /** Number of vertices. */
  readonly n: number;
  /** W: symmetric non-negative float64, dense n×n or sparse CSR n×n. */
  readonly weights: Tensor;
  /** True when `weights` is a sparse CSR matrix. */
  readonly sparse: boolean;
}

/** Wraps a dense symmetric weight matrix (checked: square, float64, symmetric to 1e-12 relative, non-negative). */
export function denseGraph(weights: Tensor): Graph {
  const [n, m] = weights.shape;
  if (weights.shape.length !== 2 || n !== m)
    throw new Error(`denseGraph: weights must be square n×n, got [${weights.shape}]`);
  if (weights.dtype !== 'float64') throw new Error(`denseGraph: weights must be float64, got ${weights.dtype}`);
  // One n×n temporary at a time (the difference, made absolute in place): these checks run on
  // matrices that may take a large share of memory.
  if (tidy(() => weights.lt(0).any().item())) throw new Error('denseGraph: weights must be non-negative');
  const scale = tidy(() => weights.max().item());
  const asym = tidy(() => {
    const diff = weights.sub(weights.t());
    opT('aten::abs_', [diff]);
    return diff.max().item();
  });
  if (asym > 1e-12 * Math.max(scale, 1e-300))
    throw new Error(`denseGraph: weights must be symmetric (max |W − Wᵀ| = ${asym})`);
  return { n: n as number, weights, sparse: false };
}

/**
 * A sparse graph from an edge list (row, col, weight). Duplicate entries are
 * summed; with `symmetrize` (default true) W ← (W + Wᵀ)/2 — pass edges once
 * per direction and `symmetrize: false` when the list is already symmetric.
 */
export function graphFromEdges(
  n: number,
  rows: Int32Array | Float64Array | number[],
  cols: Int32Array | Float64Array | number[],
  values: Float64Array | number[],
  o: { symmetrize?: boolean } = {},
): Graph {
  checked('graphFromEdges', 'n', positiveInt, n);
  const vertex = intIn(0, n - 1);
  const e = rows.length;
  if (cols.length !== e || values.length !== e) {
    throw new Error(
      `graphFromEdges: rows, cols and values must have one length (${e}, ${cols.length}, ${values.length})`,
    );
  }
  for (let i = 0; i < e; i++) {
    const r = rows[i] as number;
    const c = cols[i] as number;
    const v = values[i] as number;
    // The checks inline on this hot path; a failure is reported by the shared checks' message.
    if (!(r >= 0 && r < n && Number.isInteger(r))) fail('graphFromEdges', `rows[${i}]`, vertex.expect, r);
    if (!(c >= 0 && c < n && Number.isInteger(c))) fail('graphFromEdges', `cols[${i}]`, vertex.expect, c);
    if (!(v >= 0 && Number.isFinite(v))) checked('graphFromEdges', `values[${i}]`, nonNegative, v);
  }
  const symmetrize = o.symmetrize ?? true;
  const idx = new BigInt64Array(2 * e * (symmetrize ? 2 : 1));
  const val = new Float64Array(e * (symmetrize ? 2 : 1));
  for (let i = 0; i < e; i++) {
    idx[i] = BigInt(rows[i] as number);
    idx[val.length + i] = BigInt(cols[i] as number);
    val[i] = symmetrize ? (values[i] as number) / 2 : (values[i] as number);
    if (symmetrize) {
      idx[e + i] = BigInt(cols[i] as number);
      idx[val.length + e + i] = BigInt(rows[i] as number);
      val[e + i] = (values[i] as number) / 2;
    }
  }
  const weights = tidy(() => {
    const coo = sparse.sparseCoo(tensor(idx, [2, val.length]), tensor(val), [n, n]);
    return sparse.toCsr(sparse.coalesce(coo));
  });
  return { n, weights, sparse: true };
}

/** Degrees w_x = Σ_{x′} w(x,x′) as a float64 vector of length n. */
export function degrees(g: Graph): Tensor {
  return tidy(() => {
    if (!g.sparse) return g.weights.sum(1);
    const ones = tensor(new Float64Array(g.n).fill(1), [g.n, 1]);
    return sparse.spmm(g.weights, ones).reshape(g.n);
  });
}

/**
 * Normalized adjacency Ā = D^{-1/2} W D^{-1/2}, in the graph's storage
 * (dense or CSR). Isolated vertices (w_x = 0) get zero rows and columns.
 */
export function normalizedAdjacency(g: Graph): Tensor {
  return tidy(() => {
    const d = degrees(g);
    const inv = d.gt(0).double().mul(d.clamp(1e-300).rsqrt());
    if (!g.sparse) return g.weights.mul(inv.reshape(g.n, 1)).mul(inv.reshape(1, g.n));
    const rows = sparse.csrRowIndices(g.weights);
    const col = sparse.colIndices(g.weights);
    const scaled = sparse.values(g.weights).mul(inv.indexSelect(0, rows)).mul(inv.indexSelect(0, col));
    return sparse.sparseCsr(sparse.crowIndices(g.weights), col, scaled, [g.n, g.n]);
  });
}
/** Ā·X for a graph given by its (dense or CSR) normalized adjacency. */
export function multiply(a: Tensor, x: Tensor): Tensor {
  return a.layout === 'Strided' ? a.mm(x) : sparse.spmm(a, x);
}
