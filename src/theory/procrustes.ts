/**
 * Orthogonal Procrustes: the rotation (or reflection) that best aligns one
 * set of k-dimensional rows with another. The spectral loss is invariant to
 * F ↦ F·R for orthogonal R, so a learned representation can only be compared
 * with the spectral embedding after this alignment.
 */
import { linalg, type Tensor, tidy } from '../tensor/index.ts';

export interface ProcrustesResult {
  /** k×k orthogonal R* = argmin_{RᵀR = I} ‖aR − b‖_F (float64). */
  rotation: Tensor;
  /** ‖aR* − b‖_F, computed directly from the aligned matrices. */
  residual: number;
  /** residual / ‖b‖_F (0 when b = 0 and the residual is 0; Infinity when only b = 0). */
  relativeResidual: number;
}

/**
 * Orthogonal Procrustes (Schönemann 1966): for N×k matrices a and b,
 * R* = argmin over orthogonal R of ‖aR − b‖_F is R* = U·Vᵀ where aᵀb = U·Σ·Vᵀ
 * (SVD). Why: ‖aR − b‖² = ‖a‖² + ‖b‖² − 2·tr(Rᵀaᵀb), and tr(RᵀUΣVᵀ) ≤ tr Σ with
 * equality at R = UVᵀ. R* is unique when aᵀb has full rank; it may be a
 * reflection (det −1), as the orthogonal group includes those.
 * Computed in float64 whatever the input dtype.
 */
export function orthogonalProcrustes(a: Tensor, b: Tensor): ProcrustesResult {
  if (a.ndim !== 2) throw new Error(`orthogonalProcrustes: a must be an N×k matrix, got shape [${a.shape}]`);
  if (b.ndim !== 2 || b.size(0) !== a.size(0) || b.size(1) !== a.size(1)) {
    throw new Error(`orthogonalProcrustes: b must have a's shape [${a.shape}], got [${b.shape}]`);
  }
  if (a.size(0) === 0 || a.size(1) === 0) throw new Error(`orthogonalProcrustes: a is empty (shape [${a.shape}])`);
  return tidy(() => {
    const a64 = a.double();
    const b64 = b.double();
    const { U, Vh } = linalg.svd(a64.t().mm(b64));
    const rotation = U.mm(Vh);
    if (!rotation.isfinite().all().item()) throw new Error('orthogonalProcrustes: a and b must be finite');
    const residual = a64.mm(rotation).sub(b64).norm().item();
    const scale = b64.norm().item();
    const relativeResidual = scale > 0 ? residual / scale : residual === 0 ? 0 : Number.POSITIVE_INFINITY;
    return { rotation, residual, relativeResidual };
  });
}
