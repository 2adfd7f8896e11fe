/**
 * Barlow Twins' and VICReg's losses (the second-moment, non-contrastive
 * losses) against explicit float64 loops over the batch and the dimensions,
 * their gradients against central finite differences, invariants that pin the
 * formulas down (whitened batches, correlation, collapse) and bad inputs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { barlowTwinsLoss, vicregLoss } from '../../src/methods/losses.ts';
import { stack, type Tensor, tensor, tidy } from '../../src/tensor/index.ts';
import { assertClose } from '../helpers/close.ts';
import { checkGradients } from '../helpers/finite-diff.ts';
import { Rng } from '../helpers/prng.ts';

/** A row-major B×k batch. */
interface Batch {
  data: Float64Array;
  b: number;
  k: number;
}

const at = (z: Batch, i: number, j: number): number => z.data[i * z.k + j] as number;
const toTensor = (z: Batch, dtype: 'float64' | 'float32' = 'float64'): Tensor => tensor(z.data, [z.b, z.k], { dtype });

/** Batch mean of column j. */
function colMean(z: Batch, j: number): number {
  let s = 0;
  for (let i = 0; i < z.b; i++) s += at(z, i, j);
  return s / z.b;
}

/** Batch variance of column j with divisor B − correction. */
function colVar(z: Batch, j: number, correction: number): number {
  const m = colMean(z, j);
  let s = 0;
  for (let i = 0; i < z.b; i++) s += (at(z, i, j) - m) ** 2;
  return s / (z.b - correction);
}

/** Barlow Twins written out: BN(affine=False) standardization, C = ẑ1ᵀẑ2/B, the two sums. */
function barlowReference(z1: Batch, z2: Batch, lambda: number) {
  const { b, k } = z1;
  const eps = 1e-5;
  const standardize = (z: Batch): Float64Array => {
    const out = new Float64Array(b * k);
    for (let j = 0; j < k; j++) {
      const m = colMean(z, j);
      const s = Math.sqrt(colVar(z, j, 0) + eps);
      for (let i = 0; i < b; i++) out[i * k + j] = (at(z, i, j) - m) / s;
    }
    return out;
  };
  const a1 = standardize(z1);
  const a2 = standardize(z2);
  let onDiagonal = 0;
  let offDiagonal = 0;
  for (let p = 0; p < k; p++) {
    for (let q = 0; q < k; q++) {
      let c = 0;
      for (let i = 0; i < b; i++) c += (a1[i * k + p] as number) * (a2[i * k + q] as number);
      c /= b;
      if (p === q) onDiagonal += (1 - c) ** 2;
      else offDiagonal += c * c;
    }
  }
  return { loss: onDiagonal + lambda * offDiagonal, onDiagonal, offDiagonal };
}

interface Weights {
  invariance: number;
  variance: number;
  covariance: number;
}

/** VICReg written out as main_vicreg.py computes it (unbiased variance and covariance, ε = 1e-4 by default). */
function vicregReference(z1: Batch, z2: Batch, w: Weights, eps = 1e-4) {
  const { b, k } = z1;
  let invariance = 0;
  for (let i = 0; i < b; i++) for (let j = 0; j < k; j++) invariance += (at(z1, i, j) - at(z2, i, j)) ** 2;
  invariance /= b * k;
  const stdTerm = (z: Batch): number => {
    let s = 0;
    for (let j = 0; j < k; j++) s += Math.max(0, 1 - Math.sqrt(colVar(z, j, 1) + eps));
    return s / k / 2;
  };
  const covTerm = (z: Batch): number => {
    const means = Array.from({ length: k }, (_, j) => colMean(z, j));
    let s = 0;
    for (let p = 0; p < k; p++) {
      for (let q = 0; q < k; q++) {
        if (p === q) continue;
        let c = 0;
        for (let i = 0; i < b; i++) c += (at(z, i, p) - (means[p] as number)) * (at(z, i, q) - (means[q] as number));
        c /= b - 1;
        s += c * c;
      }
    }
    return s / k;
  };
  const variance = stdTerm(z1) + stdTerm(z2);
  const covariance = covTerm(z1) + covTerm(z2);
  return {
    loss: w.invariance * invariance + w.variance * variance + w.covariance * covariance,
    invariance,
    variance,
    covariance,
  };
}

/** A random B×k batch, column j scaled by scales[j] and shifted by offsets[j]. */
function randomBatch(rng: Rng, b: number, k: number, scales: number[] = [1], offsets: number[] = [0]): Batch {
  const data = rng.normals(b * k);
  for (let i = 0; i < b; i++) {
    for (let j = 0; j < k; j++) {
      const s = scales[j % scales.length] as number;
      const o = offsets[j % offsets.length] as number;
      data[i * k + j] = (data[i * k + j] as number) * s + o;
    }
  }
  return { data, b, k };
}

/** A random batch whose column j has unbiased batch std exactly stds[j] (up to rounding) and mean offsets[j]. */
function batchWithStds(rng: Rng, b: number, stds: number[], offsets: number[] = [0]): Batch {
  const k = stds.length;
  const z = randomBatch(rng, b, k);
  for (let j = 0; j < k; j++) {
    const m = colMean(z, j);
    const s = Math.sqrt(colVar(z, j, 1));
    const o = offsets[j % offsets.length] as number;
    for (let i = 0; i < b; i++) z.data[i * k + j] = ((at(z, i, j) - m) / s) * (stds[j] as number) + o;
  }
  return z;
}

/** Sylvester's n×n Hadamard matrix (n a power of 2), entries ±1, orthogonal columns. */
function hadamard(n: number): number[][] {
  let h = [[1]];
  while (h.length < n) h = [...h.map((r) => [...r, ...r]), ...h.map((r) => [...r, ...r.map((x) => -x)])];
  return h;
}

/** A B×k batch from column vectors. */
function fromColumns(cols: number[][]): Batch {
  const k = cols.length;
  const b = (cols[0] as number[]).length;
  const data = new Float64Array(b * k);
  for (let i = 0; i < b; i++) for (let j = 0; j < k; j++) data[i * k + j] = (cols[j] as number[])[i] as number;
  return { data, b, k };
}

const shapes: [number, number][] = [
  [2, 1],
  [2, 3],
  [3, 1],
  [5, 4],
  [8, 3],
  [16, 8],
];

const tight = { rtol: 1e-12, atol: 1e-13 };

for (const [b, k] of shapes) {
  test(`barlowTwinsLoss matches the explicit loops (B = ${b}, k = ${k})`, () => {
    const rng = new Rng(100 * b + k);
    const z1 = randomBatch(rng, b, k, [0.3, 2, 1, 7], [0, 3, -1]);
    // correlated with z1, so C has a real diagonal and off-diagonal structure
    const noise = randomBatch(rng, b, k, [0.5, 1.5]);
    const z2: Batch = { b, k, data: z1.data.map((x, i) => 0.8 * x + (noise.data[i] as number) + 0.1 * (i % 3)) };
    for (const lambda of [0.0051, 1, 0]) {
      const ref = barlowReference(z1, z2, lambda);
      tidy(() => {
        const out = barlowTwinsLoss(toTensor(z1), toTensor(z2), lambda);
        for (const t of [out.loss, out.onDiagonal, out.offDiagonal]) assert.equal(t.ndim, 0, 'a 0-d tensor');
        assertClose(out.loss.item(), ref.loss, tight, `loss (λ = ${lambda})`);
        assertClose(out.onDiagonal.item(), ref.onDiagonal, tight, 'onDiagonal');
        assertClose(out.offDiagonal.item(), ref.offDiagonal, tight, 'offDiagonal');
        if (k === 1) assert.equal(out.offDiagonal.item(), 0, 'no off-diagonal when k = 1');
      });
    }
    tidy(() => {
      const f32 = barlowTwinsLoss(toTensor(z1, 'float32'), toTensor(z2, 'float32'), 0.0051);
      assert.equal(f32.loss.dtype, 'float32');
      assertClose(f32.loss.item(), barlowReference(z1, z2, 0.0051).loss, { rtol: 1e-4, atol: 1e-5 }, 'float32 loss');
    });
  });

  test(`vicregLoss matches main_vicreg.py written as loops (B = ${b}, k = ${k})`, () => {
    const rng = new Rng(7000 + 100 * b + k);
    // some dimensions below std 1 (variance hinge active), some above
    const z1 = randomBatch(rng, b, k, [0.2, 3, 0.6, 1.8], [0, 2, -5]);
    const z2 = randomBatch(rng, b, k, [2.5, 0.4, 0.9], [1, 0]);
    const weights = [
      { invariance: 25, variance: 25, covariance: 1 },
      { invariance: 0.5, variance: 3, covariance: 7 },
    ];
    for (const w of weights) {
      for (const eps of [undefined, 0.01]) {
        const ref = vicregReference(z1, z2, w, eps);
        tidy(() => {
          const out = vicregLoss(toTensor(z1), toTensor(z2), eps === undefined ? w : { ...w, eps });
          for (const t of [out.loss, out.invariance, out.variance, out.covariance]) assert.equal(t.ndim, 0);
          const what = `(weights ${Object.values(w)}, eps ${eps})`;
          assertClose(out.loss.item(), ref.loss, tight, `loss ${what}`);
          assertClose(out.invariance.item(), ref.invariance, tight, `invariance ${what}`);
          assertClose(out.variance.item(), ref.variance, tight, `variance ${what}`);
          assertClose(out.covariance.item(), ref.covariance, tight, `covariance ${what}`);
          if (k === 1) assert.equal(out.covariance.item(), 0, 'no covariance term when k = 1');
        });
      }
    }
    // the data really exercises the hinge on both sides
    const stds = Array.from({ length: k }, (_, j) => Math.sqrt(colVar(z1, j, 1)));
    if (k >= 2 && b >= 5) assert.ok(stds.some((s) => s < 1) && stds.some((s) => s > 1), `stds ${stds}`);
    tidy(() => {
      const w = weights[0] as Weights;
      const f32 = vicregLoss(toTensor(z1, 'float32'), toTensor(z2, 'float32'), w);
      assertClose(f32.loss.item(), vicregReference(z1, z2, w).loss, { rtol: 1e-4, atol: 1e-4 }, 'float32 loss');
    });
  });
}

for (const [b, k] of [
  [2, 2],
  [5, 3],
  [7, 4],
] as [number, number][]) {
  test(`barlowTwinsLoss gradients match finite differences in float64 (B = ${b}, k = ${k})`, () => {
    const rng = new Rng(31 + b * k);
    const z1 = randomBatch(rng, b, k, [0.5, 2, 1], [1, -2]);
    const z2 = randomBatch(rng, b, k, [1.5, 0.7], [0, 0.5]);
    checkGradients(
      (xs: Tensor[]) => {
        const out = barlowTwinsLoss(xs[0] as Tensor, xs[1] as Tensor, 0.3);
        return stack([out.loss, out.onDiagonal, out.offDiagonal]);
      },
      [
        { data: z1.data, shape: [b, k] },
        { data: z2.data, shape: [b, k] },
      ],
      { eps: 1e-6, rtol: 1e-6, atol: 1e-8 },
      `barlowTwinsLoss gradient (B = ${b}, k = ${k})`,
    );
  });

  test(`vicregLoss gradients match finite differences in float64 (B = ${b}, k = ${k})`, () => {
    const rng = new Rng(57 + b * k);
    // stds well away from the hinge at 1 (no kink within the step)
    const z1 = batchWithStds(rng, b, [0.4, 1.7, 0.7, 2.5].slice(0, k), [0, 1]);
    const z2 = batchWithStds(rng, b, [2, 0.5, 1.4, 0.3].slice(0, k), [-1, 0]);
    checkGradients(
      (xs: Tensor[]) => {
        const out = vicregLoss(xs[0] as Tensor, xs[1] as Tensor, { invariance: 25, variance: 25, covariance: 1 });
        return stack([out.loss, out.invariance, out.variance, out.covariance]);
      },
      [
        { data: z1.data, shape: [b, k] },
        { data: z2.data, shape: [b, k] },
      ],
      { eps: 1e-6, rtol: 1e-6, atol: 1e-8 },
      `vicregLoss gradient (B = ${b}, k = ${k})`,
    );
  });
}

const bnEps = 1e-5;

test('barlowTwinsLoss is 0 (up to BN ε) for identical whitened views with uncorrelated dimensions', () => {
  // columns 1…7 of the 8×8 Hadamard matrix: mean 0, biased variance 1, orthogonal; shifted to test centering
  const h = hadamard(8);
  const cols = [1, 2, 3, 4, 5, 6, 7].map((j) => h.map((r) => (r[j] as number) + 3));
  const z = fromColumns(cols);
  const k = 7;
  // C = I/(1+ε) exactly: onDiagonal = k·(ε/(1+ε))², offDiagonal = 0
  const expectedOn = k * (bnEps / (1 + bnEps)) ** 2;
  tidy(() => {
    const out = barlowTwinsLoss(toTensor(z), toTensor(z), 0.0051);
    assertClose(out.onDiagonal.item(), expectedOn, { rtol: 1e-8, atol: 0 }, 'onDiagonal');
    assert.ok(out.offDiagonal.item() < 1e-24, `offDiagonal ${out.offDiagonal.item()}`);
    assert.ok(out.loss.item() < 1e-9, `loss ${out.loss.item()}`);
    // permuting the dimensions of one view: every Cᵢᵢ = 0 and one Cᵢⱼ = 1/(1+ε) per row
    const perm = [3, 0, 6, 1, 5, 2, 4];
    const out2 = barlowTwinsLoss(toTensor(z), toTensor(fromColumns(perm.map((p) => cols[p] as number[]))), 1);
    assertClose(out2.onDiagonal.item(), k, { rtol: 1e-12 }, 'permuted onDiagonal');
    assertClose(out2.offDiagonal.item(), k / (1 + bnEps) ** 2, { rtol: 1e-12 }, 'permuted offDiagonal');
  });
});

test('barlowTwinsLoss grows with cross-view and within-view correlation, as the closed form says', () => {
  const h = hadamard(8);
  const [h1, h2, h3] = [1, 2, 3].map((j) => h.map((r) => r[j] as number)) as [number[], number[], number[]];
  const d = 1 + bnEps;
  let lastCross = -1;
  let lastWithin = -1;
  for (const theta of [0, 0.1, 0.3, 0.6, 1, 1.4]) {
    const c = Math.cos(theta);
    const s = Math.sin(theta);
    const mixed = h2.map((x, i) => c * x + s * (h1[i] as number)); // biased variance c² + s² = 1
    tidy(() => {
      // cross-view: view 2's second dimension leans towards view 1's first: C₀₁ = s/(1+ε), C₁₁ = c/(1+ε)
      const cross = barlowTwinsLoss(toTensor(fromColumns([h1, h2, h3])), toTensor(fromColumns([h1, mixed, h3])), 1);
      assertClose(cross.onDiagonal.item(), 2 * (1 - 1 / d) ** 2 + (1 - c / d) ** 2, tight, `cross on (θ = ${theta})`);
      assertClose(cross.offDiagonal.item(), (s / d) ** 2, tight, `cross off (θ = ${theta})`);
      // within-view: both views have correlated dimensions: C₀₁ = C₁₀ = s/(1+ε)
      const zw = toTensor(fromColumns([h1, mixed]));
      const within = barlowTwinsLoss(zw, zw, 1);
      assertClose(within.offDiagonal.item(), 2 * (s / d) ** 2, tight, `within off (θ = ${theta})`);
      assertClose(within.onDiagonal.item(), 2 * (1 - 1 / d) ** 2, { rtol: 1e-8 }, `within on (θ = ${theta})`);
      assert.ok(cross.loss.item() > lastCross, `cross-view loss must grow with θ (θ = ${theta})`);
      assert.ok(within.loss.item() > lastWithin, `within-view loss must grow with θ (θ = ${theta})`);
      lastCross = cross.loss.item();
      lastWithin = within.loss.item();
    });
  }
});

test('barlowTwinsLoss does not depend on per-dimension scale and shift; a collapsed batch gives onDiagonal = k', () => {
  const rng = new Rng(5);
  const z1 = randomBatch(rng, 9, 4);
  const z2 = randomBatch(rng, 9, 4);
  const affine = (z: Batch): Batch => ({
    ...z,
    data: z.data.map((x, i) => x * [3, 10, 0.7, 2][i % 4]! + [5, -1][i % 2]!),
  });
  tidy(() => {
    const base = barlowTwinsLoss(toTensor(z1), toTensor(z2), 0.02).loss.item();
    // up to the BN ε, which makes tiny scales matter: scales ≥ 0.7 keep the effect below 1e-4 relative
    assertClose(barlowTwinsLoss(toTensor(affine(z1)), toTensor(affine(z2)), 0.02).loss.item(), base, { rtol: 1e-4 });
    const row = [0.3, -2, 5, 1];
    const collapsed: Batch = { b: 6, k: 4, data: Float64Array.from({ length: 24 }, (_, i) => row[i % 4]!) };
    const out = barlowTwinsLoss(toTensor(collapsed), toTensor(randomBatch(rng, 6, 4)), 1);
    assertClose(out.onDiagonal.item(), 4, { rtol: 1e-12 }, 'collapsed: C = 0, onDiagonal = k');
    assertClose(out.offDiagonal.item(), 0, { atol: 1e-20 }, 'collapsed: offDiagonal = 0');
  });
});

const vicDefaults = { invariance: 25, variance: 25, covariance: 1 };

test('vicregLoss variance term is 0 when every dimension has std ≥ 1, else the mean hinge 1 − √(Var + ε)', () => {
  const rng = new Rng(91);
  tidy(() => {
    const big1 = batchWithStds(rng, 10, [1, 1.5, 3, 20], [0, 4]);
    const big2 = batchWithStds(rng, 10, [1.01, 2, 1, 5]);
    assert.equal(vicregLoss(toTensor(big1), toTensor(big2), vicDefaults).variance.item(), 0, 'std ≥ 1 everywhere');
    // all stds below 1: each branch contributes ½·mean_j(1 − √(a_j² + ε)), here with the chosen a_j, not the data
    const a1 = [0.2, 0.5, 0.9, 0.05];
    const a2 = [0.7, 0.1, 0.3, 0.95];
    const small1 = batchWithStds(rng, 10, a1, [1, -3]);
    const small2 = batchWithStds(rng, 10, a2);
    const hinge = (a: number[], eps: number) => a.reduce((s, x) => s + (1 - Math.sqrt(x * x + eps)), 0) / a.length;
    for (const eps of [1e-4, 1e-12]) {
      const out = vicregLoss(toTensor(small1), toTensor(small2), { ...vicDefaults, eps });
      assertClose(out.variance.item(), hinge(a1, eps) / 2 + hinge(a2, eps) / 2, { rtol: 1e-10 }, `eps ${eps}`);
    }
    // with ε → 0 that is ½·mean(1 − std) per branch
    const m = (a: number[]) => a.reduce((s, x) => s + (1 - x), 0) / a.length;
    const out = vicregLoss(toTensor(small1), toTensor(small2), { ...vicDefaults, eps: 1e-14 });
    assertClose(out.variance.item(), m(a1) / 2 + m(a2) / 2, { rtol: 1e-8 }, 'ε → 0: mean(1 − std)');
    // mixed: dimensions with std ≥ 1 contribute 0, the others their hinge, averaged over all k dims
    const mixed = batchWithStds(rng, 10, [0.2, 1.5, 0.6, 4]);
    const outMixed = vicregLoss(toTensor(mixed), toTensor(big1), vicDefaults);
    const expected = (1 - Math.sqrt(0.04 + 1e-4) + (1 - Math.sqrt(0.36 + 1e-4))) / 4 / 2;
    assertClose(outMixed.variance.item(), expected, { rtol: 1e-10 }, 'mixed stds');
  });
});

test('vicregLoss on a collapsed batch: variance term ≈ 1, covariance and invariance 0', () => {
  const row = [0.25, -3, 7, 0.5, 1];
  const collapsed: Batch = { b: 12, k: 5, data: Float64Array.from({ length: 60 }, (_, i) => row[i % 5]!) };
  tidy(() => {
    const out = vicregLoss(toTensor(collapsed), toTensor(collapsed), vicDefaults);
    // Var = 0 on both branches: ½·(1 − √ε) + ½·(1 − √ε) = 0.99 with ε = 1e-4
    assertClose(out.variance.item(), 1 - Math.sqrt(1e-4), { rtol: 1e-10 }, 'variance');
    assertClose(out.covariance.item(), 0, { atol: 1e-25 }, 'covariance');
    assert.equal(out.invariance.item(), 0, 'invariance');
    assertClose(out.loss.item(), 25 * 0.99, { rtol: 1e-10 }, 'loss');
  });
});

test('vicregLoss covariance and invariance terms in closed form', () => {
  const h = hadamard(8);
  const [h1, h2] = [1, 2].map((j) => h.map((r) => r[j] as number)) as [number[], number[]];
  tidy(() => {
    for (const theta of [0, 0.2, 0.9]) {
      const c = Math.cos(theta);
      const s = Math.sin(theta);
      // columns h1 and c·h2 + s·h1 (shifted): unbiased covariance (8/7)·s off the diagonal
      const z = fromColumns([h1.map((x) => 2 * x + 1), h2.map((x, i) => 2 * (c * x + s * (h1[i] as number)) - 4)]);
      const out = vicregLoss(toTensor(z), toTensor(z), vicDefaults);
      const cov = (4 * 8 * s) / 7;
      // per branch Σ_{i≠j} Covᵢⱼ² / k = 2·cov²/2; two identical branches
      assertClose(out.covariance.item(), 2 * cov * cov, { rtol: 1e-12, atol: 1e-28 }, `covariance (θ = ${theta})`);
      assert.equal(out.variance.item(), 0, 'std 2·√(8/7) > 1');
    }
    // invariance is the mean squared difference: a constant shift δ gives δ², and leaves the other terms alone
    const rng = new Rng(4);
    const z1 = randomBatch(rng, 6, 3, [0.5, 2]);
    const z2: Batch = { ...z1, data: z1.data.map((x) => x + 0.7) };
    const shifted = vicregLoss(toTensor(z1), toTensor(z2), vicDefaults);
    const same = vicregLoss(toTensor(z1), toTensor(z1), vicDefaults);
    assertClose(shifted.invariance.item(), 0.49, { rtol: 1e-12 }, 'invariance of a shift');
    assertClose(shifted.variance.item(), same.variance.item(), { rtol: 1e-12 }, 'variance is shift-invariant');
    assertClose(shifted.covariance.item(), same.covariance.item(), { rtol: 1e-12 }, 'covariance is shift-invariant');
  });
});

test('the returned 0-d terms outlive the call, the inputs are untouched, and an enclosing tidy frees the terms', () => {
  const rng = new Rng(8);
  const z1 = randomBatch(rng, 4, 3);
  const z2 = randomBatch(rng, 4, 3);
  const [a, b] = [toTensor(z1), toTensor(z2)];
  let terms: Tensor[] = [];
  tidy(() => {
    const barlow = barlowTwinsLoss(a, b, 0.0051);
    const vic = vicregLoss(a, b, vicDefaults);
    terms = [
      barlow.loss,
      barlow.onDiagonal,
      barlow.offDiagonal,
      vic.loss,
      vic.invariance,
      vic.variance,
      vic.covariance,
    ];
    for (const t of terms) assert.ok(!t.isDisposed && t.ndim === 0 && Number.isFinite(t.item()));
    assertClose(barlow.offDiagonal.item(), barlowReference(z1, z2, 0.0051).offDiagonal, tight);
    assertClose(vic.variance.item(), vicregReference(z1, z2, vicDefaults).variance, tight);
  });
  assert.equal(terms.length, 7);
  for (const t of terms) assert.ok(t.isDisposed, 'the enclosing tidy frees the returned terms');
  assert.ok(!a.isDisposed && !b.isDisposed, 'the inputs are not freed');
  assert.deepEqual(Array.from(a.data() as Float64Array), Array.from(z1.data), 'the inputs are not modified');
  a.dispose();
  b.dispose();
});

test('barlowTwinsLoss and vicregLoss reject bad input with messages naming the function', () => {
  tidy(() => {
    const t = (shape: number[]) => tensor(new Float64Array(shape.reduce((p, q) => p * q, 1)).fill(1), shape);
    const ok = t([4, 3]);
    const cases: [Tensor, Tensor, RegExp][] = [
      [ok, t([4, 2]), /expected two B×d tensors of the same shape, got \[4,3\] and \[4,2\]/],
      [ok, t([5, 3]), /expected two B×d tensors of the same shape/],
      [t([12]), t([12]), /expected two B×d tensors/],
      [t([2, 2, 3]), t([2, 2, 3]), /expected two B×d tensors/],
      [ok, t([4, 3, 1]), /expected two B×d tensors/],
      [t([1, 3]), t([1, 3]), /expected at least 2 rows, got shape \[1,3\]/],
      [t([0, 3]), t([0, 3]), /expected at least 2 rows/],
    ];
    for (const [a, b, message] of cases) {
      assert.throws(
        () => barlowTwinsLoss(a, b, 0.0051),
        (e: Error) => /^barlowTwinsLoss: /.test(e.message) && message.test(e.message),
      );
      assert.throws(
        () => vicregLoss(a, b, vicDefaults),
        (e: Error) => /^vicregLoss: /.test(e.message) && message.test(e.message),
      );
    }
    for (const lambda of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => barlowTwinsLoss(ok, ok, lambda), /barlowTwinsLoss: lambda must be a finite number ≥ 0/);
    }
    assert.throws(() => vicregLoss(ok, ok, { ...vicDefaults, invariance: -1 }), /vicregLoss: invariance must be/);
    assert.throws(() => vicregLoss(ok, ok, { ...vicDefaults, variance: Number.NaN }), /vicregLoss: variance must be/);
    assert.throws(() => vicregLoss(ok, ok, { ...vicDefaults, covariance: -0.5 }), /vicregLoss: covariance must be/);
    assert.throws(() => vicregLoss(ok, ok, { ...vicDefaults, eps: 0 }), /vicregLoss: eps must be a finite number > 0/);
  });
});
