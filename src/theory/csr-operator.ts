/**
 * A sparse symmetric matrix as host CSR arrays with the two kernels the
 * eigensolver needs:
 *
 * - `multiply`: Y = A·X for a block of vectors,
 * - `chebyshevStep`: the fused three-term step Y⁺ = α·(A·Y − c·Y) − β·Y⁻ of a
 *   scaled Chebyshev filter (Zhou, Saad, Tiago, Chelikowsky 2006, "Parallel
 *   self-consistent-field calculations via Chebyshev-filtered subspace
 *   acceleration", Alg. 4.1), one pass over the matrix per step.
 *
 * Both run in the addon's `csrChebyshevStep` (native/src/sparse_kernels.cc):
 * a loop that reads each stored entry once per group of 8 columns and
 * accumulates in registers, rows split over libtorch's intra-op threads. Why
 * not libtorch's CSR × dense product: the CPU kernel of the libtorch this
 * project links (1.13, built without MKL) calls one BLAS axpy per stored
 * entry, ≈25 ns per entry whatever the block width. The kernel trusts the
 * structure, so the constructor checks it once (row pointers non-decreasing,
 * 0 ≤ column < n); the arrays are not to be modified afterwards.
 *
 * Blocks are row-major n×`stride` Float64Arrays (the layout of a contiguous
 * n×q tensor); a kernel touches only columns 0…cols−1.
 */
import { checked, fail, nonNegativeInt, positiveInt } from '../options/index.ts';
import { sparse, type Tensor, tidy } from '../tensor/index.ts';
// The unchecked kernel stays internal: only this class, which validates the structure, calls it.
import { native } from '../tensor/native.ts';

export class CsrOperator {
  /** Number of rows (= columns). */
  readonly n: number;
  /** Row pointers, n + 1. */
  readonly crow: Int32Array;
  /** Column index of each stored entry. */
  readonly col: Int32Array;
  /** Value of each stored entry. */
  readonly val: Float64Array;
  /** Matrix–vector products so far (a block of q columns counts q). */
  products = 0;
  #threads = 1;
  #spaces: Float64Array[] = [];

  constructor(n: number, crow: Int32Array, col: Int32Array, val: Float64Array) {
    checked('CsrOperator', 'n', nonNegativeInt, n);
    if (crow.length !== n + 1)
      throw new Error(`CsrOperator: crow must hold n + 1 = ${n + 1} entries, got ${crow.length}`);
    if (col.length !== val.length || crow[n] !== val.length || crow[0] !== 0) {
      throw new Error(
        `CsrOperator: ${val.length} values, ${col.length} column indices, crow[0] = ${crow[0]}, crow[n] = ${crow[n]}`,
      );
    }
    for (let i = 0; i < n; i++) {
      if ((crow[i + 1] as number) < (crow[i] as number))
        throw new Error(`CsrOperator: row pointers decrease at row ${i}`);
    }
    for (let p = 0; p < col.length; p++) {
      const j = col[p] as number;
      // Inline on this hot path; a failure is reported in the shared checks' message style.
      if (!(j >= 0 && j < n)) fail('CsrOperator', `col[${p}]`, `a column index in [0, ${n - 1}]`, j);
    }
    this.n = n;
    this.crow = crow;
    this.col = col;
    this.val = val;
  }

  /** Host copy of an n×n float64 sparse CSR tensor (indices must fit int32). */
  static fromTensor(a: Tensor): CsrOperator {
    const n = a.shape[0] as number;
    const [crow, col, val] = tidy(() => [
      sparse.crowIndices(a).data(),
      sparse.colIndices(a).data(),
      sparse.values(a).data() as Float64Array,
    ]);
    const nnz = val.length;
    if (nnz >= 2 ** 31) throw new Error(`CsrOperator: ${nnz} stored entries exceed the int32 index range`);
    const toInt32 = (x: ArrayLike<number | bigint>): Int32Array => {
      const out = new Int32Array(x.length);
      for (let i = 0; i < x.length; i++) out[i] = Number(x[i]);
      return out;
    };
    return new CsrOperator(n, toInt32(crow as BigInt64Array), toInt32(col as BigInt64Array), val);
  }

  /**
   * The same matrix with vertices renumbered in breadth-first order (Cuthill &
   * McKee 1969, without the degree sort): neighbours get nearby numbers, so a
   * product reads nearby rows of the block instead of rows scattered over
   * memory (k-NN graphs of randomly ordered points are the worst case).
   * `order[i]` is the old number of new vertex i, `position[v]` the new number
   * of old vertex v; A' = PAPᵀ has the same eigenvalues, eigenvectors permuted.
   */
  bandwidthOrdered(): { op: CsrOperator; order: Int32Array; position: Int32Array } {
    const { n, crow, col, val } = this;
    const order = new Int32Array(n);
    const position = new Int32Array(n).fill(-1);
    let tail = 0;
    for (let s = 0; s < n; s++) {
      if (position[s] !== -1) continue;
      position[s] = tail;
      order[tail++] = s;
      for (let head = tail - 1; head < tail; head++) {
        const v = order[head] as number;
        for (let p = crow[v] as number; p < (crow[v + 1] as number); p++) {
          const u = col[p] as number;
          if (position[u] === -1) {
            position[u] = tail;
            order[tail++] = u;
          }
        }
      }
    }
    const crow2 = new Int32Array(n + 1);
    const col2 = new Int32Array(col.length);
    const val2 = new Float64Array(val.length);
    let t = 0;
    for (let i = 0; i < n; i++) {
      const v = order[i] as number;
      for (let p = crow[v] as number; p < (crow[v + 1] as number); p++) {
        col2[t] = position[col[p] as number] as number;
        val2[t] = val[p] as number;
        t++;
      }
      crow2[i + 1] = t;
    }
    return { op: new CsrOperator(n, crow2, col2, val2), order, position };
  }

  /**
   * Sets the threads of the products (libtorch's intra-op pool runs them) and
   * allocates three n×cols workspaces (`workspace`) for the filter's rotating blocks.
   */
  prepare(threads: number, cols: number): void {
    checked('CsrOperator.prepare', 'threads', positiveInt, threads);
    this.#threads = threads;
    const size = this.n * cols;
    this.#spaces = [new Float64Array(size), new Float64Array(size), new Float64Array(size)];
  }

  /** Frees the workspaces (products keep working, on the thread count last set). */
  close(): void {
    this.#spaces = [];
  }

  /** Workspace i ∈ {0, 1, 2} as an n×cols block (cols ≤ the width given to prepare). */
  workspace(i: 0 | 1 | 2, cols: number): Float64Array {
    const s = this.#spaces[i];
    if (s === undefined || s.length < this.n * cols) {
      throw new Error(`CsrOperator.workspace: start with prepare(threads, ≥ ${cols}) first`);
    }
    return s.subarray(0, this.n * cols);
  }

  /** A·x for a row-major n×cols block, as a new array. */
  product(x: Float64Array, cols: number): Float64Array {
    const size = this.n * cols;
    if (x.length !== size) throw new Error(`CsrOperator.product: x must hold n·cols = ${size} values, got ${x.length}`);
    const y = new Float64Array(size);
    this.multiply(x, y, cols, cols);
    return y;
  }

  /** y[:, 0:cols] = A·x[:, 0:cols] (row-major, row stride `stride`). */
  multiply(x: Float64Array, y: Float64Array, stride: number, cols: number): void {
    this.chebyshevStep(x, x, y, stride, cols, 1, 0, 0);
  }

  /**
   * out[:, 0:cols] = α·(A·cur − c·cur) − β·prev on columns 0…cols−1. `out`
   * may be `prev` (row i of prev is read before row i of out is written, and
   * no other row of prev is read), never `cur`. With β = 0, `prev` is not read.
   */
  chebyshevStep(
    cur: Float64Array,
    prev: Float64Array,
    out: Float64Array,
    stride: number,
    cols: number,
    alpha: number,
    c: number,
    beta: number,
  ): void {
    if (
      out.buffer === cur.buffer &&
      out.byteOffset < cur.byteOffset + cur.byteLength &&
      cur.byteOffset < out.byteOffset + out.byteLength
    ) {
      throw new Error('CsrOperator.chebyshevStep: out must not alias cur');
    }
    this.products += cols;
    native.csrChebyshevStep(this.crow, this.col, this.val, cur, prev, out, stride, cols, alpha, c, beta, this.#threads);
  }
}
