/**
 * Principal angles between two column spans (Björck & Golub 1973): with
 * orthonormal bases Qa, Qb of span(A) and span(B), the cosines of the
 * principal angles θ₁ ≤ θ₂ ≤ … are the singular values of QaᵀQb.
 */
import { linalg, type Tensor, tidy } from '../tensor/index.ts';

/** Relative singular-value threshold under which a direction does not count as spanned. */
const RANK_TOL = 1e-10;

function checkMatrix(name: string, t: Tensor): void {
  if (t.ndim !== 2 || (t.shape[0] as number) < 1 || (t.shape[1] as number) < 1) {
    throw new Error(`principalAngleCosines: ${name} must be a non-empty N×k matrix, got shape [${t.shape}]`);
  }
}

/**
 * Orthonormal basis of span(A) from its SVD, keeping the left singular
 * vectors whose singular value exceeds RANK_TOL·s_max: unlike a plain QR this
 * does not invent a direction when A is rank-deficient (a dead ReLU unit, a
 * duplicated column).
 */
function spanBasis(a: Tensor): Tensor {
  return tidy(() => {
    const { U, S } = linalg.svd(a.double());
    const s = S.data() as Float64Array;
    const max = s[0] ?? 0;
    let rank = 0;
    while (rank < s.length && max > 0 && (s[rank] as number) > RANK_TOL * max) rank++;
    return U.narrow(1, 0, rank);
  });
}

/**
 * Cosines of the principal angles between span(A) and span(B), both with N
 * rows: cos θᵢ = σᵢ(QaᵀQb), descending, clamped to [0, 1]. The result has
 * min(kA, kB) entries; when A or B is rank-deficient it spans fewer
 * directions, and each missing direction counts as orthogonal (cos = 0), so a
 * degenerate feature matrix cannot score well. Invariant to any invertible
 * change of basis A → A·G, B → B·H.
 */
export function principalAngleCosines(a: Tensor, b: Tensor): Float64Array {
  checkMatrix('a', a);
  checkMatrix('b', b);
  if (a.shape[0] !== b.shape[0]) {
    throw new Error(
      `principalAngleCosines: a and b must have the same number of rows, got [${a.shape}] and [${b.shape}]`,
    );
  }
  const count = Math.min(a.shape[1] as number, b.shape[1] as number);
  const out = new Float64Array(count);
  tidy(() => {
    const qa = spanBasis(a);
    const qb = spanBasis(b);
    if (qa.shape[1] === 0 || qb.shape[1] === 0) return;
    const s = linalg.svd(qa.t().mm(qb)).S.data() as Float64Array;
    for (let i = 0; i < Math.min(count, s.length); i++) out[i] = Math.min(1, Math.max(0, s[i] as number));
  });
  return out;
}

/** Mean of the principal-angle cosines (1 = same span, 0 = orthogonal spans). */
export function meanPrincipalCosine(a: Tensor, b: Tensor): number {
  const c = principalAngleCosines(a, b);
  let s = 0;
  for (const v of c) s += v;
  return s / c.length;
}
