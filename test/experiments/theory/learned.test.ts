/**
 * Theorem 2 on a small case: an MLP trained with the spectral contrastive
 * loss spans the top-k eigenvectors of the augmentation kernel; the network at
 * its random initialization does not. Independent checks: for two
 * well-separated manifolds the top-2 eigenspace is (closed form) the span of
 * the two cluster indicators, λ₁ = 1 exactly for the operator, and the
 * population loss is bounded below by the Eckart–Young optimum.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { autoK, type LearnedResult, learnedFeaturesCheck } from '../../../src/experiments/theory/learned.ts';
import { tensor, tidy } from '../../../src/tensor/index.ts';
import { principalAngleCosines } from '../../../src/theory/principal-angles.ts';

const small = {
  manifolds: 2,
  vertices: 400,
  naturalPoints: 80,
  steps: 250,
  batchSize: 256,
  hidden: 64,
  seed: 0,
};

let cached: LearnedResult | undefined;
function smallRun(): LearnedResult {
  cached ??= learnedFeaturesCheck(small);
  return cached;
}

test('a small two-manifold run learns the top-2 eigenspace; the random network does not', () => {
  const res = smallRun();
  assert.equal(res.k, 2, `k = ${res.k}: the operator spectrum [${res.operatorEigenvalues}] has its gap at r = 2`);
  assert.ok(res.meanCosine >= 0.9, `mean cosine ${res.meanCosine} (cosines ${res.cosines})`);
  assert.ok(
    res.randomInitMeanCosine <= res.meanCosine - 0.15,
    `random init ${res.randomInitMeanCosine} vs trained ${res.meanCosine}`,
  );
  assert.ok(res.procrustesResidual < 0.3, `Procrustes residual ${res.procrustesResidual}`);
  assert.ok(res.randomInitProcrustesResidual > 0.8, `random-init residual ${res.randomInitProcrustesResidual}`);
  assert.equal(res.cosines.length, 2);
  assert.ok((res.cosines[0] as number) >= (res.cosines[1] as number), 'cosines descending');
  assert.equal(res.clippedFraction, 0, 'μ = 10k never clips at the optimum scale ‖f‖² ≈ r');
});

test('the spectrum: λ₁ ≈ 1 (∫w(x,x′)dx′ = p(x)), two near-1 eigenvalues, then a gap', () => {
  const res = smallRun();
  const [l1, l2, l3] = res.operatorEigenvalues as [number, number, number];
  assert.ok(Math.abs(l1 - 1) < 0.01, `operator λ₁ = ${l1}`);
  assert.ok(l2 > 0.98 && l3 < 0.8, `operator λ₂ = ${l2}, λ₃ = ${l3}`);
  assert.ok(Math.abs((res.eigenvalues[0] as number) - 1) < 0.05, `Nyström λ₁ = ${res.eigenvalues[0]}`);
  assert.ok(res.eigengap > 0.2, `eigengap ${res.eigengap}`);
  assert.ok(Math.abs(res.operatorEigengap - (l2 - l3)) < 1e-12);
});

test('the learned features are the two cluster indicators (closed form for separated manifolds)', () => {
  const res = smallRun();
  const { x, y, labels } = res.embedding2d;
  const n = labels.length;
  assert.equal(n, small.vertices);
  tidy(() => {
    const f = new Float64Array(2 * n);
    const ind = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      f[2 * i] = x[i] as number;
      f[2 * i + 1] = y[i] as number;
      ind[2 * i + (labels[i] as number)] = 1;
    }
    const c = principalAngleCosines(tensor(f, [n, 2]), tensor(ind, [n, 2]));
    assert.ok((c[1] as number) > 0.97, `cosines with the indicators ${Array.from(c)}`);
  });
});

test('the trained loss is near the Eckart–Young optimum −Σλᵢ² and not below it', () => {
  const res = smallRun();
  const slack = 3 * res.finalLossStdError + 0.01;
  assert.ok(res.finalLoss >= res.optimalLoss - slack, `final ${res.finalLoss} < optimum ${res.optimalLoss}`);
  assert.ok(res.finalLoss <= res.optimalLoss + 0.1, `final ${res.finalLoss} far above optimum ${res.optimalLoss}`);
  const first = res.lossCurve[0]?.loss as number;
  const last = res.lossCurve[res.lossCurve.length - 1]?.loss as number;
  assert.ok(last < first - 1, `loss curve ${first} → ${last}`);
  assert.equal(res.lossCurve[res.lossCurve.length - 1]?.step, small.steps);
});

test('a small μ clips rows, and the fraction is reported', () => {
  const res = learnedFeaturesCheck({ ...small, vertices: 60, naturalPoints: 20, steps: 40, batchSize: 64, mu: 0.05 });
  assert.equal(res.settings.mu, 0.05);
  assert.ok(res.clippedFraction > 0.2, `clipped fraction ${res.clippedFraction}`);
});

test('autoK picks the largest gap in [r, 2r]', () => {
  assert.equal(autoK([1, 1, 0.5, 0.45, 0.1, 0.05], 2), 2);
  assert.equal(autoK([1, 1, 0.95, 0.9, 0.1, 0.05], 2), 4);
  assert.equal(autoK([1, 0.95, 0.5, 0.45], 1), 2);
  // Beyond 2r a bigger gap is not taken.
  assert.equal(autoK([1, 0.9, 0.85, 0.0], 1), 1);
});

test('bad options are rejected with the field named', () => {
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ manifolds: 0 }, /theory learned: manifolds must be a positive integer, got 0/],
    [{ manifolds: 2, sigma: -1 }, /sigma must be a number in \(0, 1e100\]/],
    [{ manifolds: 2, naturalPoints: 1 }, /naturalPoints must be an integer ≥ r = 2, got 1/],
    [{ manifolds: 2, vertices: 4 }, /vertices must be at least 2·manifolds \+ 1 = 5 with k = "auto", got 4/],
    [{ manifolds: 2, k: 0 }, /k must be a positive integer, or "auto", got 0/],
    [{ manifolds: 2, vertices: 10, k: 10 }, /k must be "auto" or an integer in \[1, vertices − 1 = 9\], got 10/],
    [{ manifolds: 2, batchSize: 1 }, /batchSize must be an integer ≥ 2/],
    [{ manifolds: 2, steps: 1.5 }, /steps must be a positive integer, got 1.5/],
    [{ manifold: 2 }, /unknown option 'manifold' \(did you mean 'manifolds'\?\)/],
    [{ manifolds: 2, lr: 0 }, /lr must be a finite number > 0/],
    [
      { manifolds: 2, mu: Number.NaN },
      /mu must be a number in \(0, 1e30\] \(the loss is float32, at most 3\.4e38\), or null, got NaN/,
    ],
    [{ manifolds: 2, mu: 1e308 }, /mu must be a number in \(0, 1e30\]/],
    [
      { manifolds: 2, hidden: 1e15 },
      /theory learned: hidden 1000000000000000 needs about .* \(the MLP d → h → h → k in float32/,
    ],
    [
      { manifolds: 2, batchSize: 1e15 },
      /theory learned: batchSize 1000000000000000 needs about .*; use at most \d+ batchSize, or a smaller hidden width/,
    ],
    [{ manifolds: 2, vertices: 1e15 }, /theory learned: vertices 1000000000000000 needs about/],
    [{ manifolds: 2, seed: -1 }, /seed must be a non-negative integer/],
    [{ manifolds: 2, separation: -2 }, /separation must be a number in \[0, 1e100\]/],
    [{ manifolds: 2, onProgress: 3 }, /onProgress must be a function/],
  ];
  for (const [o, re] of bad) {
    assert.throws(() => learnedFeaturesCheck(o as never), re, JSON.stringify(o));
  }
});
