/**
 * Decompositions and solvers in float64, checked by reconstruction,
 * orthogonality and against naive TypeScript solvers.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { linalg, type Tensor, tensor, tidy } from '../../src/tensor/index.ts';
import { assertClose } from '../helpers/close.ts';
import { identityNaive, matmulNaive, solveNaive, transposeNaive } from '../helpers/naive.ts';
import { Rng } from '../helpers/prng.ts';

const rng = new Rng(11);
const f64 = (t: Tensor): Float64Array => {
  assert.equal(t.dtype, 'float64');
  return t.data() as Float64Array;
};
const TOL = { rtol: 1e-10, atol: 1e-10 };

/** A random symmetric n×n matrix. */
function symmetric(n: number): Float64Array {
  const a = rng.normals(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[i * n + j] = a[j * n + i] as number;
  return a;
}
/** A random symmetric positive-definite matrix B·Bᵀ + n·I. */
function spd(n: number): Float64Array {
  const b = rng.normals(n * n);
  const a = matmulNaive(b, transposeNaive(b, n, n), n, n, n);
  for (let i = 0; i < n; i++) a[i * n + i] = (a[i * n + i] as number) + n;
  return a;
}
/** M·diag(d) for an n×m matrix M. */
function scaleColumns(m: Float64Array, d: ArrayLike<number>, n: number, k: number): Float64Array {
  const out = Float64Array.from(m);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < k; j++) out[i * k + j] = (out[i * k + j] as number) * (d[j] as number);
  return out;
}

describe('linalg (float64)', () => {
  test('eigh: V·diag(λ)·Vᵀ = A, VᵀV = I, λ ascending; eigvalsh agrees', () =>
    tidy(() => {
      const n = 6;
      const a = symmetric(n);
      const { values, vectors } = linalg.eigh(tensor(a, [n, n]));
      const lam = f64(values);
      const V = f64(vectors);
      assert.deepEqual(vectors.shape, [n, n]);
      for (let i = 1; i < n; i++) assert.ok((lam[i] as number) >= (lam[i - 1] as number), 'ascending');
      const rec = matmulNaive(scaleColumns(V, lam, n, n), transposeNaive(V, n, n), n, n, n);
      assertClose(rec, a, TOL, 'reconstruction');
      assertClose(matmulNaive(transposeNaive(V, n, n), V, n, n, n), identityNaive(n), TOL, 'orthogonality');
      // A·v = λ·v column by column
      assertClose(matmulNaive(a, V, n, n, n), scaleColumns(V, lam, n, n), TOL, 'A v = λ v');
      assertClose(f64(linalg.eigvalsh(tensor(a, [n, n]))), lam, TOL);
      // trace and closed form for a 2×2
      assertClose(
        lam.reduce((s, v) => s + v, 0),
        [0, 1, 2, 3, 4, 5].reduce((s, i) => s + (a[i * n + i] as number), 0),
        TOL,
      );
      assertClose(f64(linalg.eigh(tensor(Float64Array.from([2, 1, 1, 2]), [2, 2])).values), [1, 3], TOL);
      // only the lower triangle is read with 'L'
      const junkUpper = Float64Array.from(a);
      junkUpper[1] = 1e3;
      assertClose(f64(linalg.eigh(tensor(junkUpper, [n, n]), 'L').values), lam, TOL, "uplo 'L'");
    }));

  test('svd: U·diag(S)·Vh = A, orthonormal factors, S descending; full matrices', () =>
    tidy(() => {
      const [m, n] = [5, 3];
      const a = rng.normals(m * n);
      const { U, S, Vh } = linalg.svd(tensor(a, [m, n]));
      assert.deepEqual(U.shape, [m, n]);
      assert.deepEqual(S.shape, [n]);
      assert.deepEqual(Vh.shape, [n, n]);
      const u = f64(U);
      const s = f64(S);
      const vh = f64(Vh);
      for (let i = 1; i < n; i++) assert.ok((s[i] as number) <= (s[i - 1] as number) && (s[i] as number) >= 0);
      assertClose(matmulNaive(scaleColumns(u, s, m, n), vh, m, n, n), a, TOL, 'reconstruction');
      assertClose(matmulNaive(transposeNaive(u, m, n), u, n, m, n), identityNaive(n), TOL, 'UᵀU');
      assertClose(matmulNaive(vh, transposeNaive(vh, n, n), n, n, n), identityNaive(n), TOL, 'Vh Vhᵀ');
      // Σ σ² = ‖A‖_F²
      assertClose(
        s.reduce((acc, v) => acc + v * v, 0),
        a.reduce((acc, v) => acc + v * v, 0),
        TOL,
      );
      const full = linalg.svd(tensor(a, [m, n]), true);
      assert.deepEqual(full.U.shape, [m, m]);
      assertClose(
        matmulNaive(transposeNaive(f64(full.U), m, m), f64(full.U), m, m, m),
        identityNaive(m),
        TOL,
        'full U',
      );
    }));

  test('qr: Q·R = A, QᵀQ = I, R upper triangular; complete mode', () =>
    tidy(() => {
      const [m, n] = [6, 4];
      const a = rng.normals(m * n);
      const { Q, R } = linalg.qr(tensor(a, [m, n]));
      assert.deepEqual(Q.shape, [m, n]);
      assert.deepEqual(R.shape, [n, n]);
      const q = f64(Q);
      const r = f64(R);
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) assert.equal(r[i * n + j], 0, `R[${i},${j}]`);
      assertClose(matmulNaive(q, r, m, n, n), a, TOL, 'reconstruction');
      assertClose(matmulNaive(transposeNaive(q, m, n), q, n, m, n), identityNaive(n), TOL, 'QᵀQ');
      const c = linalg.qr(tensor(a, [m, n]), 'complete');
      assert.deepEqual(c.Q.shape, [m, m]);
      assert.deepEqual(c.R.shape, [m, n]);
      assertClose(matmulNaive(f64(c.Q), f64(c.R), m, m, n), a, TOL, 'complete reconstruction');
    }));

  test('cholesky: L lower triangular, L·Lᵀ = A, equal to the Cholesky–Banachiewicz loop', () =>
    tidy(() => {
      const n = 5;
      const a = spd(n);
      const l = f64(linalg.cholesky(tensor(a, [n, n])));
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) assert.equal(l[i * n + j], 0);
      assertClose(matmulNaive(l, transposeNaive(l, n, n), n, n, n), a, TOL, 'L Lᵀ');
      const ref = new Float64Array(n * n);
      for (let i = 0; i < n; i++)
        for (let j = 0; j <= i; j++) {
          let s = a[i * n + j] as number;
          for (let k = 0; k < j; k++) s -= (ref[i * n + k] as number) * (ref[j * n + k] as number);
          ref[i * n + j] = i === j ? Math.sqrt(s) : s / (ref[j * n + j] as number);
        }
      assertClose(l, ref, TOL, 'against the naive factor');
      assert.throws(() => linalg.cholesky(tensor(Float64Array.from([1, 2, 2, 1]), [2, 2])), /positive-definite/);
    }));

  test('solve: A·X = B, equal to Gauss–Jordan; inv and det', () =>
    tidy(() => {
      const n = 5;
      const k = 3;
      const a = rng.normals(n * n);
      const b = rng.normals(n * k);
      const x = f64(linalg.solve(tensor(a, [n, n]), tensor(b, [n, k])));
      assertClose(matmulNaive(a, x, n, n, k), b, TOL, 'A X = B');
      assertClose(x, solveNaive(a, b, n, k), { rtol: 1e-9, atol: 1e-10 }, 'Gauss–Jordan');
      const inv = f64(linalg.inv(tensor(a, [n, n])));
      assertClose(matmulNaive(a, inv, n, n, n), identityNaive(n), TOL, 'A A⁻¹');
      // det by elimination with partial pivoting
      const m = Float64Array.from(a);
      let det = 1;
      for (let c = 0; c < n; c++) {
        let p = c;
        for (let r = c + 1; r < n; r++) if (Math.abs(m[r * n + c] as number) > Math.abs(m[p * n + c] as number)) p = r;
        if (p !== c) {
          det = -det;
          for (let j = 0; j < n; j++) [m[c * n + j], m[p * n + j]] = [m[p * n + j] as number, m[c * n + j] as number];
        }
        det *= m[c * n + c] as number;
        for (let r = c + 1; r < n; r++) {
          const f = (m[r * n + c] as number) / (m[c * n + c] as number);
          for (let j = c; j < n; j++) m[r * n + j] = (m[r * n + j] as number) - f * (m[c * n + j] as number);
        }
      }
      assertClose(linalg.det(tensor(a, [n, n])).item(), det, TOL, 'det');
      assert.throws(
        () => linalg.solve(tensor(new Float64Array(4), [2, 2]), tensor(new Float64Array(2), [2, 1])),
        /singular/,
      );
    }));

  test('lstsq: equals the normal equations (AᵀA)⁻¹Aᵀb', () =>
    tidy(() => {
      const [m, n, k] = [8, 3, 2];
      const a = rng.normals(m * n);
      const b = rng.normals(m * k);
      const x = linalg.lstsq(tensor(a, [m, n]), tensor(b, [m, k]));
      assert.deepEqual(x.shape, [n, k]);
      const at = transposeNaive(a, m, n);
      const ref = solveNaive(matmulNaive(at, a, n, m, n), matmulNaive(at, b, n, m, k), n, k);
      assertClose(f64(x), ref, { rtol: 1e-9, atol: 1e-10 });
    }));

  test('matrixNorm: Frobenius and nuclear (rank one: ‖u‖·‖v‖)', () =>
    tidy(() => {
      const a = rng.normals(12);
      assertClose(linalg.matrixNorm(tensor(a, [3, 4])).item(), Math.sqrt(a.reduce((s, v) => s + v * v, 0)), TOL);
      const u = rng.normals(3);
      const v = rng.normals(4);
      const uv = matmulNaive(u, v, 3, 1, 4);
      const nu = Math.hypot(...u) * Math.hypot(...v);
      assertClose(linalg.matrixNorm(tensor(uv, [3, 4]), 'nuc').item(), nu, TOL);
    }));
});
