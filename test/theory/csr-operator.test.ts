/**
 * The native CSR kernel behind the sparse eigensolver against a dense double
 * loop: out = α·(A·cur − c·cur) − β·prev on the first `cols` columns of
 * row-major blocks with a wider stride, on 1 and 3 threads (same bits), in
 * place on prev, with empty rows; CsrOperator's structure checks and the
 * kernel's length and aliasing errors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { native } from '../../src/tensor/native.ts';
import { CsrOperator } from '../../src/theory/csr-operator.ts';
import { Rng } from '../helpers/prng.ts';

/** A random n×n CSR matrix with about `density`·n entries per row, some rows empty. */
function randomCsr(rng: Rng, n: number, perRow: number): CsrOperator {
  const crow = new Int32Array(n + 1);
  const cols: number[] = [];
  const vals: number[] = [];
  for (let i = 0; i < n; i++) {
    const m = i % 7 === 3 ? 0 : rng.int(1, perRow + 1);
    const set = new Set<number>();
    while (set.size < m) set.add(rng.int(0, n));
    for (const j of [...set].sort((a, b) => a - b)) {
      cols.push(j);
      vals.push(rng.normals(1)[0] as number);
    }
    crow[i + 1] = cols.length;
  }
  return new CsrOperator(n, crow, Int32Array.from(cols), Float64Array.from(vals));
}

/** The same step by a dense double loop over (i, j) and the row's entries. */
function reference(
  op: CsrOperator,
  cur: Float64Array,
  prev: Float64Array,
  out: Float64Array,
  stride: number,
  cols: number,
  alpha: number,
  c: number,
  beta: number,
): Float64Array {
  const r = Float64Array.from(out);
  for (let i = 0; i < op.n; i++) {
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let p = op.crow[i] as number; p < (op.crow[i + 1] as number); p++) {
        s += (op.val[p] as number) * (cur[(op.col[p] as number) * stride + j] as number);
      }
      r[i * stride + j] = alpha * (s - c * (cur[i * stride + j] as number)) - beta * (prev[i * stride + j] as number);
    }
  }
  return r;
}

describe('CsrOperator (native csrChebyshevStep)', () => {
  const rng = new Rng(21);
  const n = 517;
  const op = randomCsr(rng, n, 9);

  for (const cols of [1, 3, 4, 8, 13, 24]) {
    it(`matches a dense loop on ${cols} of ${cols + 2} columns, on 1 and 3 threads`, () => {
      const stride = cols + 2;
      const cur = rng.normals(n * stride);
      const prev = rng.normals(n * stride);
      const init = rng.normals(n * stride);
      const want = reference(op, cur, prev, init, stride, cols, 0.7, -0.3, 0.45);
      for (const threads of [1, 3]) {
        const out = Float64Array.from(init);
        native.csrChebyshevStep(op.crow, op.col, op.val, cur, prev, out, stride, cols, 0.7, -0.3, 0.45, threads);
        for (let t = 0; t < out.length; t++) {
          assert.ok(
            Math.abs((out[t] as number) - (want[t] as number)) <= 1e-12 * (1 + Math.abs(want[t] as number)),
            `threads ${threads}, entry ${t}: ${out[t]} vs ${want[t]}`,
          );
        }
        // Columns ≥ cols are untouched.
        for (let i = 0; i < n; i++)
          for (let j = cols; j < stride; j++) assert.equal(out[i * stride + j], init[i * stride + j]);
      }
    });
  }

  it('multiply is A·x; in place on prev; the same bits on any thread count; products counted', () => {
    const q = 5;
    const x = rng.normals(n * q);
    const y = op.product(x, q);
    const want = reference(op, x, x, new Float64Array(n * q), q, q, 1, 0, 0);
    for (let t = 0; t < y.length; t++) assert.ok(Math.abs((y[t] as number) - (want[t] as number)) <= 1e-12);
    assert.equal(op.products >= q, true);
    const prev = rng.normals(n * q);
    const expected = reference(op, x, prev, prev, q, q, 2, 0.5, -1.5);
    op.chebyshevStep(x, prev, prev, q, q, 2, 0.5, -1.5);
    for (let t = 0; t < prev.length; t++) assert.ok(Math.abs((prev[t] as number) - (expected[t] as number)) <= 1e-12);
    const a = new Float64Array(n * q);
    const b = new Float64Array(n * q);
    native.csrChebyshevStep(op.crow, op.col, op.val, x, x, a, q, q, 1, 0, 0, 1);
    native.csrChebyshevStep(op.crow, op.col, op.val, x, x, b, q, q, 1, 0, 0, 4);
    assert.deepEqual(Array.from(a), Array.from(b));
  });

  it('rejects a malformed structure and bad kernel arguments', () => {
    const f64 = (m: number) => new Float64Array(m);
    assert.throws(
      () => new CsrOperator(2, Int32Array.from([0, 1]), Int32Array.from([0]), f64(1)),
      /crow must hold n \+ 1/,
    );
    assert.throws(
      () => new CsrOperator(2, Int32Array.from([0, 2, 1]), Int32Array.from([0]), f64(1)),
      /values, 1 column indices|row pointers decrease/,
    );
    assert.throws(
      () => new CsrOperator(2, Int32Array.from([0, 1, 2]), Int32Array.from([0, 2]), f64(2)),
      /CsrOperator: col\[1\] must be a column index in \[0, 1\], got 2/,
    );
    assert.throws(
      () => new CsrOperator(2, Int32Array.from([0, 1, 1]), Int32Array.from([0, 1]), f64(2)),
      /crow\[n\] = 1/,
    );
    const q = 2;
    const x = f64(n * q);
    const short = f64(n * q - 1);
    assert.throws(() => op.chebyshevStep(x, x, x, q, q, 1, 0, 0), /out must not alias cur/);
    assert.throws(() => op.chebyshevStep(x, x, x.subarray(1), q, q, 1, 0, 0), /out must not alias cur/);
    assert.throws(
      () => native.csrChebyshevStep(op.crow, op.col, op.val, short, x, f64(n * q), q, q, 1, 0, 0, 1),
      /cur holds \d+ values, needs \d+/,
    );
    assert.throws(
      () => native.csrChebyshevStep(op.crow, op.col, op.val, x, short, f64(n * q), q, q, 1, 0, 1, 1),
      /prev holds/,
    );
    assert.throws(
      () =>
        native.csrChebyshevStep(
          op.crow,
          op.col,
          new Float32Array(op.val.length) as never,
          x,
          x,
          f64(n * q),
          q,
          q,
          1,
          0,
          0,
          1,
        ),
      /val has the wrong typed-array type/,
    );
    assert.throws(
      () => native.csrChebyshevStep(op.crow, op.col, op.val, x, x, f64(n * q), q, q + 1, 1, 0, 0, 1),
      /cols <= stride/,
    );
    assert.throws(() => op.prepare(0, 2), /threads must be a positive integer/);
  });
});
