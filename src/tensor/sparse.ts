/** Sparse matrices (COO and CSR) and sparse × dense products, for graphs of 10⁵–10⁶ nodes. */
import { type DType, dtypeCode } from './dtype.ts';
import { opT, type Tensor } from './tensor.ts';

/**
 * n×m COO matrix from 2×nnz int64 indices and nnz values (duplicates are summed on coalesce).
 * `dtype` converts the values first: the ATen operator ignores its dtype argument.
 */
export function sparseCoo(indices: Tensor, values: Tensor, shape: [number, number], o: { dtype?: DType } = {}): Tensor {
  const vals = o.dtype && o.dtype !== values.dtype ? values.to(o.dtype) : values;
  const s = opT('aten::sparse_coo_tensor.indices_size', [indices, vals, shape], { dtype: dtypeCode(vals.dtype) });
  if (vals !== values) vals.dispose();
  return s;
}
/**
 * CSR matrix from row pointers (n+1), column indices and values. The dtype is
 * the values' (without it ATen assumes the default float32 and rejects float64 values).
 */
export function sparseCsr(crow: Tensor, col: Tensor, values: Tensor, shape: [number, number]): Tensor {
  return opT('aten::sparse_csr_tensor.crow_col_value_size', [crow, col, values, shape], {
    dtype: dtypeCode(values.dtype),
  });
}
/** Sums duplicate COO entries and sorts indices. */
export const coalesce = (s: Tensor): Tensor => opT('aten::coalesce', [s]);
/** COO → CSR. */
export const toCsr = (s: Tensor): Tensor => opT('aten::to_sparse_csr', [s]);
export const toDense = (s: Tensor): Tensor => opT('aten::to_dense', [s, null]);
/** Sparse (COO or CSR) n×m times dense m×k. */
export const spmm = (s: Tensor, dense: Tensor): Tensor => opT('aten::mm', [s, dense]);
/** Row pointers (n+1, int64) of a CSR matrix. */
export const crowIndices = (s: Tensor): Tensor => opT('aten::crow_indices', [s]);
/** Column indices (nnz, int64) of a CSR matrix. */
export const colIndices = (s: Tensor): Tensor => opT('aten::col_indices', [s]);
/** Stored values (nnz) of a CSR or coalesced COO matrix. */
export const values = (s: Tensor): Tensor => opT('aten::values', [s]);
/** Row index of every stored entry of a CSR matrix (nnz, int64): 0 repeated by row length, 1, … */
export function csrRowIndices(s: Tensor): Tensor {
  const crow = crowIndices(s);
  const n = crow.shape[0] as number;
  const counts = crow.narrow(0, 1, n - 1).sub(crow.narrow(0, 0, n - 1));
  const rows = opT('aten::repeat_interleave.Tensor', [counts, null]);
  crow.dispose();
  counts.dispose();
  return rows;
}
