/**
 * The peer methods' losses against loops of the textbook formulas (float64),
 * stop-gradients by gradient flow, and Sinkhorn's normalization.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  byolLoss,
  infoNceQueueLoss,
  negativeCosineLoss,
  ntXentLoss,
  sinkhorn,
  swavLoss,
} from '../../src/methods/index.ts';
import { type Tensor, tidy } from '../../src/tensor/index.ts';
import { assertClose } from '../helpers/close.ts';
import { checkGradients } from '../helpers/finite-diff.ts';
import { Rng } from '../helpers/prng.ts';
import {
  cos,
  infoNceReference,
  mean,
  ntXentReference,
  randomRows,
  rowsTensor,
  sinkhornReference,
  swavReference,
  tensorRows,
  unit,
} from './reference.ts';

const tight = { rtol: 1e-10, atol: 1e-12 };

for (const tau of [0.1, 0.5]) {
  test(`NT-Xent matches the formula over 2B anchors (τ = ${tau})`, () => {
    const rng = new Rng(1);
    const z1 = randomRows(rng, 6, 5, 3);
    const z2 = randomRows(rng, 6, 5);
    tidy(() => {
      assertClose(ntXentLoss(rowsTensor(z1), rowsTensor(z2), tau).item(), ntXentReference(z1, z2, tau), tight);
      // the loss is symmetric in the two views
      assertClose(ntXentLoss(rowsTensor(z2), rowsTensor(z1), tau).item(), ntXentReference(z1, z2, tau), tight);
    });
  });
}

test('NT-Xent gradient matches finite differences (the masked diagonal does not produce NaN)', () => {
  const rng = new Rng(2);
  checkGradients(
    (xs: Tensor[]) => ntXentLoss(xs[0]!, xs[1]!, 0.3),
    [
      { data: Float64Array.from(randomRows(rng, 4, 3).flat()), shape: [4, 3] },
      { data: Float64Array.from(randomRows(rng, 4, 3).flat()), shape: [4, 3] },
    ],
    { rtol: 1e-6, atol: 1e-8 },
    'NT-Xent',
  );
});

test('MoCo InfoNCE matches the formula; the keys and the queue get no gradient', () => {
  const rng = new Rng(3);
  const q = randomRows(rng, 5, 4, 2);
  const k = randomRows(rng, 5, 4);
  const queue = randomRows(rng, 9, 4).map(unit);
  tidy(() => {
    assertClose(
      infoNceQueueLoss(rowsTensor(q), rowsTensor(k), rowsTensor(queue), 0.2).item(),
      infoNceReference(q, k, queue, 0.2),
      tight,
    );
    const qt = rowsTensor(q).requiresGrad_();
    const kt = rowsTensor(k).requiresGrad_();
    const qu = rowsTensor(queue).requiresGrad_();
    infoNceQueueLoss(qt, kt, qu, 0.2).backward();
    assert.ok(qt.grad !== null && qt.grad.abs().sum().item() > 0, 'the query gets a gradient');
    assert.equal(kt.grad, null, 'no gradient reaches the keys');
    assert.equal(qu.grad, null, 'no gradient reaches the queue');
  });
  checkGradients(
    (xs: Tensor[]) => infoNceQueueLoss(xs[0]!, xs[1]!, xs[2]!, 0.2),
    [
      { data: Float64Array.from(q.flat()), shape: [5, 4] },
      { data: Float64Array.from(k.flat()), shape: [5, 4] },
      { data: Float64Array.from(queue.flat()), shape: [9, 4] },
    ],
    { check: [0], rtol: 1e-6, atol: 1e-8 },
    'InfoNCE ∂/∂q',
  );
});

for (const [name, fn, ref] of [
  ['SimSiam D', negativeCosineLoss, (p: number[][], z: number[][]) => -mean(p.map((pi, i) => cos(pi, z[i]!)))],
  ['BYOL', byolLoss, (p: number[][], z: number[][]) => mean(p.map((pi, i) => 2 - 2 * cos(pi, z[i]!)))],
] as const) {
  test(`${name} loss matches the cosine formula; stop-gradient: ∂/∂z is null, ∂/∂p is the analytic one`, () => {
    const rng = new Rng(4);
    const p = randomRows(rng, 6, 5, 2);
    const z = randomRows(rng, 6, 5);
    tidy(() => {
      const pt = rowsTensor(p).requiresGrad_();
      const zt = rowsTensor(z).requiresGrad_();
      const loss = fn(pt, zt);
      assertClose(loss.item(), ref(p, z), tight);
      loss.backward();
      assert.equal(zt.grad, null, 'z is behind a stop-gradient');
      // ∂cos(p, z)/∂p = (ẑ − cos·p̂)/‖p‖, scaled by the loss's factor and 1/B
      const scale = name === 'BYOL' ? -2 / 6 : -1 / 6;
      const expected = p.flatMap((pi, i) => {
        const np = Math.hypot(...pi);
        const c = cos(pi, z[i]!);
        const zh = unit(z[i]!);
        return pi.map((x, j) => (scale * (zh[j]! - (c * x) / np)) / np);
      });
      assertClose(pt.grad!.toArray(), expected, { rtol: 1e-10, atol: 1e-12 }, '∂/∂p');
    });
  });
}

test('Sinkhorn equals the paper’s exp-then-normalize algorithm; rows sum to 1, columns to B/K', () => {
  const rng = new Rng(5);
  // scores as SwAV sees them: cosines between unit projections and unit prototypes
  const z = randomRows(rng, 12, 6).map(unit);
  const c = randomRows(rng, 4, 6).map(unit);
  const scores = z.map((zi) => c.map((cj) => zi.reduce((s, x, k) => s + x * cj[k]!, 0)));
  for (const iterations of [1, 3]) {
    tidy(() => {
      const q = sinkhorn(rowsTensor(scores), 0.05, iterations);
      assertClose(q.toArray(), sinkhornReference(scores, 0.05, iterations).flat(), { rtol: 1e-9, atol: 1e-12 });
      const rows = tensorRows(q);
      assert.ok(
        rows.flat().every((x) => x >= 0),
        'non-negative',
      );
      assertClose(
        rows.map((r) => r.reduce((s, x) => s + x, 0)),
        Array(12).fill(1),
        { atol: 1e-12 },
        'row sums (the last normalization: exact)',
      );
    });
  }
  tidy(() => {
    // columns reach B/K = 3 as the iterations go on
    const colSums = (it: number) => {
      const rows = tensorRows(sinkhorn(rowsTensor(scores), 0.05, it));
      return [0, 1, 2, 3].map((j) => rows.reduce((s, r) => s + r[j]!, 0));
    };
    const err = (it: number) => Math.max(...colSums(it).map((s) => Math.abs(s - 3)));
    assert.ok(err(200) < 1e-6, `after 200 iterations column sums ${colSums(200)} should be 3`);
    assert.ok(err(3) <= err(1) + 1e-12, `error shrinks: ${err(1)} → ${err(3)}`);
  });
});

test('Sinkhorn assigns by a clear score pattern, and spreads a batch that prefers one prototype', () => {
  const rng = new Rng(6);
  const perm = rng.permutation(8).map((i) => i % 4);
  const clear = perm.map((k) => [0, 1, 2, 3].map((j) => (j === k ? 1 : 0.1 * rng.uniform())));
  const sameFavourite = Array.from({ length: 8 }, (_, i) => [1, 0.2 * Math.sin(i), 0.2 * Math.cos(i), (0.1 * i) / 8]);
  tidy(() => {
    const q = tensorRows(sinkhorn(rowsTensor(clear, 'float32')));
    assert.deepEqual(
      q.map((r) => r.indexOf(Math.max(...r))),
      perm,
      'each sample goes to its high-scoring prototype',
    );
    // softmax alone would put every sample on prototype 0; equipartition forces 8/4 = 2 per prototype
    const spread = tensorRows(sinkhorn(rowsTensor(sameFavourite), 0.05, 100));
    assertClose(
      [0, 1, 2, 3].map((j) => spread.reduce((s, r) => s + r[j]!, 0)),
      [2, 2, 2, 2],
      { atol: 1e-6 },
      'column sums',
    );
    assert.throws(() => sinkhorn(rowsTensor(clear), 0.05, 0), /sinkhorn: iterations must be a positive integer/);
  });
});

test('SwAV swapped-prediction loss matches loops; codes get no gradient, scores do', () => {
  const rng = new Rng(8);
  const s1 = randomRows(rng, 5, 7, 0.5);
  const s2 = randomRows(rng, 5, 7, 0.5);
  const q1 = randomRows(rng, 5, 7)
    .map((r) => r.map(Math.abs))
    .map((r) => r.map((x) => x / r.reduce((a, b) => a + b)));
  const q2 = randomRows(rng, 5, 7)
    .map((r) => r.map(Math.abs))
    .map((r) => r.map((x) => x / r.reduce((a, b) => a + b)));
  tidy(() => {
    const t = [s1, s2, q1, q2].map((r) => rowsTensor(r).requiresGrad_());
    const loss = swavLoss(t[0]!, t[1]!, t[2]!, t[3]!, 0.1);
    assertClose(loss.item(), swavReference(s1, s2, q1, q2, 0.1), tight);
    loss.backward();
    assert.ok(t[0]!.grad && t[1]!.grad, 'scores get gradients');
    assert.equal(t[2]!.grad, null, 'codes q1 are targets');
    assert.equal(t[3]!.grad, null, 'codes q2 are targets');
  });
});
