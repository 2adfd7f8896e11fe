/**
 * Conductance of vertex sets, sweep cuts and the Cheeger estimate, on dense
 * or sparse (CSR) graphs.
 *
 * Dirichlet conductance (HaoChen, Wei, Gaidon, Ma 2021, Definition 3.4):
 *   φ(S) = w(S, V∖S) / w(S),   w(S, T) = Σ_{x∈S, x′∈T} w(x, x′),   w(S) = Σ_{x∈S} w_x.
 * The Cheeger constant h_G = min over S with w(S) ≤ w(V)/2 of φ(S) satisfies
 * (1 − λ₂)/2 ≤ h_G ≤ √(2(1 − λ₂)) for the second-largest eigenvalue λ₂ of
 * Ā = D^{-1/2} W D^{-1/2} (Cheeger's inequality, Chung 1997, Ch. 2), and the
 * sweep over D^{-1/2}v₂ finds a set within the upper bound.
 */
import { checked, fail, finite, intIn } from '../options/index.ts';
import { opT, sparse, type Tensor, tensor, tidy } from '../tensor/index.ts';
import { DENSE_MAX, type EigsOptions, topEigenpairs } from './eigs.ts';
import { degrees, type Graph, multiply, normalizedAdjacency } from './graph.ts';

/** A graph's weights on the host, row by row: entries crow[v]…crow[v+1]−1 of col/val. */
interface HostAdjacency {
  n: number;
  crow: Float64Array;
  col: Int32Array;
  val: Float64Array;
}

/** Validated vertex ids: integers in 0…n−1, without repeats. */
function vertexIds(n: number, vertices: ArrayLike<number>, fn: string, what = 'vertices'): Int32Array {
  const ids = new Int32Array(vertices.length);
  const seen = new Uint8Array(n);
  const vertex = intIn(0, n - 1);
  for (let i = 0; i < vertices.length; i++) {
    const v = checked(fn, `${what}[${i}]`, vertex, vertices[i]);
    if (seen[v]) fail(fn, `${what}[${i}]`, `a vertex not listed before (${what} repeats ${v})`, v);
    seen[v] = 1;
    ids[i] = v;
  }
  return ids;
}

/** A set given as ids (repeats allowed) or as a Uint8Array mask of length n, as a 0/1 mask. */
function setMask(n: number, set: Int32Array | number[] | Uint8Array, fn: string): { mask: Uint8Array; size: number } {
  const mask = new Uint8Array(n);
  if (set instanceof Uint8Array) {
    if (set.length !== n)
      throw new Error(`${fn}: a Uint8Array set is a mask and must have length n = ${n}, got ${set.length}`);
    for (let v = 0; v < n; v++) mask[v] = set[v] ? 1 : 0;
  } else {
    const vertex = intIn(0, n - 1);
    for (let i = 0; i < set.length; i++) mask[checked(fn, `set[${i}]`, vertex, set[i])] = 1;
  }
  let size = 0;
  for (let v = 0; v < n; v++) size += mask[v] as number;
  return { mask, size };
}

/**
 * Dirichlet conductance φ(S) = w(S, V∖S) / w(S) of a proper non-empty vertex
 * set S, in O(nnz). `set` lists vertex ids (repeats ignored) or, as a
 * Uint8Array of length n, is a 0/1 mask. Self-loops count in w(S), never in the cut.
 */
export function conductance(g: Graph, set: Int32Array | number[] | Uint8Array): number {
  const { mask, size } = setMask(g.n, set, 'conductance');
  if (size === 0) throw new Error('conductance: set must not be empty');
  if (size === g.n) throw new Error('conductance: set must not be all vertices (V∖S is empty)');
  const [cut, volume] = tidy(() => {
    const inS = tensor(Float64Array.from(mask), [g.n, 1]);
    const out = multiply(g.weights, inS.neg().add(1)); // W·1_{V∖S}
    return [inS.mul(out).sum().item(), inS.reshape(g.n).mul(degrees(g)).sum().item()];
  });
  if (!(volume > 0)) throw new Error('conductance: w(S) = 0 (every vertex of the set is isolated)');
  return cut / volume;
}

/**
 * The subgraph induced by `vertices` (distinct ids; new vertex i is
 * vertices[i]): dense graphs give a dense submatrix, CSR graphs a CSR one.
 */
export function inducedSubgraph(g: Graph, vertices: Int32Array | number[]): Graph {
  const ids = vertexIds(g.n, vertices, 'inducedSubgraph');
  const m = ids.length;
  if (m === 0) throw new Error('inducedSubgraph: vertices must not be empty');
  const weights = tidy(() => {
    const idx = tensor(BigInt64Array.from(ids, BigInt));
    if (!g.sparse) return g.weights.indexSelect(0, idx).indexSelect(1, idx);
    // Old id → new id (−1 outside), then keep the entries whose both ends are inside.
    const renumber = tensor(new BigInt64Array(g.n).fill(-1n)).scatter(
      0,
      idx,
      tensor(BigInt64Array.from({ length: m }, (_, i) => BigInt(i))),
    );
    const r = renumber.indexSelect(0, sparse.csrRowIndices(g.weights));
    const c = renumber.indexSelect(0, sparse.colIndices(g.weights));
    const keep = opT('aten::logical_and', [r.ge(0), c.ge(0)]);
    const indices = opT('aten::stack', [[r.maskedSelect(keep), c.maskedSelect(keep)], 0]);
    const coo = sparse.sparseCoo(indices, sparse.values(g.weights).maskedSelect(keep), [m, m]);
    return sparse.toCsr(sparse.coalesce(coo));
  });
  return { n: m, weights, sparse: g.sparse };
}

/** The graph's non-zero weights on the host, by rows (dense graphs are scanned once, O(n²)). */
function hostAdjacency(g: Graph): HostAdjacency {
  const n = g.n;
  if (g.sparse) {
    return tidy(() => ({
      n,
      crow: sparse.crowIndices(g.weights).double().data() as Float64Array,
      col: sparse.colIndices(g.weights).to('int32').data() as Int32Array,
      val: sparse.values(g.weights).data() as Float64Array,
    }));
  }
  const w = g.weights.contiguous();
  const dense = w.data() as Float64Array;
  if (w !== g.weights) w.dispose();
  let nnz = 0;
  for (let i = 0; i < dense.length; i++) if (dense[i] !== 0) nnz++;
  const crow = new Float64Array(n + 1);
  const col = new Int32Array(nnz);
  const val = new Float64Array(nnz);
  let e = 0;
  for (let v = 0; v < n; v++) {
    for (let u = 0; u < n; u++) {
      const x = dense[v * n + u] as number;
      if (x !== 0) {
        col[e] = u;
        val[e++] = x;
      }
    }
    crow[v + 1] = e;
  }
  return { n, crow, col, val };
}

/**
 * The sweep over one ordering: prefixes S_t (t = 1…n−1) of the vertices sorted
 * by score, each taken on its lighter side (S_t, or V∖S_t when w(S_t) > w(V)/2),
 * with the cut updated incrementally — O(nnz + n log n) in all.
 * Returns positions (0…n−1) of the best set; sets of zero weight are skipped.
 */
function sweepPositions(adj: HostAdjacency, scores: Float64Array): Int32Array {
  const { n, crow, col, val } = adj;
  const deg = new Float64Array(n);
  const self = new Float64Array(n);
  let total = 0;
  for (let v = 0; v < n; v++) {
    let s = 0;
    for (let e = crow[v] as number; e < (crow[v + 1] as number); e++) {
      s += val[e] as number;
      if (col[e] === v) self[v] = (self[v] as number) + (val[e] as number);
    }
    deg[v] = s;
    total += s;
  }
  const order = Int32Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => (scores[a] as number) - (scores[b] as number) || a - b,
  );
  const inS = new Uint8Array(n);
  let cut = 0;
  let volume = 0;
  let best = Number.POSITIVE_INFINITY;
  let bestT = -1;
  let bestPrefix = true;
  for (let t = 0; t < n - 1; t++) {
    const v = order[t] as number;
    // Adding v: its edges to V∖(S∪{v}) join the cut, its edges to S leave it.
    let toS = 0;
    for (let e = crow[v] as number; e < (crow[v + 1] as number); e++)
      if (inS[col[e] as number]) toS += val[e] as number;
    cut += (deg[v] as number) - (self[v] as number) - 2 * toS;
    volume += deg[v] as number;
    inS[v] = 1;
    const prefix = volume <= total - volume;
    const lighter = prefix ? volume : total - volume;
    if (lighter > 0) {
      const phi = Math.max(cut, 0) / lighter;
      if (phi < best) {
        best = phi;
        bestT = t;
        bestPrefix = prefix;
      }
    }
  }
  if (bestT < 0) throw new Error('sweepCut: every prefix has a side of zero weight (the graph has no edges)');
  const chosen = bestPrefix ? order.subarray(0, bestT + 1) : order.subarray(bestT + 1);
  return Int32Array.from(chosen).sort();
}

/** Finite scores as float64, one per vertex of g. */
function scoreArray(n: number, scores: Float64Array | Tensor): Float64Array {
  const s = scores instanceof Float64Array ? scores : tidy(() => scores.double().reshape(-1).data() as Float64Array);
  if (s.length !== n) throw new Error(`sweepCut: scores must have one entry per vertex (n = ${n}), got ${s.length}`);
  for (let v = 0; v < n; v++) checked('sweepCut', `scores[${v}]`, finite, s[v]);
  return s;
}

/**
 * Sweep cut: sorts the vertices by score and returns the best set among the
 * prefixes S_t and their complements, always the side with w(S) ≤ w(V)/2, by
 * Dirichlet conductance — O(nnz + n log n) by incremental cut updates. With
 * `vertices`, only those are swept, in the subgraph they induce (weights and
 * conductance measured there). `scores` has one entry per vertex of g.
 * The returned conductance is recomputed exactly for the returned set; the set
 * lists vertex ids of g, ascending.
 */
export function sweepCut(
  g: Graph,
  scores: Float64Array | Tensor,
  o: { vertices?: Int32Array | number[] } = {},
): { set: Int32Array; conductance: number } {
  const all = scoreArray(g.n, scores);
  const ids = o.vertices ? vertexIds(g.n, o.vertices, 'sweepCut', 'vertices') : null;
  const m = ids ? ids.length : g.n;
  if (m < 2) throw new Error(`sweepCut: needs at least 2 vertices, got ${m}`);
  const sub = ids ? inducedSubgraph(g, ids) : g;
  try {
    const local = ids ? Float64Array.from(ids, (v) => all[v] as number) : all;
    const positions = sweepPositions(hostAdjacency(sub), local);
    return {
      set: ids ? Int32Array.from(positions, (p) => ids[p] as number).sort() : positions,
      conductance: conductance(sub, positions),
    };
  } finally {
    if (sub !== g) sub.weights.dispose();
  }
}

/**
 * Second-largest eigenpair of the normalized adjacency `a` (m rows) by topEigenpairs: dense eigh up
 * to its DENSE_MAX rows, the sparse Chebyshev solver above (spectrum known to lie in [−1, 1]).
 */
function secondEigenpair(a: Tensor, m: number, eigs: EigsOptions): { lambda2: number; vector: Float64Array } {
  return tidy(() => {
    const input = a.layout === 'Strided' && m > DENSE_MAX ? sparse.toCsr(a) : a;
    const r = topEigenpairs(input, 2, { lowerBound: -1, ...eigs });
    if (!r.converged) {
      throw new Error(
        `cheegerEstimate: the eigensolver did not converge in ${r.iterations} sweeps (largest residual ${Math.max(...r.residuals).toExponential(2)}); pass eigs: { maxIterations, tol }`,
      );
    }
    return {
      lambda2: r.values[1] as number,
      vector: r.vectors.select(1, 1).contiguous().data() as Float64Array,
    };
  });
}

export interface CheegerEstimate {
  /** Dirichlet conductance of the sweep set (an upper bound on the Cheeger constant h). */
  conductance: number;
  /** The sweep set (vertex ids of g, ascending), the lighter side. */
  set: Int32Array;
  /** Second-largest eigenvalue of the (sub)graph's Ā. */
  lambda2: number;
  /** (1 − λ₂)/2 ≤ h. */
  lower: number;
  /** h ≤ √(2(1 − λ₂)); the sweep conductance also satisfies it. */
  upper: number;
  /** Vertices of zero degree inside the subgraph, left out (no set of them has a conductance). */
  isolated: number;
}

/**
 * Cheeger estimate of the subgraph induced by `vertices` (default: all of g):
 * the Fiedler vector v₂ of its Ā (second-largest eigenvalue λ₂), the sweep
 * over D^{-1/2}v₂, and the bounds (1 − λ₂)/2 ≤ h ≤ √(2(1 − λ₂)).
 * Vertices isolated inside the subgraph are left out and counted in `isolated`.
 * v₂ comes from topEigenpairs: dense eigh up to 4000 vertices, the sparse
 * iterative solver above (`eigs` passes its options, e.g. maxIterations).
 */
export function cheegerEstimate(
  g: Graph,
  vertices?: Int32Array | number[],
  o: { eigs?: EigsOptions } = {},
): CheegerEstimate {
  let ids = vertices ? vertexIds(g.n, vertices, 'cheegerEstimate') : Int32Array.from({ length: g.n }, (_, i) => i);
  let sub = vertices ? inducedSubgraph(g, ids) : g;
  const owned: Graph[] = sub === g ? [] : [sub];
  try {
    const deg = tidy(() => degrees(sub).data() as Float64Array);
    const keep: number[] = [];
    for (let v = 0; v < deg.length; v++) if ((deg[v] as number) > 0) keep.push(v);
    const isolated = deg.length - keep.length;
    if (keep.length < 2) {
      throw new Error(
        `cheegerEstimate: needs at least 2 vertices of positive degree in the subgraph, got ${keep.length}`,
      );
    }
    if (isolated > 0) {
      sub = inducedSubgraph(sub, keep);
      owned.push(sub);
      ids = Int32Array.from(keep, (v) => ids[v] as number);
    }
    const m = keep.length;
    const { lambda2, vector } = tidy(() => secondEigenpair(normalizedAdjacency(sub), m, o.eigs ?? {}));
    const scores = Float64Array.from(vector, (x, i) => x / Math.sqrt(deg[keep[i] as number] as number));
    const positions = sweepPositions(hostAdjacency(sub), scores);
    const gap = Math.max(0, 1 - lambda2);
    return {
      conductance: conductance(sub, positions),
      set: Int32Array.from(positions, (p) => ids[p] as number).sort(),
      lambda2,
      lower: gap / 2,
      upper: Math.sqrt(2 * gap),
      isolated,
    };
  } finally {
    for (const s of owned) s.weights.dispose();
  }
}
