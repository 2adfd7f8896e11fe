/**
 * Cheap estimates of the extreme eigenvalues of a symmetric sparse matrix by
 * a short Lanczos run (Lanczos 1950; Zhou & Li 2011, "Bounding the spectrum of
 * large Hermitian matrices"): m steps of the three-term recurrence
 * A·q_j = β_{j−1}q_{j−1} + α_j q_j + β_j q_{j+1} give a tridiagonal T_m whose
 * extreme eigenvalues (Ritz values) approach λ_min and λ_max from inside the
 * spectrum. Without reorthogonalization Lanczos can repeat Ritz values
 * ("ghosts"), which leaves the extremes inside [λ_min, λ_max] and so does not
 * harm an interval estimate.
 */
import { Generator, linalg, randn, tensor, tidy } from '../tensor/index.ts';
import type { CsrOperator } from './csr-operator.ts';

export interface SpectrumEstimate {
  /** Smallest Ritz value (≥ λ_min). */
  min: number;
  /** Largest Ritz value (≤ λ_max). */
  max: number;
  /** ‖f_m‖ = β_m, the norm of the last Lanczos residual; λ_max ≤ max + β_m in practice (Zhou & Li). */
  residual: number;
  /** Lanczos steps taken (fewer than asked when an invariant subspace was found). */
  steps: number;
}

/** Extreme Ritz values of `op` after `steps` Lanczos steps from a seeded random start. */
export function lanczosExtremes(op: CsrOperator, steps: number, seed: number): SpectrumEstimate {
  const n = op.n;
  const m = Math.max(1, Math.min(steps, n));
  let q: Float64Array = tidy(
    () => randn([n], { dtype: 'float64', generator: new Generator(seed) }).data() as Float64Array,
  );
  let norm = Math.sqrt(q.reduce((s, v) => s + v * v, 0));
  for (let i = 0; i < n; i++) q[i] = (q[i] as number) / norm;
  let qPrev: Float64Array = new Float64Array(n);
  const w = new Float64Array(n);
  const alpha: number[] = [];
  const beta: number[] = [];
  let last = 0;
  for (let j = 0; j < m; j++) {
    op.multiply(q, w, 1, 1);
    let a = 0;
    for (let i = 0; i < n; i++) a += (w[i] as number) * (q[i] as number);
    const bPrev = j > 0 ? (beta[j - 1] as number) : 0;
    norm = 0;
    for (let i = 0; i < n; i++) {
      const v = (w[i] as number) - a * (q[i] as number) - bPrev * (qPrev[i] as number);
      w[i] = v;
      norm += v * v;
    }
    alpha.push(a);
    last = Math.sqrt(norm);
    if (j === m - 1 || last <= 1e-12 * Math.max(1, Math.abs(a))) break;
    beta.push(last);
    const next = qPrev;
    for (let i = 0; i < n; i++) next[i] = (w[i] as number) / last;
    qPrev = q;
    q = next;
  }
  const t = alpha.length;
  const T = new Float64Array(t * t);
  for (let i = 0; i < t; i++) {
    T[i * t + i] = alpha[i] as number;
    if (i + 1 < t) {
      T[i * t + i + 1] = beta[i] as number;
      T[(i + 1) * t + i] = beta[i] as number;
    }
  }
  const ritz = tidy(() => linalg.eigvalsh(tensor(T, [t, t])).data() as Float64Array);
  return { min: ritz[0] as number, max: ritz[t - 1] as number, residual: last, steps: t };
}
