/**
 * Chebyshev-filtered subspace iteration (ChFSI) for the k largest eigenpairs
 * of a sparse symmetric matrix: Zhou, Saad, Tiago, Chelikowsky (2006), with
 * per-vector filter degrees and locking as in ChASE (Winkelmann, Springer,
 * Di Napoli 2019, "ChASE: Chebyshev accelerated subspace iteration eigensolver").
 *
 * One sweep on an orthonormal active block X (n×q, q = p − locked columns):
 * 1. cut b = smallest Ritz value of the block, lower end a ≤ λ_min (short
 *    Lanczos estimate, widened 5 %), normalization point = largest Ritz value;
 * 2. filter: X ← p_{d_j}(A)·x_j per column (chebyshev-filter.ts), with the
 *    degree d_j that should bring the column's residual r_j below tol/10
 *    given its Ritz value θ_j: |C_d(t_j)| ≈ ρ_j^d, t_j = (θ_j − c)/e,
 *    ρ_j = t_j + √(t_j² − 1), d_j = ⌈ln(r_j/(tol/10)) / ln ρ_j⌉; the
 *    guard columns (beyond the wanted ones) share the largest wanted degree;
 * 3. orthonormalize against the locked vectors (classical Gram–Schmidt, twice)
 *    and within the block (Householder QR);
 * 4. Rayleigh–Ritz: H = XᵀAX, H = SΘSᵀ, X ← XS, residuals ‖AXs − θXs‖ from the
 *    product AX computed explicitly;
 * 5. lock the leading wanted Ritz pairs whose residual is ≤ tol.
 * The block keeps p − k guard columns beyond the k wanted ones: the filter's
 * convergence factor for λ_i is about 1/ρ_i with the cut at λ_{p+1}, so the
 * guard moves the cut away from λ_k.
 *
 * Sparse products run in CsrOperator's loops; dense block algebra (QR, XᵀAX,
 * eigh of q×q, X·S) in libtorch.
 */
import { checked, intIn } from '../options/index.ts';
import { cat, Generator, linalg, randn, type Tensor, tensor, tidy } from '../tensor/index.ts';
import { chebyshevFilter } from './chebyshev-filter.ts';
import type { CsrOperator } from './csr-operator.ts';
import { lanczosExtremes } from './spectrum-bounds.ts';

export interface ChfsiOptions {
  /** Number of wanted (largest) eigenpairs. */
  k: number;
  /** p ≥ k + 1: columns in the block (wanted + guard). */
  blockSize: number;
  /** Convergence: every residual ‖Av − θv‖ ≤ tol (v unit). */
  tol: number;
  /** Maximum number of sweeps. */
  maxIterations: number;
  /** Seed of the random start block and of the Lanczos start vector. */
  seed: number;
  /** Largest filter degree in one sweep. */
  maxDegree: number;
  /** Known lower bound of the spectrum (e.g. −1 for a normalized adjacency): the estimate never goes below it. */
  lowerBound?: number;
  /** Threads of libtorch's pool for the sparse products. */
  threads: number;
  /** Progress callback, one line per sweep. */
  log?: (message: string) => void;
}

export interface ChfsiResult {
  /** The k largest Ritz values, descending. */
  values: Float64Array;
  /** n×k orthonormal Ritz vectors (caller disposes). */
  vectors: Tensor;
  /** Residual of each pair from the last Rayleigh–Ritz step it took part in. */
  residuals: Float64Array;
  /** Sweeps taken. */
  iterations: number;
  /** True when every residual reached tol. */
  converged: boolean;
}

/** Rayleigh–Ritz on an orthonormal block: Ritz values descending, Ritz vectors, residual norms. */
function rayleighRitz(op: CsrOperator, y: Tensor): { x: Tensor; theta: Float64Array; res: Float64Array } {
  return tidy(() => {
    const [n, q] = y.shape as [number, number];
    const AY = tensor(op.product(y.data() as Float64Array, q), [n, q]);
    const h = y.t().mm(AY);
    const { values, vectors } = linalg.eigh(h.add(h.t()).mul(0.5));
    const S = vectors.flip(1);
    const x = y.mm(S).contiguous();
    const ax = AY.mm(S);
    const theta = values.flip(0);
    const res = ax.sub(x.mul(theta.reshape(1, q))).norm(2, [0]);
    return { x, theta: theta.data() as Float64Array, res: res.data() as Float64Array };
  });
}

/** Orthonormal basis of span(f) ⟂ span(locked): Gram–Schmidt against `locked` twice, QR, once more each. */
function orthonormalize(f: Tensor, locked: Tensor | null): Tensor {
  return tidy(() => {
    let y = f;
    const project = (z: Tensor): Tensor => (locked === null ? z : z.sub(locked.mm(locked.t().mm(z))));
    y = project(project(y));
    y = linalg.qr(y).Q;
    if (locked !== null) y = linalg.qr(project(y)).Q;
    return y.contiguous();
  });
}

/** ChFSI for the k largest eigenpairs of the symmetric operator; see the module comment. */
export function chebyshevSubspaceIteration(op: CsrOperator, o: ChfsiOptions): ChfsiResult {
  const { n } = op;
  const { k, tol } = o;
  const p = o.blockSize;
  checked('chebyshevSubspaceIteration', 'blockSize', intIn(k + 1, n), p);
  const est = lanczosExtremes(op, Math.min(n, 40), o.seed + 1);
  op.prepare(o.threads, p);
  let lower = est.min - 0.05 * Math.max(est.max - est.min, 1e-12);
  if (o.lowerBound !== undefined) lower = Math.max(lower, o.lowerBound);
  const minDegree = 4;
  const firstDegree = 10;

  const start = tidy(() =>
    linalg
      .qr(randn([n, p], { dtype: 'float64', generator: new Generator(o.seed) }))
      .Q.contiguous()
      .keep(),
  );
  let { x, theta, res } = rayleighRitz(op, start);
  x.keep();
  start.dispose();
  let locked: Tensor | null = null;
  const lockedValues: number[] = [];
  const lockedRes: number[] = [];
  let iterations = 0;
  try {
    while (lockedValues.length < k && iterations < o.maxIterations) {
      iterations++;
      const q = p - lockedValues.length;
      const wanted = k - lockedValues.length;
      const cut = theta[q - 1] as number;
      const a = Math.min(lower, cut - 1e-12 * Math.max(1, Math.abs(cut)));
      const e = (cut - a) / 2;
      const c = (cut + a) / 2;
      // Normalize at, and cap the degree by, the largest eigenvalue of the whole operator: the filter
      // also amplifies the rounding-level components of locked eigenvectors, which must stay small.
      const top = Math.max(theta[0] as number, ...lockedValues, est.max);
      // ρ = t + √(t² − 1): growth per degree of C_d at t = (θ − c)/e.
      const growth = (th: number): number => {
        const t = (th - c) / e;
        return t > 1 ? t + Math.sqrt(t * t - 1) : 1;
      };
      // Cap: nothing may grow by more than 1e12 relative to the damped interval, or the block loses its lower columns.
      const gTop = growth(top);
      // The first sweeps double the degree from firstDegree: until the cut settles near λ_{p+1}, long filters are wasted.
      const ramp = Math.min(o.maxDegree, firstDegree * 2 ** (iterations - 1));
      const cap = gTop > 1 ? Math.max(minDegree, Math.min(ramp, Math.floor(Math.log(1e12) / Math.log(gTop)))) : ramp;
      const degrees = new Array<number>(q);
      let guard = minDegree;
      for (let j = 0; j < q; j++) {
        let d: number;
        if (iterations === 1) d = cap;
        else if (j >= wanted) d = guard;
        else if ((res[j] as number) <= tol) d = minDegree;
        else {
          const g = growth(theta[j] as number);
          d = g > 1 ? Math.ceil(Math.log((res[j] as number) / (0.1 * tol)) / Math.log(g)) : cap;
          d = Math.max(minDegree, Math.min(cap, d));
        }
        degrees[j] = d;
        if (j < wanted) guard = Math.max(guard, d);
      }
      const order = Array.from({ length: q }, (_, j) => j).sort(
        (i, j) => (degrees[j] as number) - (degrees[i] as number) || i - j,
      );
      const sorted = order.map((j) => degrees[j] as number);
      const filtered = tidy(() => {
        const xs = x.indexSelect(1, tensor(Int32Array.from(order), [q]).long()).contiguous();
        const f = chebyshevFilter(op, xs.data() as Float64Array, q, sorted, { lower: a, cut, top });
        return orthonormalize(tensor(f, [n, q]), locked);
      });
      x.dispose();
      ({ x, theta, res } = rayleighRitz(op, filtered));
      x.keep();
      filtered.dispose();
      let lock = 0;
      while (lock < k - lockedValues.length && (res[lock] as number) <= tol) lock++;
      o.log?.(
        `sweep ${iterations}: degrees ${sorted[0]}…${sorted[q - 1]} (Σ ${sorted.reduce((s, d) => s + d, 0)}), cut ${cut.toPrecision(8)}, ` +
          `max wanted residual ${Math.max(...Array.from(res.subarray(0, wanted))).toExponential(2)}, locked ${lockedValues.length}+${lock}, products ${op.products}`,
      );
      if (lock > 0) {
        const newLocked = tidy(() => {
          const add = x.narrow(1, 0, lock);
          return (locked === null ? add.contiguous() : cat([locked, add], 1)).keep();
        });
        const rest = tidy(() =>
          x
            .narrow(1, lock, q - lock)
            .contiguous()
            .keep(),
        );
        locked?.dispose();
        x.dispose();
        locked = newLocked;
        x = rest;
        for (let j = 0; j < lock; j++) {
          lockedValues.push(theta[j] as number);
          lockedRes.push(res[j] as number);
        }
        theta = theta.slice(lock);
        res = res.slice(lock);
      }
    }
    const take = k - lockedValues.length;
    const values = Float64Array.from([...lockedValues, ...Array.from(theta.subarray(0, take))]);
    const residuals = Float64Array.from([...lockedRes, ...Array.from(res.subarray(0, take))]);
    const order = Array.from({ length: k }, (_, j) => j).sort(
      (i, j) => (values[j] as number) - (values[i] as number) || i - j,
    );
    const lockedNow = locked;
    const xNow = x;
    const vectors = tidy(() => {
      const all =
        take === 0
          ? (lockedNow as Tensor)
          : lockedNow === null
            ? xNow.narrow(1, 0, take)
            : cat([lockedNow, xNow.narrow(1, 0, take)], 1);
      return all.indexSelect(1, tensor(Int32Array.from(order), [k]).long()).contiguous();
    });
    return {
      values: Float64Array.from(order, (j) => values[j] as number),
      vectors,
      residuals: Float64Array.from(order, (j) => residuals[j] as number),
      iterations,
      converged: take === 0,
    };
  } finally {
    x.dispose();
    (locked as Tensor | null)?.dispose();
    op.close();
  }
}
