/** Functions of several tensors: joining, selection, contraction. */
import { op, opT, type Tensor } from './tensor.ts';

export const cat = (tensors: Tensor[], dim = 0): Tensor => opT('aten::cat', [tensors, dim]);
export const stack = (tensors: Tensor[], dim = 0): Tensor => opT('aten::stack', [tensors, dim]);
/** Elementwise `cond ? a : b`. */
export const where = (cond: Tensor, a: Tensor, b: Tensor): Tensor => opT('aten::where.self', [cond, a, b]);
export const matmul = (a: Tensor, b: Tensor): Tensor => opT('aten::matmul', [a, b]);
export const maximum = (a: Tensor, b: Tensor): Tensor => opT('aten::maximum', [a, b]);
export const minimum = (a: Tensor, b: Tensor): Tensor => opT('aten::minimum', [a, b]);
/** Einstein summation, e.g. einsum('bij,bjk->bik', a, b). */
export const einsum = (equation: string, ...operands: Tensor[]): Tensor => opT('aten::einsum', [equation, operands]);
/** Pairwise p-norm distances between rows of a (n×d) and b (m×d). */
export const cdist = (a: Tensor, b: Tensor, p = 2): Tensor => opT('aten::cdist', [a, b, p]);
/** Indices of non-zero elements, one row per element. */
export const nonzero = (t: Tensor): Tensor => opT('aten::nonzero', [t]);
/** Sorted unique values with inverse indices and counts. */
export function unique(t: Tensor): { values: Tensor; inverse: Tensor; counts: Tensor } {
  const [values, inverse, counts] = op('aten::_unique2', [t, true, true, true]) as Tensor[];
  return { values: values as Tensor, inverse: inverse as Tensor, counts: counts as Tensor };
}
/** Counts of each non-negative integer value. */
export const bincount = (t: Tensor, minlength = 0): Tensor => opT('aten::bincount', [t, null, minlength]);
/** Are all elements within atol + rtol·|b| (torch.allclose)? */
export const allclose = (a: Tensor, b: Tensor, rtol = 1e-5, atol = 1e-8): boolean =>
  op('aten::allclose', [a, b, rtol, atol, false]) as boolean;
