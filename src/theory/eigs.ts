/**
 * Top-k eigenpairs of a symmetric matrix — the normalized adjacency
 * Ā = D^{-1/2}WD^{-1/2} of an augmentation or proximity graph, whose top
 * eigenvectors give the spectral embedding of HaoChen, Wei, Gaidon, Ma (2021).
 *
 * Two solvers behind one call:
 * - 'dense': LAPACK's symmetric eigensolver (torch.linalg.eigh) on the dense
 *   matrix, O(n³): exact to rounding, for n up to a few thousand;
 * - 'chebyshev': Chebyshev-filtered subspace iteration with locking on the
 *   sparse matrix (chfsi.ts), for 10⁴–10⁶ vertices. A block method: a
 *   multiple eigenvalue (1 with the multiplicity of the number of connected
 *   components, for a graph) comes out with its full eigenspace, which a
 *   single-vector Lanczos such as ARPACK can miss.
 * Either way the residual ‖Āv − λv‖₂ of every returned pair is computed
 * explicitly at the end, from a fresh product.
 */
import {
  checked,
  fail,
  finite as finiteNumber,
  follows,
  intIn,
  nullable,
  type OptionsOf,
  oneOf,
  option,
  optionsPart,
  positive,
  positiveInt,
  resolveOptions,
  type Schema,
  seed as seedCheck,
} from '../options/index.ts';
import { getNumThreads, linalg, opT, sparse, type Tensor, tensor, tidy } from '../tensor/index.ts';
import { chebyshevSubspaceIteration } from './chfsi.ts';
import { CsrOperator } from './csr-operator.ts';
import { checkDenseMemory, denseMatrices, type MemoryEstimate } from './memory.ts';

export interface Eigenpairs {
  /** The k largest (algebraic) eigenvalues, descending. */
  values: Float64Array;
  /** n×k float64, orthonormal columns; column i belongs to values[i]. */
  vectors: Tensor;
  /** ‖Av − λv‖₂ of each pair (v unit), from an explicit product at the end. */
  residuals: Float64Array;
  /** Solver sweeps (1 for 'dense'). */
  iterations: number;
  method: 'dense' | 'chebyshev';
  /** Matrix–vector products (a block of q vectors counts q; 0 for 'dense'). */
  matvecs: number;
  /** Every residual ≤ tol ('dense': always true). */
  converged: boolean;
}

export const EIGS_METHODS = ['auto', 'dense', 'chebyshev'] as const;
export type EigsMethod = (typeof EIGS_METHODS)[number];

/** The options of `topEigenpairs`, declared once (src/options); `log` aside, as it is a function. */
export const EIGS_OPTIONS = {
  method: option(
    oneOf(EIGS_METHODS),
    'auto',
    "the solver: dense (LAPACK's eigh, exact), chebyshev (iterative, for sparse graphs of 10⁴–10⁶ vertices), or auto: dense for a dense matrix or n ≤ 4000",
  ),
  tol: option(positive, 1e-8, 'iterative solver: it stops once every residual ‖Av − θv‖ is at most this'),
  maxIterations: option(positiveInt, 500, 'iterative solver: the most sweeps'),
  seed: option(seedCheck, 0, 'iterative solver: seeds its random start block'),
  blockSize: option(
    nullable(positiveInt),
    follows('k + max(8, ⌈k/2⌉), at most n', () => null),
    'iterative solver: columns of the block, more than k (the wanted pairs plus guards)',
  ),
  maxDegree: option(positiveInt, 80, 'iterative solver: the largest Chebyshev degree in one sweep'),
  lowerBound: option(
    nullable(finiteNumber),
    null,
    'a known lower bound of the spectrum (−1 for a normalized adjacency); tightens the filter interval',
  ),
  threads: option(
    nullable(positiveInt),
    follows("the intra-op pool's thread count when the matrix has ≥ 2·10⁴ stored entries, else 1", () => null),
    'iterative solver: threads for the sparse products',
  ),
} satisfies Schema;

export type EigsOptions = OptionsOf<typeof EIGS_OPTIONS> & {
  /** Iterative solver: one progress line per sweep. */
  log?: (message: string) => void;
};

/** Largest n for which 'auto' picks the dense solver. */
export const DENSE_MAX = 4000;

function checkInput(a: Tensor, k: number): { n: number; isSparse: boolean } {
  if (a === null || typeof a !== 'object' || !Array.isArray(a.shape))
    throw new Error('topEigenpairs: a must be a Tensor');
  const [n, m] = a.shape;
  if (a.shape.length !== 2 || n !== m)
    throw new Error(`topEigenpairs: a must be a square n×n matrix, got shape [${a.shape}]`);
  if (a.dtype !== 'float64') throw new Error(`topEigenpairs: a must be float64, got ${a.dtype}`);
  const layout = a.layout;
  if (layout !== 'Strided' && layout !== 'SparseCsr') {
    throw new Error(`topEigenpairs: a must be dense (strided) or sparse CSR, got layout ${layout}`);
  }
  checked('topEigenpairs', 'k', intIn(1, n as number), k);
  return { n: n as number, isSparse: layout === 'SparseCsr' };
}

/**
 * The peak memory of the dense solver on an n×n matrix beyond the matrix
 * itself: LAPACK's eigh (dsyevd) holds the eigenvectors (its copy of the
 * input) and a workspace of 1 + 6n + 2n² doubles, 3 n×n float64 in all, and
 * a sparse input is made dense first (one more).
 */
export function denseEigsMemory(sparseInput: boolean): MemoryEstimate {
  return denseMatrices(sparseInput ? 4 : 3);
}

/** Dense eigh: the k largest pairs, descending, with residuals. */
function denseTop(a: Tensor, k: number, isSparse: boolean): Eigenpairs {
  return tidy(() => {
    const dense = isSparse ? sparse.toDense(a) : a;
    const n = dense.shape[0] as number;
    // The checks free their n×n temporaries before eigh needs its own (see denseEigsMemory).
    const asym = tidy(() => {
      const diff = dense.sub(dense.t());
      opT('aten::abs_', [diff]);
      return diff.max().item();
    });
    const scale = tidy(() => dense.abs().max().item());
    if (asym > 1e-10 * Math.max(scale, 1e-300))
      throw new Error(`topEigenpairs: a must be symmetric (max |A − Aᵀ| = ${asym})`);
    const { values, vectors } = linalg.eigh(dense);
    const idx = tensor(
      Int32Array.from({ length: k }, (_, i) => n - 1 - i),
      [k],
    ).long();
    const vals = values.indexSelect(0, idx);
    const vecs = vectors.indexSelect(1, idx).contiguous();
    const res = dense
      .mm(vecs)
      .sub(vecs.mul(vals.reshape(1, k)))
      .norm(2, [0]);
    return {
      values: vals.data() as Float64Array,
      vectors: vecs,
      residuals: res.data() as Float64Array,
      iterations: 1,
      method: 'dense' as const,
      matvecs: 0,
      converged: true,
    };
  });
}

/** Probabilistic symmetry check of a sparse operator: |xᵀAy − yᵀAx| for seeded random x, y. */
function checkSparseSymmetric(op: CsrOperator, seed: number): void {
  const n = op.n;
  let s = (seed * 2654435761 + 12345) >>> 0;
  const rand = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  };
  const xy = new Float64Array(2 * n);
  for (let i = 0; i < 2 * n; i++) xy[i] = rand();
  const out = new Float64Array(2 * n);
  op.multiply(xy, out, 2, 2);
  let xAy = 0;
  let yAx = 0;
  let nx = 0;
  let ny = 0;
  for (let i = 0; i < n; i++) {
    xAy += (xy[2 * i] as number) * (out[2 * i + 1] as number);
    yAx += (xy[2 * i + 1] as number) * (out[2 * i] as number);
    nx += (xy[2 * i] as number) ** 2;
    ny += (xy[2 * i + 1] as number) ** 2;
  }
  let fro = 0;
  for (let p = 0; p < op.val.length; p++) fro += (op.val[p] as number) ** 2;
  if (Math.abs(xAy - yAx) > 1e-10 * Math.sqrt(fro * nx * ny)) {
    throw new Error(`topEigenpairs: a must be symmetric (xᵀAy − yᵀAx = ${xAy - yAx} for random x, y)`);
  }
}

/**
 * The k largest eigenpairs of the symmetric float64 matrix `a` (dense or
 * sparse CSR): `values` descending, `vectors` n×k orthonormal, and the
 * explicit residual ‖Av − λv‖₂ of each pair. See the module comment for the
 * two solvers; the iterative one stops when every residual is ≤ `tol` (or
 * after `maxIterations` sweeps, with `converged: false`). Deterministic for a
 * given `seed`. The caller owns `vectors` (it joins the enclosing tidy scope).
 */
export function topEigenpairs(a: Tensor, k: number, o: EigsOptions = {}): Eigenpairs {
  const { n, isSparse } = checkInput(a, k);
  const log = o?.log;
  if (log !== undefined && typeof log !== 'function') fail('topEigenpairs', 'log', 'a function', log);
  const { method, tol, maxIterations, maxDegree, seed, lowerBound, ...rest } = resolveOptions(
    EIGS_OPTIONS,
    optionsPart(o, ['log']),
    'topEigenpairs',
  );
  const finite = tidy(() => (isSparse ? sparse.values(a) : a).isfinite().all().item());
  if (!finite) throw new Error('topEigenpairs: a must hold finite values only (found NaN or ±Infinity)');

  const useDense = method === 'dense' || (method === 'auto' && (!isSparse || n <= DENSE_MAX));
  if (useDense) {
    checkDenseMemory({
      owner: 'topEigenpairs',
      key: 'n',
      n,
      estimate: denseEigsMemory(isSparse),
      alternative: "the iterative solver on a sparse matrix (method: 'chebyshev', a CSR matrix)",
    });
    return denseTop(a, k, isSparse);
  }

  const p = rest.blockSize ?? Math.min(n, k + Math.max(8, Math.ceil(k / 2)));
  checked('topEigenpairs', 'blockSize', intIn(k + 1, n), p);
  const given = isSparse ? CsrOperator.fromTensor(a) : tidy(() => CsrOperator.fromTensor(sparse.toCsr(a)));
  checkSparseSymmetric(given, seed);
  // Solve for PAPᵀ in breadth-first vertex order (cache locality of the products), then permute back.
  const { op, position } = given.bandwidthOrdered();
  const threads = rest.threads ?? (op.val.length >= 20_000 ? getNumThreads() : 1);
  let r: ReturnType<typeof chebyshevSubspaceIteration>;
  try {
    r = chebyshevSubspaceIteration(op, {
      k,
      blockSize: p,
      tol,
      maxIterations,
      seed,
      maxDegree,
      lowerBound: lowerBound ?? undefined,
      threads,
      log,
    });
  } finally {
    op.close(); // idempotent: frees the workspaces on every path
  }
  // Residuals from a fresh product, not the solver's bookkeeping.
  const residuals = tidy(() => {
    const av = op.product(r.vectors.data() as Float64Array, k);
    return tensor(av, [n, k])
      .sub(r.vectors.mul(tensor(r.values, [1, k])))
      .norm(2, [0])
      .data() as Float64Array;
  });
  const vectors = tidy(() => r.vectors.indexSelect(0, tensor(position, [n]).long()));
  r.vectors.dispose();
  return {
    values: r.values,
    vectors,
    residuals,
    iterations: r.iterations,
    method: 'chebyshev',
    matvecs: given.products + op.products,
    converged: residuals.every((v) => v <= tol),
  };
}

/**
 * Eigengap λ_k − λ_{k+1} (k 1-based, `values` descending): the gap after the
 * k-th eigenvalue, large when the graph has k well-separated clusters.
 */
export function eigengap(values: ArrayLike<number>, k: number): number {
  checked('eigengap', 'k', positiveInt, k);
  if (values.length < k + 1)
    throw new Error(`eigengap: needs at least k + 1 = ${k + 1} eigenvalues, got ${values.length}`);
  for (let i = 0; i + 1 < values.length; i++) {
    if ((values[i] as number) < (values[i + 1] as number))
      throw new Error('eigengap: values must be in descending order');
  }
  return (values[k - 1] as number) - (values[k] as number);
}
