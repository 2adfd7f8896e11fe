/** Linear algebra (torch.linalg): decompositions and solvers, differentiable where libtorch is. */
import { op, opT, type Tensor } from './tensor.ts';

/** Symmetric eigendecomposition A = V·diag(λ)·Vᵀ, eigenvalues ascending. */
export function eigh(a: Tensor, uplo: 'L' | 'U' = 'L'): { values: Tensor; vectors: Tensor } {
  const [values, vectors] = op('aten::linalg_eigh', [a, uplo]) as [Tensor, Tensor];
  return { values, vectors };
}
/** Eigenvalues of a symmetric matrix, ascending. */
export const eigvalsh = (a: Tensor): Tensor => opT('aten::linalg_eigvalsh', [a, 'L']);

/** A = U·diag(S)·Vᴴ (reduced unless full). */
export function svd(a: Tensor, full = false): { U: Tensor; S: Tensor; Vh: Tensor } {
  const [U, S, Vh] = op('aten::linalg_svd', [a, full, null]) as [Tensor, Tensor, Tensor];
  return { U, S, Vh };
}
/** A = Q·R, Q with orthonormal columns ('reduced') or square ('complete'). */
export function qr(a: Tensor, mode: 'reduced' | 'complete' = 'reduced'): { Q: Tensor; R: Tensor } {
  const [Q, R] = op('aten::linalg_qr', [a, mode]) as [Tensor, Tensor];
  return { Q, R };
}
/** Lower-triangular L with A = L·Lᵀ for symmetric positive-definite A. */
export const cholesky = (a: Tensor): Tensor => opT('aten::linalg_cholesky', [a, false]);
/** X with A·X = B. */
export const solve = (a: Tensor, b: Tensor): Tensor => opT('aten::linalg_solve', [a, b, true]);
/** Least-squares X minimizing ‖A·X − B‖_F. */
export function lstsq(a: Tensor, b: Tensor): Tensor {
  const [solution, residuals, rank, sv] = op('aten::linalg_lstsq', [a, b, null, null]) as Tensor[];
  residuals?.dispose();
  rank?.dispose();
  sv?.dispose();
  return solution as Tensor;
}
export const inv = (a: Tensor): Tensor => opT('aten::linalg_inv', [a]);
export const det = (a: Tensor): Tensor => opT('aten::linalg_det', [a]);
/** Frobenius norm ‖A‖_F. */
export const matrixNorm = (a: Tensor, ord: 'fro' | 'nuc' = 'fro'): Tensor =>
  opT('aten::linalg_matrix_norm.str_ord', [a, ord, [-2, -1], false, null]);
