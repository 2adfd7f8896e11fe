/**
 * Sparse COO/CSR matrices times dense matrices against the dense product,
 * duplicates summed by coalesce, and a 10⁵-node product spot-checked in TS.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { opT, sparse, type Tensor, tensor, tidy } from '../../src/tensor/index.ts';
import { assertClose, assertEqualArrays } from '../helpers/close.ts';
import { matmulNaive } from '../helpers/naive.ts';
import { Rng } from '../helpers/prng.ts';

const rng = new Rng(3);

interface Coo {
  rows: number[];
  cols: number[];
  vals: Float64Array;
}
/** Random entries with deliberate duplicates (the first `dup` entries repeated). */
function randomCoo(n: number, m: number, nnz: number, dup: number): Coo {
  const rows = Array.from({ length: nnz }, () => rng.int(0, n));
  const cols = Array.from({ length: nnz }, () => rng.int(0, m));
  for (let i = 0; i < dup; i++) {
    rows.push(rows[i] as number);
    cols.push(cols[i] as number);
  }
  return { rows, cols, vals: rng.normals(nnz + dup) };
}
function denseOf(c: Coo, n: number, m: number): Float64Array {
  const d = new Float64Array(n * m);
  c.rows.forEach((r, k) => {
    d[r * m + (c.cols[k] as number)] = (d[r * m + (c.cols[k] as number)] as number) + (c.vals[k] as number);
  });
  return d;
}
const indicesOf = (c: Coo): Tensor => tensor(BigInt64Array.from([...c.rows, ...c.cols], BigInt), [2, c.rows.length]);

describe('sparse matrices', () => {
  test('COO × dense equals the dense product; duplicates are summed', () =>
    tidy(() => {
      const [n, m, k] = [30, 20, 4];
      const c = randomCoo(n, m, 80, 15);
      const s = sparse.sparseCoo(indicesOf(c), tensor(c.vals), [n, m]);
      assert.equal(s.layout, 'Sparse');
      assert.equal(s.dtype, 'float64');
      assert.deepEqual(s.shape, [n, m]);
      const dense = denseOf(c, n, m);
      assertClose(sparse.toDense(s).data(), dense, { rtol: 1e-14, atol: 1e-15 }, 'toDense');
      const b = rng.normals(m * k);
      const y = sparse.spmm(s, tensor(b, [m, k]));
      assert.equal(y.layout, 'Strided');
      assertClose(y.data(), matmulNaive(dense, b, n, m, k), { rtol: 1e-12, atol: 1e-13 }, 'spmm');
    }));

  test('coalesce: unique sorted indices, values summed', () =>
    tidy(() => {
      const [n, m] = [6, 5];
      const c = randomCoo(n, m, 12, 6);
      const s = sparse.coalesce(sparse.sparseCoo(indicesOf(c), tensor(c.vals), [n, m]));
      const sums = new Map<number, number>();
      c.rows.forEach((r, k) => {
        const key = r * m + (c.cols[k] as number);
        sums.set(key, (sums.get(key) ?? 0) + (c.vals[k] as number));
      });
      const keys = [...sums.keys()].sort((a, b) => a - b);
      assert.deepEqual(s.shape, [n, m]);
      const ind = opT('aten::_indices', [s]).toArray();
      const val = opT('aten::_values', [s]).data() as Float64Array;
      assert.equal(val.length, keys.length, 'one value per distinct position');
      assertEqualArrays(
        ind.slice(0, keys.length),
        keys.map((key) => Math.floor(key / m)),
        'rows sorted',
      );
      assertEqualArrays(
        ind.slice(keys.length),
        keys.map((key) => key % m),
        'cols',
      );
      assertClose(
        val,
        keys.map((key) => sums.get(key) as number),
        { rtol: 1e-14, atol: 1e-15 },
      );
    }));

  test('CSR (built directly and converted from COO) × dense', () =>
    tidy(() => {
      const [n, m, k] = [25, 15, 3];
      const c = randomCoo(n, m, 60, 10);
      const dense = denseOf(c, n, m);
      const b = rng.normals(m * k);
      const ref = matmulNaive(dense, b, n, m, k);
      const csrFromCoo = sparse.toCsr(sparse.coalesce(sparse.sparseCoo(indicesOf(c), tensor(c.vals), [n, m])));
      assert.equal(csrFromCoo.layout, 'SparseCsr');
      assertClose(sparse.spmm(csrFromCoo, tensor(b, [m, k])).data(), ref, { rtol: 1e-12, atol: 1e-13 }, 'COO→CSR');
      // CSR from the dense matrix in TS: row pointers, column indices, values
      const crow = [0];
      const col: number[] = [];
      const val: number[] = [];
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < m; j++) {
          const v = dense[i * m + j] as number;
          if (v !== 0) {
            col.push(j);
            val.push(v);
          }
        }
        crow.push(col.length);
      }
      const csr = sparse.sparseCsr(
        tensor(BigInt64Array.from(crow, BigInt)),
        tensor(BigInt64Array.from(col, BigInt)),
        tensor(Float64Array.from(val)),
        [n, m],
      );
      assertClose(sparse.toDense(csr).data(), dense, { rtol: 0, atol: 0 }, 'CSR toDense');
      assertClose(sparse.spmm(csr, tensor(b, [m, k])).data(), ref, { rtol: 1e-12, atol: 1e-13 }, 'CSR spmm');
    }));

  test('COO with a dtype conversion', () =>
    tidy(() => {
      const s = sparse.sparseCoo(
        tensor(BigInt64Array.from([0n, 1n, 1n, 0n]), [2, 2]),
        tensor(Float64Array.from([1.5, 2.5])),
        [2, 2],
        { dtype: 'float32' },
      );
      assert.equal(s.dtype, 'float32');
      assertEqualArrays(sparse.toDense(s).data(), [0, 1.5, 2.5, 0]);
    }));

  test('10⁵-node sparse matrix × 16 columns: shape and spot-checked rows', () =>
    tidy(() => {
      const n = 100_000;
      const perRow = 8;
      const k = 16;
      const nnz = n * perRow;
      const idx = new BigInt64Array(2 * nnz);
      const colsOf: Int32Array = new Int32Array(nnz);
      const vals = new Float32Array(nnz);
      for (let e = 0; e < nnz; e++) {
        const r = Math.floor(e / perRow);
        const cidx = rng.int(0, n);
        idx[e] = BigInt(r);
        idx[nnz + e] = BigInt(cidx);
        colsOf[e] = cidx;
        vals[e] = rng.uniform();
      }
      const dense = new Float32Array(n * k);
      for (let i = 0; i < dense.length; i++) dense[i] = rng.uniform() - 0.5;
      const s = sparse.sparseCoo(tensor(idx, [2, nnz]), tensor(vals), [n, n]);
      for (const mat of [s, sparse.toCsr(sparse.coalesce(s))]) {
        const y = sparse.spmm(mat, tensor(dense, [n, k]));
        assert.deepEqual(y.shape, [n, k]);
        for (const row of [0, 1, 4242, 77_777, n - 1]) {
          const got = y.select(0, row).data() as Float32Array;
          const want = new Float64Array(k);
          for (let e = row * perRow; e < (row + 1) * perRow; e++)
            for (let j = 0; j < k; j++)
              want[j] = (want[j] as number) + (vals[e] as number) * (dense[(colsOf[e] as number) * k + j] as number);
          assertClose(got, want, { rtol: 1e-5, atol: 1e-5 }, `row ${row} (${mat.layout})`);
        }
      }
    }));
});
