/** Element-wise closeness assertions with a useful message on the first mismatch. */
import assert from 'node:assert/strict';

export interface Tolerance {
  /** Relative tolerance (default 1e-5). */
  rtol?: number;
  /** Absolute tolerance (default 1e-6). */
  atol?: number;
}

/**
 * Asserts |actual − expected| ≤ atol + rtol·|expected| element-wise (as numpy's
 * allclose), with equal lengths; NaN matches NaN only when both are NaN.
 */
export function assertClose(
  actual: ArrayLike<number | bigint> | number,
  expected: ArrayLike<number | bigint> | number,
  tol: Tolerance = {},
  what = 'values',
): void {
  const a = typeof actual === 'number' ? [actual] : Array.from(actual as ArrayLike<number | bigint>, Number);
  const e = typeof expected === 'number' ? [expected] : Array.from(expected as ArrayLike<number | bigint>, Number);
  assert.equal(a.length, e.length, `${what}: length ${a.length}, expected ${e.length}`);
  const rtol = tol.rtol ?? 1e-5;
  const atol = tol.atol ?? 1e-6;
  let worst = -1;
  let worstErr = 0;
  let bad = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = e[i] as number;
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (!(Number.isNaN(x) && Number.isNaN(y))) {
        bad++;
        if (worst < 0) worst = i;
      }
      continue;
    }
    if (x === y) continue; // also equal infinities
    const err = Math.abs(x - y);
    if (!(err <= atol + rtol * Math.abs(y))) {
      bad++;
      if (err > worstErr || worst < 0) {
        worst = i;
        worstErr = err;
      }
    }
  }
  if (bad > 0) {
    assert.fail(
      `${what}: ${bad}/${a.length} elements differ; worst at [${worst}]: got ${a[worst]}, expected ${e[worst]} ` +
        `(rtol ${rtol}, atol ${atol})`,
    );
  }
}

/** Asserts exact equality of two numeric sequences (int64 as Number). */
export function assertEqualArrays(
  actual: ArrayLike<number | bigint>,
  expected: ArrayLike<number | bigint>,
  what = 'values',
): void {
  assert.deepEqual(Array.from(actual, Number), Array.from(expected, Number), what);
}
