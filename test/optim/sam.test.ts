/**
 * SAM, ASAM and rwSAM's pieces against hand computations: the perturbation,
 * the gradient at w + ε and the SGD step taken with it on the quadratic
 * L(w) = ½·wᵀAw − bᵀw (∇L = Aw − b) over two parameter tensors (one that
 * ASAM scales, one it does not), in float64 on the host; ρ = 0 gives the
 * plain step bit for bit; and the inverse-density weights against the KDE
 * formula in plain loops.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BatchNorm1d, ConvNet, Linear, Sequential } from '../../src/nn/index.ts';
import {
  holdBuffers,
  inverseDensityWeights,
  perturbWeights,
  type SamParameter,
  SGD,
  samParameters,
  samPerturbation,
} from '../../src/optim/index.ts';
import { cat, noGrad, randn, type Tensor, tensor, tidy, zeros } from '../../src/tensor/index.ts';
import { assertClose } from '../helpers/close.ts';
import { Rng } from '../helpers/prng.ts';

// ---- the quadratic -------------------------------------------------------------------------------

const N = 7;
/** A = MᵀM + I (symmetric positive definite), b: fixed numbers. */
const M = [
  [1, 0.5, -0.3, 0, 0.2, 0.1, -1],
  [0, 1.2, 0.4, -0.7, 0, 0.3, 0.5],
  [0.6, -0.2, 0.9, 0.1, -0.4, 0, 0.2],
  [-0.5, 0.3, 0, 1.1, 0.6, -0.2, 0],
];
const A: number[][] = Array.from({ length: N }, (_, i) =>
  Array.from(
    { length: N },
    (_, j) => M.reduce((s, row) => s + (row[i] as number) * (row[j] as number), 0) + (i === j ? 1 : 0),
  ),
);
const b = [0.3, -1, 0.5, 2, -0.25, 0.8, -0.6];
/** The starting point: 4 entries of a "weight" (ASAM scales it), then 3 of a "bias". */
const W0 = [1.5, -2, 0.25, 3, -1, 0.5, 2];
const SPLIT = 4;

const gradAt = (w: number[]): number[] =>
  A.map((row, i) => row.reduce((s, a, j) => s + a * (w[j] as number), 0) - (b[i] as number));
const norm = (v: number[]): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

/** Float64 leaf parameters at W0: a weight (scaled) and a bias (not). */
function makeParams(w = W0): SamParameter[] {
  return [
    {
      tensor: tensor(Float64Array.from(w.slice(0, SPLIT)))
        .requiresGrad_()
        .keep(),
      scaled: true,
    },
    {
      tensor: tensor(Float64Array.from(w.slice(SPLIT)))
        .requiresGrad_()
        .keep(),
      scaled: false,
    },
  ];
}

/** Sets each parameter's .grad to ∇L at the current values, by autograd of L. */
function backward(params: SamParameter[]): void {
  tidy(() => {
    for (const p of params) p.tensor.grad = null;
    const w = cat(params.map((p) => p.tensor));
    const a = tensor(Float64Array.from(A.flat()), [N, N]);
    const loss = w
      .mul(a.mm(w.unsqueeze(1)).squeeze(1))
      .sum()
      .mul(0.5)
      .sub(w.mul(tensor(Float64Array.from(b))).sum());
    loss.backward();
  });
}

const valuesOf = (params: SamParameter[]): number[] => params.flatMap((p) => noGrad(() => p.tensor.toArray()));
const gradsOf = (params: SamParameter[]): number[] =>
  params.flatMap((p) => tidy(() => (p.tensor.grad as Tensor).toArray()));
const dispose = (params: SamParameter[]) => {
  for (const p of params) p.tensor.dispose();
};

/** ε by hand: SAM ρg/‖g‖; ASAM ρT²g/‖Tg‖ with T = |w| + η on the weight, 1 on the bias. */
function epsilonByHand(w: number[], rho: number, adaptive: boolean, eta: number): number[] {
  const g = gradAt(w);
  const t = w.map((x, i) => (adaptive && i < SPLIT ? Math.abs(x) + eta : 1));
  const tg = g.map((x, i) => (t[i] as number) * x);
  const n = norm(tg);
  return tg.map((x, i) => (rho * (t[i] as number) * x) / n);
}

const TIGHT = { rtol: 1e-12, atol: 1e-14 };

for (const [name, adaptive, eta] of [
  ['SAM', false, 0],
  ['ASAM with η = 0 (T = |w|)', true, 0],
  ['ASAM with η = 0.01', true, 0.01],
] as const) {
  test(`${name}: ε, the gradient at w + ε, the exact restore and one SGD step match the hand computation`, () => {
    const rho = 0.3;
    const params = makeParams();
    backward(params);
    const perturbed = perturbWeights(params, { rho, adaptive, eta });
    const eps = epsilonByHand(W0, rho, adaptive, eta);
    assertClose(
      perturbed.epsilons.flatMap((e) => noGrad(() => (e as Tensor).toArray())),
      eps,
      TIGHT,
      'ε',
    );
    // the whole ε has norm ρ for SAM (the norm is over both tensors together)
    if (!adaptive) assertClose(norm(eps), rho, TIGHT, '‖ε‖');
    const moved = W0.map((x, i) => x + (eps[i] as number));
    assertClose(valuesOf(params), moved, TIGHT, 'w + ε');
    backward(params);
    const g2 = gradAt(moved);
    assertClose(gradsOf(params), g2, TIGHT, 'gradient at w + ε');
    // the second gradient differs from the first: the test would see a step taken with the wrong one
    assert.ok(norm(g2.map((x, i) => x - (gradAt(W0)[i] as number))) > 1e-3);
    perturbed.restore();
    assert.deepEqual(valuesOf(params), W0, 'restore puts back w bit for bit');
    const lr = 0.1;
    const wd = 0.01;
    const opt = new SGD(
      params.map((p) => p.tensor),
      { lr, momentum: 0.9, weightDecay: wd },
    );
    opt.step();
    // first step of heavy-ball SGD: buf = d = g2 + wd·w; w ← w − lr·d
    assertClose(
      valuesOf(params),
      W0.map((x, i) => x - lr * ((g2[i] as number) + wd * x)),
      TIGHT,
      'weights after the SGD step',
    );
    opt.dispose();
    dispose(params);
  });
}

test('ρ = 0: ε is zero and the step equals the plain step bit for bit (SAM and ASAM)', () => {
  for (const adaptive of [false, true]) {
    const plain = makeParams();
    backward(plain);
    const plainOpt = new SGD(
      plain.map((p) => p.tensor),
      { lr: 0.1, momentum: 0.9, weightDecay: 0.01 },
    );
    plainOpt.step();
    const sam = makeParams();
    backward(sam);
    const perturbed = perturbWeights(sam, { rho: 0, adaptive });
    for (const e of perturbed.epsilons)
      assert.deepEqual(noGrad(() => (e as Tensor).toArray()).map(Math.abs), new Array(e?.numel).fill(0));
    backward(sam);
    perturbed.restore();
    const samOpt = new SGD(
      sam.map((p) => p.tensor),
      { lr: 0.1, momentum: 0.9, weightDecay: 0.01 },
    );
    samOpt.step();
    assert.deepEqual(valuesOf(sam), valuesOf(plain), `adaptive ${adaptive}`);
    assert.notDeepEqual(valuesOf(plain), W0, 'the step moved the weights');
    for (const o of [plainOpt, samOpt]) o.dispose();
    dispose(plain);
    dispose(sam);
  }
});

test('a parameter without a gradient is not perturbed and not in the norm; a zero gradient gives ε = 0', () => {
  const params = makeParams();
  backward(params);
  (params[1] as SamParameter).tensor.grad = null;
  const perturbed = perturbWeights(params, { rho: 0.3 });
  assert.equal(perturbed.epsilons[1], null);
  const g = gradAt(W0).slice(0, SPLIT);
  assertClose(
    noGrad(() => (perturbed.epsilons[0] as Tensor).toArray()),
    g.map((x) => (0.3 * x) / norm(g)),
    TIGHT,
    'ε of the weight alone',
  );
  assert.deepEqual(valuesOf(params).slice(SPLIT), W0.slice(SPLIT), 'the bias did not move');
  perturbed.restore();
  perturbed.restore(); // idempotent
  dispose(params);
  tidy(() => {
    const p: SamParameter = { tensor: zeros([3], { dtype: 'float64' }).requiresGrad_(), scaled: true };
    p.tensor.grad = zeros([3], { dtype: 'float64' });
    const [e] = samPerturbation([p], { rho: 0.5, adaptive: true });
    assert.deepEqual((e as Tensor).toArray(), [0, 0, 0]);
  });
  assert.throws(() => samPerturbation([], { rho: -1 }), /rho must be a finite number ≥ 0, got -1/);
});

test("samParameters: ASAM scales the tensors named 'weight' (conv, linear, BatchNorm γ), not the biases", () => {
  const conv = new ConvNet({ inChannels: 1, widths: [4, 8] });
  const head = new Sequential(new Linear(8, 3), new BatchNorm1d(3));
  const ps = samParameters(conv, head);
  const names = [...conv.namedParameters(), ...head.namedParameters()].map(([n]) => n);
  assert.equal(ps.length, names.length);
  assert.deepEqual(
    ps.map((p) => p.scaled),
    names.map((n) => n.endsWith('.weight')),
  );
  assert.ok(
    ps.some((p) => p.scaled && p.tensor.ndim === 1),
    'a BatchNorm γ is scaled',
  );
  assert.ok(
    ps.some((p) => !p.scaled),
    'biases are not',
  );
  conv.dispose();
  head.dispose();
});

test("holdBuffers: BatchNorm's running statistics come back as they were after a training-mode forward", () => {
  const bn = new BatchNorm1d(3);
  tidy(() => bn.forward(randn([16, 3]).mul(3).add(1)));
  const before = bn.namedBuffers().map(([, t]) => tidy(() => t.toArray()));
  const held = holdBuffers(bn.namedBuffers().map(([, t]) => t));
  tidy(() => bn.forward(randn([16, 3]).mul(5).sub(2)));
  assert.notDeepEqual(
    bn.namedBuffers().map(([, t]) => tidy(() => t.toArray())),
    before,
  );
  held.restore();
  assert.deepEqual(
    bn.namedBuffers().map(([, t]) => tidy(() => t.toArray())),
    before,
  );
  bn.dispose();
});

// ---- rwSAM's inverse-density weights --------------------------------------------------------------

/** The KDE weights in plain loops: unit rows, Gaussian kernel, density with j = i, inverse, mean 1. */
function kdeWeightsByHand(rows: number[][], bandwidth: number | null): number[] {
  const n = rows.length;
  const u = rows.map((r) => r.map((x) => x / norm(r)));
  const dist = (i: number, j: number) => norm((u[i] as number[]).map((x, k) => x - ((u[j] as number[])[k] as number)));
  let h = bandwidth;
  if (h === null) {
    const pairs: number[] = [];
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) pairs.push(dist(i, j));
    pairs.sort((x, y) => x - y);
    h = pairs[Math.floor((pairs.length - 1) / 2)] as number; // the lower median, as torch.median
  }
  const density = rows.map((_, i) => {
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.exp(-(dist(i, j) ** 2) / (2 * (h as number) ** 2));
    return s / n;
  });
  const inverse = density.map((p) => 1 / p);
  const mean = inverse.reduce((s, x) => s + x, 0) / n;
  return inverse.map((x) => x / mean);
}

/** 7 features in 3-d: a tight cluster of 5 and 2 outliers (the rare examples), scaled differently per row. */
function features(): number[][] {
  const rng = new Rng(11);
  const rows: number[][] = [];
  for (let i = 0; i < 5; i++)
    rows.push([1 + 0.1 * rng.normal(), 0.2 + 0.1 * rng.normal(), 0.1 * rng.normal()].map((x) => x * (1 + i)));
  rows.push([-0.2, 1, 0.3]);
  rows.push([0.1, -0.3, -1.5]);
  return rows;
}

for (const bandwidth of [null, 0.7]) {
  test(`inverseDensityWeights matches the KDE formula in plain loops (bandwidth ${bandwidth ?? 'the median distance'})`, () => {
    const rows = features();
    const want = kdeWeightsByHand(rows, bandwidth);
    const got = tidy(() =>
      inverseDensityWeights(tensor(Float64Array.from(rows.flat()), [rows.length, 3]), { bandwidth }).toArray(),
    );
    assertClose(got, want, { rtol: 1e-10, atol: 1e-12 }, 'weights');
    assertClose(got.reduce((s, x) => s + x, 0) / got.length, 1, TIGHT, 'mean weight');
    // the outliers weigh more than any member of the cluster (and the cluster's rows' scales do not matter)
    const clusterMax = Math.max(...got.slice(0, 5));
    assert.ok(Math.min(got[5] as number, got[6] as number) > clusterMax, `weights ${got.map((x) => x.toFixed(3))}`);
  });
}

test('inverseDensityWeights: identical features give weight 1 each; one row gives [1]; a bad bandwidth is refused', () => {
  tidy(() => {
    const same = tensor(Float64Array.from([1, 2, 1, 2, 1, 2, 2, 4]), [4, 2]);
    assertClose(inverseDensityWeights(same).toArray(), [1, 1, 1, 1], TIGHT, 'equal weights');
    assert.deepEqual(inverseDensityWeights(tensor(Float64Array.from([3, 4]), [1, 2])).toArray(), [1]);
    assert.throws(() => inverseDensityWeights(same, { bandwidth: 0 }), /bandwidth must be a finite number > 0/);
    assert.throws(() => inverseDensityWeights(tensor(Float64Array.from([1, 2]))), /features must be B×d/);
  });
});
