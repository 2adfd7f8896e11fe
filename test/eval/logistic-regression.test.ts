/**
 * Multinomial logistic regression by L-BFGS, checked against plain-TypeScript
 * computations of its objective and gradient, and against a plain-TypeScript
 * gradient-descent binary logistic regression.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitLogisticRegression, linearProbe } from '../../src/eval/index.ts';
import { tensor } from '../../src/tensor/index.ts';
import { assertClose } from '../helpers/close.ts';
import { Rng } from '../helpers/prng.ts';
import { blobs, toTensors } from './blobs.ts';

/** Loss and gradient of (1/n)·Σ CE(Wxᵢ + b, yᵢ) + (λ/2)‖W‖², by loops in float64. */
function naiveObjective(W: number[][], b: number[], x: number[][], y: number[], l2: number) {
  const C = W.length;
  const d = x[0]!.length;
  const n = x.length;
  const gW = W.map((row) => row.map((w) => l2 * w));
  const gb = new Array<number>(C).fill(0);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const z = W.map((row, k) => b[k]! + row.reduce((s, w, j) => s + w * x[i]![j]!, 0));
    const zMax = Math.max(...z);
    const e = z.map((v) => Math.exp(v - zMax));
    const sum = e.reduce((a, v) => a + v, 0);
    loss += zMax + Math.log(sum) - z[y[i]!]!;
    for (let k = 0; k < C; k++) {
      const g = (e[k]! / sum - (k === y[i] ? 1 : 0)) / n;
      gb[k]! += g;
      for (let j = 0; j < d; j++) gW[k]![j]! += g * x[i]![j]!;
    }
  }
  const penalty = (l2 / 2) * W.flat().reduce((s, w) => s + w * w, 0);
  return { loss: loss / n + penalty, gW, gb };
}

const rows = (flat: number[], cols: number): number[][] =>
  Array.from({ length: flat.length / cols }, (_, i) => flat.slice(i * cols, (i + 1) * cols));
const maxAbs = (xs: number[]) => xs.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

test('the gradient of the objective, computed independently, vanishes at the returned optimum', () => {
  const data = blobs(new Rng(1), { classes: 3, perClass: 100, dim: 5, spread: 1.5 }); // overlapping classes
  const l2 = 1e-3;
  // float64 with the loss-change stop off, to a tight gradient; float32 with the defaults.
  for (const [dtype, opts, bound] of [
    ['float64', { tolerance: 1e-9, lossTolerance: 0 }, 1e-8],
    ['float32', {}, 2e-5],
  ] as const) {
    const { x, y } = toTensors(data, dtype);
    const r = fitLogisticRegression(x, y, { numClasses: 3, l2, dtype, ...opts });
    const W = rows(r.weight.toArray(), 5);
    const b = r.bias.toArray();
    const ref = naiveObjective(W, b, data.x, data.y, l2);
    const g = maxAbs([...ref.gW.flat(), ...ref.gb]);
    assert.ok(r.converged, `${dtype}: stopped by ${r.stop}`);
    assert.ok(g <= bound, `${dtype}: |∇L|∞ = ${g} at the returned optimum (bound ${bound}, ${r.stop})`);
    assertClose(r.gradNorm, g, { rtol: 0.05, atol: 1e-7 }, `${dtype}: reported gradient norm`);
    assertClose(r.loss, ref.loss, { rtol: dtype === 'float64' ? 1e-12 : 1e-6 }, `${dtype}: reported loss`);
    // The optimum is unique in W and Σₖ wₖ = 0 there; the bias is returned centred.
    for (let j = 0; j < 5; j++) assert.ok(Math.abs(W.reduce((s, row) => s + row[j]!, 0)) < 1e-4, 'Σₖ wₖ = 0');
    assert.ok(Math.abs(b.reduce((a, v) => a + v, 0)) < 1e-5, 'Σₖ bₖ = 0');
    r.dispose();
    x.dispose();
    y.dispose();
  }
});

test('binary case: agrees with plain-TypeScript gradient-descent logistic regression to 1e-3 (float64)', () => {
  const rng = new Rng(2);
  const n = 200;
  const d = 3;
  const x = Array.from({ length: n }, (_, i) =>
    Array.from({ length: d }, (_, j) => rng.normal() + (j === 0 ? (i % 2 ? 1 : -1) : 0)),
  );
  const y = x.map((_, i) => i % 2);
  const l2 = 1e-2;
  // With C = 2 the softmax model is the sigmoid model w = w₁ − w₀, c = b₁ − b₀, and at the optimum
  // w₀ = −w₁, so (λ/2)(‖w₀‖² + ‖w₁‖²) = (λ/4)‖w‖²: minimize (1/n)Σ log(1 + exp(−sᵢ(w·xᵢ + c))) + (λ/4)‖w‖².
  const w = new Array<number>(d).fill(0);
  let c = 0;
  for (let it = 0; it < 50_000; it++) {
    const gw = w.map((v) => (l2 / 2) * v);
    let gc = 0;
    for (let i = 0; i < n; i++) {
      const s = y[i] === 1 ? 1 : -1;
      const m = s * (c + w.reduce((a, v, j) => a + v * x[i]![j]!, 0));
      const k = -s / (1 + Math.exp(m)) / n; // ∂/∂z log(1 + e^{−s z})
      gc += k;
      for (let j = 0; j < d; j++) gw[j]! += k * x[i]![j]!;
    }
    const step = 1;
    for (let j = 0; j < d; j++) w[j]! -= step * gw[j]!;
    c -= step * gc;
    if (maxAbs([...gw, gc]) < 1e-12) break;
  }
  const t = toTensors({ x, y }, 'float64');
  const r = fitLogisticRegression(t.x, t.y, { numClasses: 2, l2, tolerance: 1e-10, dtype: 'float64' });
  const W = rows(r.weight.toArray(), d);
  const b = r.bias.toArray();
  assertClose(
    W[1]!.map((v, j) => v - W[0]![j]!),
    w,
    { rtol: 0, atol: 1e-3 },
    'w₁ − w₀',
  );
  assertClose(b[1]! - b[0]!, c, { rtol: 0, atol: 1e-3 }, 'b₁ − b₀');
  assertClose(
    W[0]!,
    W[1]!.map((v) => -v),
    { rtol: 0, atol: 1e-6 },
    'w₀ = −w₁',
  );
  r.dispose();
  t.x.dispose();
  t.y.dispose();
});

test('separable blobs: the probe reaches 100% test accuracy', () => {
  const rng = new Rng(3);
  const train = toTensors(blobs(rng, { classes: 4, perClass: 100, dim: 10, spread: 10 }));
  const test = toTensors(blobs(rng, { classes: 4, perClass: 250, dim: 10, spread: 10 }));
  const r = linearProbe({
    trainFeatures: train.x,
    trainLabels: train.y,
    testFeatures: test.x,
    testLabels: test.y,
    numClasses: 4,
  });
  assert.equal(r.top1, 1);
  assert.equal(r.trainTop1, 1);
  for (const t of [train.x, train.y, test.x, test.y]) t.dispose();
});

test('shuffled training labels: test accuracy stays near chance, true labels are learned', () => {
  // Isotropic Gaussian features in d = 50; labels by a fixed random linear rule argmaxₖ (Vx)ₖ, C = 10.
  const rng = new Rng(4);
  const C = 10;
  const d = 50;
  const V = Array.from({ length: C }, () => Array.from({ length: d }, () => rng.normal()));
  const make = (n: number) => {
    const x = Array.from({ length: n }, () => Array.from({ length: d }, () => rng.normal()));
    const y = x.map((xi) => {
      const z = V.map((v) => v.reduce((s, a, j) => s + a * xi[j]!, 0));
      return z.indexOf(Math.max(...z));
    });
    return { x, y };
  };
  const train = make(3000);
  const test = make(2000);
  const shuffled = rng.permutation(train.y.length).map((i) => train.y[i]!);
  const tTrain = toTensors(train);
  const tTest = toTensors(test);
  const yShuffled = tensor(BigInt64Array.from(shuffled, BigInt), [shuffled.length]);
  const base = { testFeatures: tTest.x, testLabels: tTest.y, numClasses: C, trainFeatures: tTrain.x };
  const real = linearProbe({ ...base, trainLabels: tTrain.y });
  const fake = linearProbe({ ...base, trainLabels: yShuffled });
  assert.ok(real.top1 > 0.85, `true labels: ${real.top1}`);
  // With labels independent of x the fitted classifier's predictions are independent of the test
  // labels, so its expected accuracy is Σ_c q_c·p_c ≤ max_c p_c (q: how often it predicts c, p: the
  // test class frequencies; the linear rule makes them unequal, ≈0.1 ± 0.03). Allow 3 binomial sd on
  // 2,000 test points (3·√(0.15·0.85/2000) ≈ 0.024) plus 0.026 for the weak dependence a linear
  // map fitted to noise keeps with V (cosine ≈ 1/√d): max_c p_c + 0.05.
  const pMax = Math.max(...Array.from({ length: C }, (_, c) => test.y.filter((v) => v === c).length / test.y.length));
  assert.ok(fake.top1 <= pMax + 0.05, `shuffled labels: ${fake.top1} (largest class ${pMax})`);
  for (const t of [tTrain.x, tTrain.y, tTest.x, tTest.y, yShuffled]) t.dispose();
});

test('rejects bad input', () => {
  const x = tensor(new Float32Array(6), [3, 2]);
  const y = tensor(BigInt64Array.of(0n, 1n, 5n), [3]);
  assert.throws(() => fitLogisticRegression(x, y, { numClasses: 3 }), /label 5 is out of range 0…2/);
  assert.throws(() => fitLogisticRegression(x, y.narrow(0, 0, 2), { numClasses: 6 }), /labels must have shape \[3\]/);
  assert.throws(() => fitLogisticRegression(x, y, { numClasses: 6, l2: -1 }), /l2 must be ≥ 0/);
  x.dispose();
  y.dispose();
});
