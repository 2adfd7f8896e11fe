/**
 * Scaled Chebyshev polynomial filter (Zhou & Saad 2007, "A Chebyshev–Davidson
 * algorithm for large symmetric eigenproblems"; Zhou, Saad, Tiago,
 * Chelikowsky 2006, Alg. 4.1 "Chebyshev_filter_scaled").
 *
 * With the unwanted part of the spectrum inside [a, b] and the wanted part
 * above b, the map x ↦ (x − c)/e, c = (a + b)/2, e = (b − a)/2, sends [a, b] to
 * [−1, 1], where the Chebyshev polynomial C_d stays within ±1, while above b it
 * grows like cosh(d·arccosh t): eigencomponents above the cut are amplified
 * relative to those below by |C_d(t)|. The scaled three-term recurrence
 *
 *   σ₁ = e/(a_L − c),  Y₁ = (σ₁/e)(A − cI)X,
 *   σ_{j+1} = 1/(2/σ₁ − σ_j),  Y_{j+1} = (2σ_{j+1}/e)(A − cI)Y_j − σ_jσ_{j+1}Y_{j−1}
 *
 * computes p_d(A)X with p_d = C_d((x − c)/e)/C_d((a_L − c)/e), normalized to 1
 * at a_L (an estimate of the largest eigenvalue), so nothing overflows.
 *
 * Each column gets its own degree (as in ChASE, Winkelmann, Springer, Di
 * Napoli 2019): columns sorted by decreasing degree, step j updates only the
 * first cnt_j columns, so a column that needs little filtering costs little.
 * The blocks live in the operator's workspaces (CsrOperator.prepare must
 * have been called with at least q columns).
 */
import { checked, positiveInt } from '../options/index.ts';
import type { CsrOperator } from './csr-operator.ts';

export interface FilterInterval {
  /** a: lower end of the damped interval (at most λ_min). */
  lower: number;
  /** b: upper end of the damped interval (the cut). */
  cut: number;
  /** a_L ≥ b: where p_d is normalized to 1 (the largest eigenvalue, estimated). */
  top: number;
}

/**
 * p_{d_j}(A)·x_j for every column j of the row-major n×q block `x`, with
 * `degrees` (length q, each ≥ 1) non-increasing. Returns a new n×q
 * Float64Array; `x` is not modified.
 */
export function chebyshevFilter(
  op: CsrOperator,
  x: Float64Array,
  q: number,
  degrees: ArrayLike<number>,
  interval: FilterInterval,
): Float64Array {
  const n = op.n;
  if (x.length !== n * q) throw new Error(`chebyshevFilter: x must hold n·q = ${n * q} values, got ${x.length}`);
  if (degrees.length !== q) throw new Error(`chebyshevFilter: need ${q} degrees, got ${degrees.length}`);
  for (let j = 0; j < q; j++) {
    const d = checked('chebyshevFilter', `degrees[${j}]`, positiveInt, degrees[j]);
    if (j > 0 && d > (degrees[j - 1] as number)) throw new Error('chebyshevFilter: degrees must be non-increasing');
  }
  const { lower, cut } = interval;
  if (!(cut > lower)) throw new Error(`chebyshevFilter: cut (${cut}) must exceed lower (${lower})`);
  const e = (cut - lower) / 2;
  const c = (cut + lower) / 2;
  const top = Math.max(interval.top, cut);
  const sigma1 = e / (top - c);
  const tau = 2 / sigma1;
  const out = new Float64Array(n * q);
  // Copies the columns whose degree is `step` (they form the range [from, to)) into `out`.
  const finish = (src: Float64Array, from: number, to: number): void => {
    if (from >= to) return;
    for (let i = 0; i < n; i++) {
      const r = i * q;
      for (let j = from; j < to; j++) out[r + j] = src[r + j] as number;
    }
  };
  const count = (step: number): number => {
    let k = 0;
    while (k < q && (degrees[k] as number) >= step) k++;
    return k;
  };
  // Three rotating blocks (prev, cur, next) in the operator's workspaces, allocated once per solve.
  let prev = op.workspace(0, q);
  let cur = op.workspace(1, q);
  let next = op.workspace(2, q);
  prev.set(x);
  op.chebyshevStep(prev, prev, cur, q, q, sigma1 / e, c, 0);
  const maxDegree = degrees[0] as number;
  finish(cur, count(2), q);
  let sigma = sigma1;
  for (let step = 2; step <= maxDegree; step++) {
    const cols = count(step);
    const s = 1 / (tau - sigma);
    op.chebyshevStep(cur, prev, next, q, cols, (2 * s) / e, c, sigma * s);
    [prev, cur, next] = [cur, next, prev];
    sigma = s;
    finish(cur, count(step + 1), cols);
  }
  return out;
}
