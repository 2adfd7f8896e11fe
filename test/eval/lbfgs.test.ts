/**
 * The generic L-BFGS minimizer against problems with known minimizers: a
 * strictly convex quadratic (answer from a plain-TypeScript Gaussian
 * elimination) and the Rosenbrock function (minimum at (1, 1)).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lbfgs } from '../../src/eval/index.ts';
import { type Tensor, tensor, tidy } from '../../src/tensor/index.ts';
import { assertClose } from '../helpers/close.ts';
import { Rng } from '../helpers/prng.ts';

/** Solves A·x = b by Gaussian elimination with partial pivoting (row-major n×n A), in float64. */
function solveDense(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i] as number]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[p]![c]!)) p = r;
    [M[c], M[p]] = [M[p]!, M[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = M[r]![c]! / M[c]![c]!;
      for (let k = c; k <= n; k++) M[r]![k]! -= f * M[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= M[r]![k]! * x[k]!;
    x[r] = s / M[r]![r]!;
  }
  return x;
}

/** A = MᵀM/n + 0.2·I (symmetric positive definite, λ_min ≥ 0.2, condition number ≈ 20) and b, from a seeded Rng. */
function quadraticProblem(n: number, seed: number): { A: number[][]; b: number[] } {
  const rng = new Rng(seed);
  const M = Array.from({ length: n }, () => Array.from({ length: n }, () => rng.normal()));
  const A = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => {
      let s = 0;
      for (let k = 0; k < n; k++) s += M[k]![i]! * M[k]![j]!;
      return s / n + (i === j ? 0.2 : 0);
    }),
  );
  return { A, b: Array.from({ length: n }, () => rng.normal()) };
}

test('quadratic ½xᵀAx − bᵀx: L-BFGS reaches the solution of A·x = b to 1e-5 (float64)', () => {
  const n = 30;
  const { A, b } = quadraticProblem(n, 7);
  const expected = solveDense(A, b);
  const At = tensor(Float64Array.from(A.flat()), [n, n]);
  const bt = tensor(Float64Array.from(b), [n]);
  const f = (x: Tensor) => {
    const Ax = At.matmul(x);
    return { loss: 0.5 * x.dot(Ax).item() - bt.dot(x).item(), grad: Ax.sub(bt) };
  };
  const x0 = tensor(new Float64Array(n), [n]);
  // ‖x − x*‖₂ ≤ ‖∇f‖₂/λ_min(A) ≤ √n·‖∇f‖∞/0.2, so ‖∇f‖∞ ≤ 1e-7 puts x within 3e-6 of x*. (Much
  // smaller gradients are out of reach: f ≈ −50 resolves only ≈1e-14 in float64, the size of the
  // decrease left at ‖∇f‖ ≈ 1e-7.)
  const r = lbfgs(f, x0, { gradTolerance: 1e-7, lossTolerance: 0, maxIterations: 500 });
  assert.equal(r.converged, true, `stopped by ${r.stop} after ${r.iterations} iterations`);
  assertClose(r.x.toArray(), expected, { rtol: 0, atol: 1e-5 }, 'minimizer');
  // f at the minimizer is −½ bᵀA⁻¹b.
  const fStar = -0.5 * b.reduce((s, v, i) => s + v * (expected[i] as number), 0);
  assertClose(r.loss, fStar, { rtol: 1e-9, atol: 1e-12 }, 'minimum');
  assert.ok(r.iterations < 200, `took ${r.iterations} iterations`);
  assert.deepEqual(x0.toArray(), new Array(n).fill(0), 'x0 is left untouched');
  for (const t of [At, bt, x0, r.x]) t.dispose();
});

test('Rosenbrock from (−1.2, 1) reaches (1, 1) to 1e-4', () => {
  // f = (1 − u)² + 100·(v − u²)², gradient by hand.
  let calls = 0;
  const f = (x: Tensor) => {
    calls++;
    const [u, v] = x.toArray() as [number, number];
    const loss = (1 - u) ** 2 + 100 * (v - u * u) ** 2;
    const gu = -2 * (1 - u) - 400 * u * (v - u * u);
    const gv = 200 * (v - u * u);
    return { loss, grad: tensor(Float64Array.of(gu, gv), [2]) };
  };
  const x0 = tensor(Float64Array.of(-1.2, 1), [2]);
  const r = lbfgs(f, x0, { gradTolerance: 1e-9, lossTolerance: 0, maxIterations: 500 });
  assert.equal(r.converged, true, `stopped by ${r.stop} after ${r.iterations} iterations`);
  assertClose(r.x.toArray(), [1, 1], { rtol: 0, atol: 1e-4 }, 'minimizer');
  assert.ok(r.loss < 1e-10, `f = ${r.loss}`);
  assert.equal(r.evaluations, calls, 'evaluations counts every call of f');
  // Nocedal & Wright report ≈35 iterations for BFGS-type methods here; allow generous room.
  assert.ok(r.iterations < 100, `took ${r.iterations} iterations`);
  x0.dispose();
  r.x.dispose();
});

test('float32: the quadratic converges as far as single precision resolves f', () => {
  const n = 20;
  const { A, b } = quadraticProblem(n, 3);
  const expected = solveDense(A, b);
  const At = tensor(Float32Array.from(A.flat()), [n, n]);
  const bt = tensor(Float32Array.from(b), [n]);
  const f = (x: Tensor) => {
    const Ax = At.matmul(x);
    return { loss: 0.5 * x.dot(Ax).item() - bt.dot(x).item(), grad: Ax.sub(bt) };
  };
  const x0 = tensor(new Float32Array(n), [n]);
  const r = lbfgs(f, x0, { gradTolerance: 1e-5 });
  // In single precision f resolves ≈1e-7 of its size, which bounds how far the line search can go:
  // ≈1e-3 relative on x* here (entries up to ≈11).
  assert.ok(r.iterations > 10 && r.loss < 0, `${r.stop} after ${r.iterations} iterations`);
  assertClose(r.x.toArray(), expected, { rtol: 1e-3, atol: 1e-2 }, 'minimizer');
  for (const t of [At, bt, x0, r.x]) t.dispose();
});

test('stops at maxIterations with converged = false, and rejects bad input', () => {
  const n = 10;
  const { A, b } = quadraticProblem(n, 5);
  const At = tensor(Float64Array.from(A.flat()), [n, n]);
  const bt = tensor(Float64Array.from(b), [n]);
  const f = (x: Tensor) => {
    const Ax = At.matmul(x);
    return { loss: 0.5 * x.dot(Ax).item() - bt.dot(x).item(), grad: Ax.sub(bt) };
  };
  const x0 = tensor(new Float64Array(n), [n]);
  const r = tidy(() => lbfgs(f, x0, { maxIterations: 3, gradTolerance: 0, lossTolerance: 0 }));
  assert.equal(r.iterations, 3);
  assert.equal(r.stop, 'maxIterations');
  assert.equal(r.converged, false);
  assert.equal(r.x.isDisposed, false, 'the result survives');
  assert.throws(() => lbfgs(f, At), /x0 must be a 1-D tensor/);
  assert.throws(() => lbfgs(f, tensor(new Int32Array(n), [n])), /x0 must have a floating dtype/);
  assert.throws(() => lbfgs(() => ({ loss: Number.NaN, grad: bt.clone() }), x0), /not finite/);
  for (const t of [At, bt, x0, r.x]) t.dispose();
});

test('onIteration: once per accepted step, in order, with the loss that the result ends on', () => {
  const f = (x: Tensor) => {
    const [u, v] = x.toArray() as [number, number];
    const loss = (1 - u) ** 2 + 100 * (v - u * u) ** 2;
    return { loss, grad: tensor(Float64Array.of(-2 * (1 - u) - 400 * u * (v - u * u), 200 * (v - u * u)), [2]) };
  };
  const x0 = tensor(Float64Array.of(-1.2, 1), [2]);
  const seen: { iteration: number; loss: number; gradNorm: number; evaluations: number }[] = [];
  const r = lbfgs(f, x0, { gradTolerance: 1e-9, lossTolerance: 0, onIteration: (it) => seen.push(it) });
  assert.deepEqual(
    seen.map((s) => s.iteration),
    Array.from({ length: r.iterations }, (_, i) => i + 1),
  );
  for (const [i, s] of seen.entries()) if (i > 0) assert.ok(s.loss <= (seen[i - 1]?.loss as number), `step ${i + 1}`);
  assert.equal(seen.at(-1)?.loss, r.loss);
  assert.equal(seen.at(-1)?.gradNorm, r.gradNorm);
  assert.equal(seen.at(-1)?.evaluations, r.evaluations);
  // A capped run reports every step it took and no more.
  const capped: number[] = [];
  const c = lbfgs(f, x0, { maxIterations: 4, onIteration: (it) => capped.push(it.iteration) });
  assert.deepEqual([c.converged, c.stop, capped], [false, 'maxIterations', [1, 2, 3, 4]]);
  for (const t of [x0, r.x, c.x]) t.dispose();
});
