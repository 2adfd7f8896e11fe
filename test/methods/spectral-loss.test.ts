/**
 * The spectral contrastive loss against an explicit double loop over pairs in
 * float64 (rows beyond √μ rescaled, μ ≠ 1), and its gradient against central
 * finite differences.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spectralContrastiveLoss } from '../../src/methods/index.ts';
import { type Tensor, tidy } from '../../src/tensor/index.ts';
import { assertClose } from '../helpers/close.ts';
import { checkGradients } from '../helpers/finite-diff.ts';
import { Rng } from '../helpers/prng.ts';
import { norm, type Rows, randomRows, rowsTensor, spectralReference } from './reference.ts';

/** Rows with norms spread on both sides of √μ (none within 5% of it, where the rescaling has a kink). */
function mixedRows(rng: Rng, n: number, d: number, mu: number): Rows {
  return randomRows(rng, n, d).map((row, i) => {
    const target = Math.sqrt(mu) * [0.3, 0.7, 1.6, 4, 0.9, 2.5, 0.5, 12][i % 8]!;
    return row.map((x) => (x * target) / norm(row));
  });
}

for (const mu of [1, 10, 0.25]) {
  test(`spectral loss matches the pairwise double loop (μ = ${mu}, rows on both sides of √μ)`, () => {
    const rng = new Rng(7 + mu * 100);
    const z1 = mixedRows(rng, 7, 5, mu);
    const z2 = mixedRows(rng, 7, 5, mu).reverse();
    const ref = spectralReference(z1, z2, mu);
    // the test data really exercises the rescaling
    assert.ok(z1.some((r) => norm(r) > Math.sqrt(mu)) && z1.some((r) => norm(r) < Math.sqrt(mu)));
    tidy(() => {
      const out = spectralContrastiveLoss(rowsTensor(z1), rowsTensor(z2), mu);
      assertClose(out.loss.item(), ref.loss, { rtol: 1e-12, atol: 1e-12 }, 'loss');
      assertClose(out.part1.item(), ref.part1, { rtol: 1e-12, atol: 1e-12 }, 'part1');
      assertClose(out.part2.item(), ref.part2, { rtol: 1e-12, atol: 1e-12 }, 'part2');
      const f32 = spectralContrastiveLoss(rowsTensor(z1, 'float32'), rowsTensor(z2, 'float32'), mu);
      assertClose(f32.loss.item(), ref.loss, { rtol: 1e-5, atol: 1e-6 }, 'float32 loss');
    });
  });
}

test('spectral loss: default μ is 1, and rescaling leaves rows inside the ball untouched', () => {
  const rng = new Rng(3);
  const small = randomRows(rng, 5, 4).map((r) => r.map((x) => (0.2 * x) / norm(r)));
  const small2 = randomRows(rng, 5, 4).map((r) => r.map((x) => (0.4 * x) / norm(r)));
  // inside the ball the loss is the plain quadratic form, no rescaling at all
  let plain1 = 0;
  let plain2 = 0;
  for (let i = 0; i < 5; i++) {
    for (let j = 0; j < 5; j++) {
      const p = small[i]!.reduce((s, x, k) => s + x * small2[j]![k]!, 0);
      if (i === j) plain1 += p;
      else plain2 += p * p;
    }
  }
  const expected = (-2 / 5) * plain1 + plain2 / 20;
  tidy(() => {
    assertClose(spectralContrastiveLoss(rowsTensor(small), rowsTensor(small2)).loss.item(), expected, {
      rtol: 1e-12,
      atol: 1e-14,
    });
  });
});

test('spectral loss: perfectly aligned unit pairs that are orthogonal across images reach −2', () => {
  // z1 = z2 = rows of the identity: part1 = −2, part2 = 0 — the population optimum's value
  const id = [0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => (i === j ? 3 : 0))); // norm 3 > 1 → rescaled to 1
  tidy(() => {
    const out = spectralContrastiveLoss(rowsTensor(id), rowsTensor(id), 1);
    assertClose([out.loss.item(), out.part1.item(), out.part2.item()], [-2, -2, 0], { atol: 1e-12 });
  });
});

for (const mu of [1, 10]) {
  test(`spectral loss gradient matches finite differences in float64 (μ = ${mu})`, () => {
    const rng = new Rng(11 + mu);
    const z1 = mixedRows(rng, 6, 4, mu);
    const z2 = mixedRows(rng, 6, 4, mu).reverse();
    checkGradients(
      (xs: Tensor[]) => spectralContrastiveLoss(xs[0]!, xs[1]!, mu).loss,
      [
        { data: Float64Array.from(z1.flat()), shape: [6, 4] },
        { data: Float64Array.from(z2.flat()), shape: [6, 4] },
      ],
      { eps: 1e-6, rtol: 1e-6, atol: 1e-8 },
      `spectral loss gradient (μ = ${mu})`,
    );
  });
}

test('spectral loss rejects bad input with a clear message', () => {
  tidy(() => {
    const a = rowsTensor([
      [1, 2],
      [3, 4],
    ]);
    const b = rowsTensor([[1, 2, 3]]);
    assert.throws(() => spectralContrastiveLoss(a, b), /spectralContrastiveLoss: expected two B×d tensors/);
    assert.throws(() => spectralContrastiveLoss(a, a, 0), /mu must be a finite number > 0, got 0/);
    const one = rowsTensor([[1, 2]]);
    assert.throws(() => spectralContrastiveLoss(one, one), /at least 2 rows/);
  });
});
