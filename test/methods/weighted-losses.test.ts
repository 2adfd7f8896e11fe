/**
 * Per-example weights in the losses rwSAM needs: the weighted spectral loss
 * against a double loop over pairs (positive pairs weighted wᵢ, cross pairs
 * wᵢwⱼ), SimSiam's weighted D and the weighted cross-entropy against loops;
 * equal weights give the unweighted losses, in the loss functions and in the
 * spectral, SimSiam and supervised methods' forward (a weight tensor or a rule
 * on the encoder's features of view 0); a method whose loss takes no weights
 * refuses a batch that carries them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createMethod,
  crossEntropyLoss,
  type Method,
  negativeCosineLoss,
  spectralContrastiveLoss,
  weightedMean,
} from '../../src/methods/index.ts';
import type { MethodBatch, MethodName } from '../../src/methods/method.ts';
import { ConvNet, type ImageEncoder, type Module } from '../../src/nn/index.ts';
import { Generator, noGrad, randint, randn, type Tensor, tensor, tidy } from '../../src/tensor/index.ts';
import { assertClose } from '../helpers/close.ts';
import { Rng } from '../helpers/prng.ts';
import { cos, dot, norm, type Rows, randomRows, rowsTensor } from './reference.ts';

const TIGHT = { rtol: 1e-12, atol: 1e-12 };

/** The weighted batch spectral loss, written as a double loop over pairs of images. */
function weightedSpectralByHand(z1: Rows, z2: Rows, mu: number, w: number[]) {
  const r = Math.sqrt(mu);
  const clip = (v: number[]) => (norm(v) > r ? v.map((x) => (x * r) / norm(v)) : v);
  const a = z1.map(clip);
  const b = z2.map(clip);
  const n = a.length;
  let num1 = 0;
  let den1 = 0;
  let num2 = 0;
  let den2 = 0;
  for (let i = 0; i < n; i++) {
    const wi = w[i] as number;
    num1 += wi * dot(a[i] as number[], b[i] as number[]);
    den1 += wi;
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const wij = wi * (w[j] as number);
      num2 += wij * dot(a[i] as number[], b[j] as number[]) ** 2;
      den2 += wij;
    }
  }
  const part1 = (-2 * num1) / den1;
  const part2 = num2 / den2;
  return { loss: (part1 + part2) / mu, part1, part2 };
}

const weightsTensor = (w: number[], dtype: 'float64' | 'float32' = 'float64') =>
  tensor(Float64Array.from(w), [w.length], { dtype });

for (const mu of [1, 10]) {
  test(`weighted spectral loss matches the pairwise double loop (μ = ${mu}, rows on both sides of √μ)`, () => {
    const rng = new Rng(31 + mu);
    const n = 6;
    const spread = (rows: Rows) =>
      rows.map((row, i) => row.map((x) => (x * Math.sqrt(mu) * ([0.3, 1.5, 0.5, 2, 0.4, 3][i] as number)) / norm(row)));
    const z1 = spread(randomRows(rng, n, 4));
    const z2 = spread(randomRows(rng, n, 4)).reverse();
    assert.ok(z1.some((r) => norm(r) > Math.sqrt(mu)) && z1.some((r) => norm(r) < Math.sqrt(mu)));
    const w = Array.from({ length: n }, () => 0.1 + 3 * rng.uniform());
    const want = weightedSpectralByHand(z1, z2, mu, w);
    // the weights matter: the weighted loss is not the unweighted one
    const equal = weightedSpectralByHand(z1, z2, mu, new Array(n).fill(1));
    assert.ok(Math.abs(want.loss - equal.loss) > 1e-3, `${want.loss} vs ${equal.loss}`);
    tidy(() => {
      const out = spectralContrastiveLoss(rowsTensor(z1), rowsTensor(z2), mu, weightsTensor(w));
      assertClose(out.loss.item(), want.loss, TIGHT, 'loss');
      assertClose(out.part1.item(), want.part1, TIGHT, 'part1');
      assertClose(out.part2.item(), want.part2, TIGHT, 'part2');
      const f32 = spectralContrastiveLoss(
        rowsTensor(z1, 'float32'),
        rowsTensor(z2, 'float32'),
        mu,
        weightsTensor(w, 'float32'),
      );
      assertClose(f32.loss.item(), want.loss, { rtol: 1e-5, atol: 1e-6 }, 'float32 loss');
    });
  });
}

test("weighted SimSiam D and cross-entropy match loops; the weights get no gradient, the inputs' gradient is weighted", () => {
  const rng = new Rng(5);
  const n = 5;
  const p = randomRows(rng, n, 3);
  const z = randomRows(rng, n, 3);
  const w = [0.5, 2, 1, 0.25, 3];
  const sw = w.reduce((s, x) => s + x, 0);
  const wantD = -p.reduce((s, pi, i) => s + (w[i] as number) * cos(pi, z[i] as number[]), 0) / sw;
  const logits = randomRows(rng, n, 4);
  const labels = [0, 3, 1, 1, 2];
  const ce = logits.map((row, i) => {
    const m = Math.max(...row);
    return m + Math.log(row.reduce((s, x) => s + Math.exp(x - m), 0)) - (row[labels[i] as number] as number);
  });
  const wantCe = ce.reduce((s, x, i) => s + (w[i] as number) * x, 0) / sw;
  tidy(() => {
    const wt = weightsTensor(w).requiresGrad_();
    const pt = rowsTensor(p).requiresGrad_();
    const d = negativeCosineLoss(pt, rowsTensor(z), wt);
    assertClose(d.item(), wantD, TIGHT, 'weighted D');
    d.backward();
    assert.equal(wt.grad, null, 'no gradient reaches the weights');
    // ∂D/∂pᵢ is example i's unweighted gradient times wᵢ/Σw: compare example 1 with example 0's ratio
    const gp = (pt.grad as Tensor).toArray();
    const unweighted = tidy(() => {
      const q = rowsTensor(p).requiresGrad_();
      negativeCosineLoss(q, rowsTensor(z)).backward();
      return (q.grad as Tensor).toArray();
    });
    for (let i = 0; i < n; i++)
      for (let k = 0; k < 3; k++)
        assertClose(gp[i * 3 + k] as number, ((unweighted[i * 3 + k] as number) * n * (w[i] as number)) / sw, TIGHT);
    const labelsT = tensor(BigInt64Array.from(labels.map(BigInt)), [n], { dtype: 'int64' });
    assertClose(crossEntropyLoss(rowsTensor(logits), labelsT, weightsTensor(w)).item(), wantCe, TIGHT, 'weighted CE');
    assertClose(weightedMean(weightsTensor([1, 2, 3]), weightsTensor([3, 0, 1])).item(), 1.5, TIGHT, 'weightedMean');
  });
});

test('equal weights give the unweighted losses: spectral, SimSiam D, cross-entropy (ones and 2.5)', () => {
  const rng = new Rng(9);
  const n = 7;
  const z1 = randomRows(rng, n, 5, 0.8);
  const z2 = randomRows(rng, n, 5, 0.8);
  const logits = randomRows(rng, n, 3);
  const labels = tensor(BigInt64Array.from([0, 1, 2, 2, 1, 0, 1].map(BigInt)), [n], { dtype: 'int64' });
  tidy(() => {
    const plain = spectralContrastiveLoss(rowsTensor(z1), rowsTensor(z2), 2);
    const plainD = negativeCosineLoss(rowsTensor(z1), rowsTensor(z2)).item();
    const plainCe = crossEntropyLoss(rowsTensor(logits), labels).item();
    for (const c of [1, 2.5]) {
      const w = weightsTensor(new Array(n).fill(c));
      const weighted = spectralContrastiveLoss(rowsTensor(z1), rowsTensor(z2), 2, w);
      assertClose(weighted.loss.item(), plain.loss.item(), TIGHT, `spectral loss, weights ${c}`);
      assertClose(weighted.part1.item(), plain.part1.item(), TIGHT, `part1, weights ${c}`);
      assertClose(weighted.part2.item(), plain.part2.item(), TIGHT, `part2, weights ${c}`);
      assertClose(negativeCosineLoss(rowsTensor(z1), rowsTensor(z2), w).item(), plainD, TIGHT, `D, weights ${c}`);
      assertClose(crossEntropyLoss(rowsTensor(logits), labels, w).item(), plainCe, TIGHT, `CE, weights ${c}`);
    }
    assert.throws(
      () => spectralContrastiveLoss(rowsTensor(z1), rowsTensor(z2), 1, weightsTensor([1, 2])),
      /spectralContrastiveLoss: weights must be a floating-point tensor of shape \[7\], got float64 \[2\]/,
    );
  });
});

// ---- the methods' forward --------------------------------------------------------------------------

const B = 8;

function build(name: MethodName, seed: number): { method: Method; encoder: ImageEncoder } {
  const g = new Generator(seed);
  const encoder = new ConvNet({ widths: [8, 16, 32], generator: g });
  const method = createMethod(
    { name, ...(name === 'supervised' ? {} : { hiddenDim: 32, outDim: 16 }) },
    { encoder, makeEncoder: () => new ConvNet({ widths: [8, 16, 32] }), generator: g, numClasses: 10 },
  );
  // float64, so that "equal" can be checked to 1e-12
  (encoder as unknown as Module).to('float64');
  method.heads.to('float64');
  return { method, encoder };
}

function batchOf(seed: number): MethodBatch {
  const g = new Generator(seed);
  return {
    views: [0, 1].map(() => randn([B, 1, 28, 28], { generator: g, dtype: 'float64' }).keep()),
    labels: randint(0, 10, [B], { generator: g }).keep(),
  };
}

const CTX = { step: 0, totalSteps: 10 };

for (const name of ['spectral', 'simsiam', 'supervised'] as const) {
  test(`${name}: forward with equal weights (a tensor, or a rule on the features of view 0) gives the unweighted loss; other weights change it`, () => {
    const { method, encoder } = build(name, 3);
    const batch = batchOf(4);
    assert.equal(method.weightedLoss, true);
    tidy(() => {
      const plain = method.forward(encoder, batch, CTX).loss.item();
      const ones = method.forward(encoder, { ...batch, weights: weightsTensor(new Array(B).fill(1)) }, CTX).loss.item();
      assertClose(ones, plain, TIGHT, 'weights 1');
      let seen: Tensor | null = null;
      const ruled = method
        .forward(
          encoder,
          {
            ...batch,
            weights: (f) => {
              seen = f.clone().keep();
              return weightsTensor(new Array(B).fill(0.4));
            },
          },
          CTX,
        )
        .loss.item();
      assertClose(ruled, plain, TIGHT, 'weights 0.4 from the rule');
      // the rule saw the encoder's features of view 0, detached
      const f = seen as unknown as Tensor;
      assert.deepEqual(f.shape, [B, encoder.featureDim]);
      assert.equal(f.requiresGrad, false);
      const features = noGrad(() => encoder.forward(batch.views[0] as Tensor));
      assertClose(f.toArray(), features.toArray(), TIGHT, 'features of view 0');
      f.dispose();
      const uneven = method
        .forward(encoder, { ...batch, weights: weightsTensor([4, 0.1, 1, 1, 0.2, 3, 1, 0.5]) }, CTX)
        .loss.item();
      assert.ok(Math.abs(uneven - plain) > 1e-6, `uneven weights change the loss (${uneven} vs ${plain})`);
      assert.throws(
        () => method.forward(encoder, { ...batch, weights: weightsTensor([1, 1]) }, CTX),
        new RegExp(`${name}: batch.weights must be a floating-point tensor of shape \\[${B}\\], got float64 \\[2\\]`),
      );
    });
    for (const v of batch.views) v.dispose();
    batch.labels?.dispose();
    encoder.dispose();
    method.dispose();
  });
}

test('spectral forward with weights equals the weighted loss of its own projections', () => {
  const { method, encoder } = build('spectral', 6);
  const batch = batchOf(7);
  const w = weightsTensor([4, 0.1, 1, 1, 0.2, 3, 1, 0.5]);
  tidy(() => {
    const got = method.forward(encoder, { ...batch, weights: w }, CTX).loss.item();
    const projector = (method.heads as unknown as { child(n: string): Module }).child('projector');
    const [x1, x2] = batch.views as [Tensor, Tensor];
    const z1 = projector.forward(encoder.forward(x1));
    const z2 = projector.forward(encoder.forward(x2));
    assertClose(got, spectralContrastiveLoss(z1, z2, 1, w).loss.item(), TIGHT, 'loss');
  });
  for (const v of batch.views) v.dispose();
  batch.labels?.dispose();
  w.dispose();
  encoder.dispose();
  method.dispose();
});

test('a method whose loss takes no weights refuses a batch that carries them', () => {
  const g = new Generator(1);
  const encoder = new ConvNet({ widths: [8, 16, 32], generator: g });
  const method = createMethod(
    { name: 'simclr', hiddenDim: 32, outDim: 16 },
    { encoder, makeEncoder: () => new ConvNet({ widths: [8, 16, 32] }), generator: g },
  );
  assert.equal(method.weightedLoss, false);
  tidy(() => {
    const views = [randn([4, 1, 28, 28]), randn([4, 1, 28, 28])];
    assert.throws(
      () => method.forward(encoder, { views, labels: null, weights: (f) => f.sum(1) }, CTX),
      /simclr: this method's loss takes no per-example weights, but the batch carries some/,
    );
    assert.ok(Number.isFinite(method.forward(encoder, { views, labels: null, weights: null }, CTX).loss.item()));
  });
  encoder.dispose();
  method.dispose();
});
