/**
 * Theorem 1 (the spectral loss's minimizer is the spectral embedding up to a
 * rotation): orthogonal Procrustes against a planted rotation and a brute-force
 * search over 2-D rotations and reflections; gradient descent on graphs with
 * closed-form spectra (cycle: λⱼ = cos(2πj/N); disjoint cliques: 1 and
 * −1/(n−1)), the Eckart–Young optimum written out by hand; the augmentation
 * graph of a manifold mixture; a run too short to converge; bad input.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  eckartYoung,
  optimumCheck,
  optimumOnMatrix,
  spectralLossDescent,
} from '../../../src/experiments/theory/optimum.ts';
import { type Tensor, tensor, tidy } from '../../../src/tensor/index.ts';
import { orthogonalProcrustes } from '../../../src/theory/procrustes.ts';
import { assertClose } from '../../helpers/close.ts';
import { Rng } from '../../helpers/prng.ts';

/** Row-major n×m product of plain arrays. */
function matmul(a: Float64Array, b: Float64Array, n: number, p: number, m: number): Float64Array {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++)
    for (let l = 0; l < p; l++) {
      const v = a[i * p + l] as number;
      for (let j = 0; j < m; j++) out[i * m + j] = (out[i * m + j] as number) + v * (b[l * m + j] as number);
    }
  return out;
}

/** A random k×k orthogonal matrix by Gram–Schmidt on Gaussian columns (plain TypeScript), row-major. */
function randomOrthogonal(rng: Rng, k: number): Float64Array {
  const cols: Float64Array[] = [];
  while (cols.length < k) {
    const v = rng.normals(k);
    for (const c of cols) {
      let dot = 0;
      for (let i = 0; i < k; i++) dot += (v[i] as number) * (c[i] as number);
      for (let i = 0; i < k; i++) v[i] = (v[i] as number) - dot * (c[i] as number);
    }
    const norm = Math.hypot(...v);
    cols.push(v.map((x) => x / norm));
  }
  const q = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) q[i * k + j] = cols[j]?.[i] as number;
  return q;
}

/** Normalized adjacency of the N-cycle: Ā = W/2. */
function cycle(n: number): Tensor {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    a[i * n + ((i + 1) % n)] = 0.5;
    a[i * n + ((i + n - 1) % n)] = 0.5;
  }
  return tensor(a, [n, n]);
}

/** Normalized adjacency of r disjoint n-cliques without self-loops: blocks (J − I)/(n − 1). */
function cliques(r: number, n: number): Tensor {
  const N = r * n;
  const a = new Float64Array(N * N);
  for (let i = 0; i < N; i++)
    for (let j = 0; j < N; j++) if (i !== j && Math.floor(i / n) === Math.floor(j / n)) a[i * N + j] = 1 / (n - 1);
  return tensor(a, [N, N]);
}

describe('orthogonalProcrustes', () => {
  it('recovers a planted random rotation (and a reflection) exactly', () => {
    const rng = new Rng(7);
    const n = 30;
    const k = 4;
    const a = rng.normals(n * k);
    for (const reflect of [false, true]) {
      const r0 = randomOrthogonal(rng, k);
      if (reflect) for (let i = 0; i < k; i++) r0[i * k] = -(r0[i * k] as number); // flip one column: det changes sign
      const b = matmul(a, r0, n, k, k);
      const p = tidy(() => {
        const r = orthogonalProcrustes(tensor(a, [n, k]), tensor(b, [n, k]));
        return {
          rotation: Array.from(r.rotation.data() as Float64Array),
          residual: r.residual,
          rel: r.relativeResidual,
        };
      });
      assertClose(p.rotation, r0, { rtol: 0, atol: 1e-12 }, 'rotation');
      assert.ok(p.residual < 1e-12, `residual ${p.residual}`);
      assert.ok(p.rel < 1e-13, `relative residual ${p.rel}`);
    }
  });

  it('matches a brute-force search over 2-D rotations and reflections', () => {
    const rng = new Rng(11);
    const n = 25;
    const a = rng.normals(n * 2);
    const t0 = 2.1;
    const b = new Float64Array(n * 2);
    for (let i = 0; i < n; i++) {
      // b = a·R(θ₀) + noise, so the optimum is near but not at θ₀.
      const x = a[2 * i] as number;
      const y = a[2 * i + 1] as number;
      b[2 * i] = x * Math.cos(t0) + y * Math.sin(t0) + 0.3 * rng.normal();
      b[2 * i + 1] = -x * Math.sin(t0) + y * Math.cos(t0) + 0.3 * rng.normal();
    }
    // R(θ) = [[c, −s], [s, c]] (rotation) or [[c, s], [s, −c]] (reflection), row-major.
    const mat = (t: number, reflect: boolean) => {
      const c = Math.cos(t);
      const s = Math.sin(t);
      return reflect ? [c, s, s, -c] : [c, -s, s, c];
    };
    const cost = (r: number[]) => {
      let sq = 0;
      for (let i = 0; i < n; i++) {
        const x = a[2 * i] as number;
        const y = a[2 * i + 1] as number;
        sq += (x * (r[0] as number) + y * (r[2] as number) - (b[2 * i] as number)) ** 2;
        sq += (x * (r[1] as number) + y * (r[3] as number) - (b[2 * i + 1] as number)) ** 2;
      }
      return Math.sqrt(sq);
    };
    let best = { cost: Number.POSITIVE_INFINITY, t: 0, reflect: false };
    const steps = 20_000;
    for (const reflect of [false, true])
      for (let s = 0; s < steps; s++) {
        const t = (2 * Math.PI * s) / steps;
        const c = cost(mat(t, reflect));
        if (c < best.cost) best = { cost: c, t, reflect };
      }
    // Refine the best grid angle by golden-section search on its bracket.
    let lo = best.t - (2 * Math.PI) / steps;
    let hi = best.t + (2 * Math.PI) / steps;
    const g = (Math.sqrt(5) - 1) / 2;
    for (let it = 0; it < 100; it++) {
      const m1 = hi - g * (hi - lo);
      const m2 = lo + g * (hi - lo);
      if (cost(mat(m1, best.reflect)) < cost(mat(m2, best.reflect))) hi = m2;
      else lo = m1;
    }
    const tBest = (lo + hi) / 2;
    const brute = mat(tBest, best.reflect);
    const p = tidy(() => {
      const r = orthogonalProcrustes(tensor(a, [n, 2]), tensor(b, [n, 2]));
      return { rotation: Array.from(r.rotation.data() as Float64Array), residual: r.residual };
    });
    assert.equal(best.reflect, false, 'the planted map is a rotation');
    assertClose(p.residual, cost(brute), { rtol: 1e-10, atol: 0 }, 'residual');
    assertClose(p.rotation, brute, { rtol: 0, atol: 1e-7 }, 'rotation');
    assert.ok(Math.abs(tBest - t0) > 1e-3, 'noise moved the optimum off θ₀ (the test is not trivial)');
  });

  it('rejects mismatched shapes', () => {
    tidy(() => {
      const a = tensor(new Float64Array(6), [3, 2]);
      assert.throws(() => orthogonalProcrustes(a, tensor(new Float64Array(6), [2, 3])), /b must have a's shape/);
      assert.throws(() => orthogonalProcrustes(tensor(new Float64Array(3), [3]), a), /a must be an N×k matrix/);
    });
  });
});

describe('eckartYoung', () => {
  it('keeps the k largest eigenvalues by value, and only positive ones', () => {
    // Top 2 by value: 3 and 1; −5 and 0.5 remain: 25 + 0.25.
    assert.equal(eckartYoung([3, -5, 1, 0.5], 2), 25.25);
    // No positive eigenvalue: nothing can be kept.
    assert.equal(eckartYoung([-1, -2], 2), 5);
    assert.equal(eckartYoung([2, 1], 0), 5);
    assert.throws(() => eckartYoung([1], -1), /eckartYoung: k must be a non-negative integer, got -1/);
  });
});

describe('gradient descent on the spectral loss', () => {
  it('cycle C₁₀, k = 3: reaches Σ_{i>3} λᵢ² = N/2 − 1 − 2cos²(π/5) and U₃Λ₃^{1/2} up to rotation', () => {
    const n = 10;
    const r = tidy(() => {
      const res = optimumOnMatrix(cycle(n), 3);
      res.f.dispose();
      res.target.dispose();
      return res;
    });
    // Σⱼ cos²(2πj/N) = N/2; the top three are 1, cos(π/5), cos(π/5).
    const optimum = n / 2 - 1 - 2 * Math.cos(Math.PI / 5) ** 2;
    const closed = Array.from({ length: n }, (_, j) => Math.cos((2 * Math.PI * j) / n)).sort((x, y) => y - x);
    assertClose(r.eigenvalues, closed, { rtol: 0, atol: 1e-12 }, 'eigenvalues');
    assertClose(r.eckartYoung, optimum, { rtol: 1e-12, atol: 0 }, 'Eckart–Young');
    assertClose(r.eigengap, Math.cos(Math.PI / 5) - Math.cos((2 * Math.PI) / 5), { rtol: 1e-10, atol: 0 }, 'gap');
    assert.ok(Math.abs(r.finalLoss - optimum) / optimum <= 1e-6, `loss ${r.finalLoss} vs ${optimum}`);
    assert.ok(r.relativeGap <= 1e-6 && r.relativeGap > -1e-12, `relative gap ${r.relativeGap}`);
    assert.ok(r.procrustesResidual <= 1e-3, `Procrustes residual ${r.procrustesResidual}`);
    assertClose(r.constant, n / 2, { rtol: 1e-12, atol: 0 }, '‖Ā‖²_F = Σλ²');
    assertClose(
      r.spectralLoss.optimum,
      -(1 + 2 * Math.cos(Math.PI / 5) ** 2),
      { rtol: 1e-12, atol: 0 },
      'spectral loss optimum',
    );
    // Loss curve: starts at ≈‖Ā‖² (small init), never increases, ends at the final loss.
    const first = r.lossCurve[0];
    assert.equal(first?.step, 0);
    assert.ok(Math.abs((first?.loss as number) - n / 2) < 1e-3, `initial loss ${first?.loss}`);
    for (let i = 1; i < r.lossCurve.length; i++) {
      assert.ok(
        (r.lossCurve[i]?.loss as number) <= (r.lossCurve[i - 1]?.loss as number) + 1e-12,
        `curve rises at ${i}`,
      );
    }
    assertClose(r.lossCurve.at(-1)?.loss as number, r.finalLoss, { rtol: 1e-10, atol: 1e-12 }, 'curve end');
  });

  it('cycle C₁₀, k = 7 > 5 positive eigenvalues: only positive ones are kept (optimum Σ of the negative λ² = 2.5)', () => {
    const r = tidy(() => {
      const res = optimumOnMatrix(cycle(10), 7);
      res.f.dispose();
      res.target.dispose();
      return res;
    });
    // Negative eigenvalues: cos(3π/5) ×2, cos(4π/5) ×2, −1.
    const optimum = 2 * Math.cos((3 * Math.PI) / 5) ** 2 + 2 * Math.cos((4 * Math.PI) / 5) ** 2 + 1;
    assertClose(optimum, 2.5, { rtol: 1e-12, atol: 0 }, 'hand value');
    assert.ok(Math.abs(r.finalLoss - optimum) / optimum <= 1e-6, `loss ${r.finalLoss} vs ${optimum}`);
    assert.ok(r.procrustesResidual <= 1e-3, `Procrustes residual ${r.procrustesResidual}`);
  });

  it('4 disjoint 15-cliques, k = 4: reaches r/(n−1) (eigenvalue 1 four times, −1/(n−1) otherwise)', () => {
    const r = tidy(() => {
      const res = optimumOnMatrix(cliques(4, 15), 4, { seed: 3 });
      // F spans the cluster indicators: FFᵀ is the block matrix J/n.
      const ffT = res.f.mm(res.f.t());
      const blocks = new Float64Array(60 * 60);
      for (let i = 0; i < 60; i++)
        for (let j = 0; j < 60; j++) if (Math.floor(i / 15) === Math.floor(j / 15)) blocks[i * 60 + j] = 1 / 15;
      const blockErr = ffT.sub(tensor(blocks, [60, 60]));
      const out = { ...res, blockErr: blockErr.abs().max().item() as number };
      res.f.dispose();
      res.target.dispose();
      return out;
    });
    const optimum = 4 / 14;
    assertClose(r.eckartYoung, optimum, { rtol: 1e-10, atol: 0 }, 'Eckart–Young');
    assert.ok(Math.abs(r.finalLoss - optimum) / optimum <= 1e-6, `loss ${r.finalLoss} vs ${optimum}`);
    assert.ok(r.procrustesResidual <= 1e-3, `Procrustes residual ${r.procrustesResidual}`);
    assert.ok(r.blockErr <= 1e-4, `FFᵀ vs J/n blocks: ${r.blockErr}`);
  });

  it('too few steps stay clearly above the optimum (the check can fail)', () => {
    const r = tidy(() => {
      const res = optimumOnMatrix(cycle(10), 3, { steps: 20 });
      res.f.dispose();
      res.target.dispose();
      return res;
    });
    assert.equal(r.steps, 20);
    assert.ok(r.relativeGap > 1e-2, `relative gap ${r.relativeGap}`);
    assert.ok(r.procrustesResidual > 1e-2, `Procrustes residual ${r.procrustesResidual}`);
  });

  it('rejects bad input and reports divergence', () => {
    tidy(() => {
      const c = cycle(6);
      assert.throws(() => spectralLossDescent(c, 0), /spectralLossDescent: k must be an integer in \[1, 6\], got 0/);
      assert.throws(
        () => spectralLossDescent(c, 2, { lr: -1 }),
        /spectralLossDescent: lr must be a finite number > 0, got -1/,
      );
      assert.throws(() => spectralLossDescent(c, 2, { steps: 1.5 }), /steps must be a non-negative integer, got 1.5/);
      assert.throws(
        () => spectralLossDescent(tensor(new Float64Array(6), [2, 3]), 1),
        /a must be a non-empty dense symmetric/,
      );
      assert.throws(() => spectralLossDescent(tensor(Float64Array.of(0, 1, 0, 0), [2, 2]), 1), /a must be symmetric/);
      assert.throws(() => spectralLossDescent(c, 2, { lr: 50, initScale: 1 }), /diverged/);
    });
  });
});

describe('optimumCheck on the augmentation graph of a manifold mixture', () => {
  it('default: relative gap ≤ 1e-6, Procrustes residual ≤ 1e-3, k at an eigengap, f ≈ f* up to rotation', (t) => {
    const r = optimumCheck();
    // Independent of the code's Eckart–Young: the sum over the returned spectrum, and ‖Ā‖²_F = Σλ².
    const ev = r.eigenvalues;
    let total = 0;
    let kept = 0;
    ev.forEach((v, i) => {
      total += v * v;
      if (i < r.k && v > 0) kept += v * v;
    });
    assertClose(total, r.constant, { rtol: 1e-10, atol: 0 }, 'Σλ² vs ‖Ā‖²_F');
    assertClose(r.eckartYoung, total - kept, { rtol: 1e-8, atol: 0 }, 'Eckart–Young');
    // λ₁ of a normalized adjacency is exactly 1 (eigenvector √w), whatever the graph.
    assert.ok(Math.abs((ev[0] as number) - 1) < 1e-10, `λ₁ ${ev[0]}`);
    assert.ok(r.eigengap > 0.01, `eigengap ${r.eigengap} at k = ${r.k}`);
    assert.ok(r.relativeGap <= 1e-6, `relative gap ${r.relativeGap}`);
    assert.ok(r.relativeGap > -1e-10, `below the optimum: ${r.relativeGap}`);
    assert.ok(r.procrustesResidual <= 1e-3, `Procrustes residual ${r.procrustesResidual}`);
    assert.ok(r.embeddingResidual <= 1e-3, `embedding residual ${r.embeddingResidual}`);
    // The work, not the clock: gradient descent stopped at the gradient tolerance, well before the step cap.
    assert.ok(r.gradNorm <= r.settings.gradTolerance, `‖∇L‖ ${r.gradNorm}`);
    assert.ok(r.steps < r.settings.steps, `${r.steps} of ${r.settings.steps} steps`);
    t.diagnostic(`${r.steps} gradient steps, ${r.seconds.toFixed(1)} s`);
  });

  it('a run with too few steps is clearly above the optimum', () => {
    const r = optimumCheck({ vertices: 200, steps: 10 });
    assert.ok(r.relativeGap > 1e-2, `relative gap ${r.relativeGap}`);
  });

  it('rejects bad options', () => {
    assert.throws(() => optimumCheck({ manifolds: 0 }), /theory optimum: manifolds must be a positive integer, got 0/);
    assert.throws(() => optimumCheck({ sigma: 0 }), /sigma must be a number in \(0, 1e100\] .*, got 0/);
    assert.throws(() => optimumCheck({ k: 0 }), /k must be a positive integer, or "auto", got 0/);
    assert.throws(
      () => optimumCheck({ vertices: 10, maxK: 10 }),
      /maxK must be an integer in \[1, 9\] \(below vertices\), got 10/,
    );
    assert.throws(() => optimumCheck({ vertices: 10, k: 10 }), /k must be "auto" or an integer in \[1, 9\]/);
    assert.throws(
      () => optimumCheck({ vertice: 10 } as never),
      /unknown option 'vertice' \(did you mean 'vertices'\?\)/,
    );
  });
});
