/**
 * The collapse monitor's spread, `mean_j std_i(z̄_ij)·√d` of the row-normalized
 * embedding (population std), against a float64 loop and closed forms:
 * isotropic Gaussian rows → 1, equal rows → 0, rank-1 rows s_i·a_i·v → its
 * formula; and the threshold the trainer reports collapse below.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Generator, randn, tensor, tidy } from '../../src/tensor/index.ts';
import { embeddingSpread } from '../../src/train/collapse.ts';
import { COLLAPSE_THRESHOLD } from '../../src/train/pretrain.ts';
import { assertClose } from '../helpers/close.ts';
import { Rng } from '../helpers/prng.ts';

type Rows = number[][];
const rowsTensor = (rows: Rows, dtype: 'float32' | 'float64' = 'float64') =>
  tensor(Float64Array.from(rows.flat()), [rows.length, rows[0]?.length ?? 0], { dtype });

/** The definition with loops: unit rows, then per column the population std over rows, averaged, times √d. */
function spreadByHand(rows: Rows): number {
  const d = (rows[0] as number[]).length;
  const unit = rows.map((r) => {
    const n = Math.sqrt(r.reduce((s, x) => s + x * x, 0));
    return r.map((x) => x / n);
  });
  let total = 0;
  for (let j = 0; j < d; j++) {
    const col = unit.map((r) => r[j] as number);
    const mean = col.reduce((s, x) => s + x, 0) / col.length;
    total += Math.sqrt(col.reduce((s, x) => s + (x - mean) ** 2, 0) / col.length);
  }
  return (total / d) * Math.sqrt(d);
}

test('embeddingSpread matches the loop definition on a random matrix (float64 and float32 input)', () => {
  const rng = new Rng(1);
  const rows = Array.from({ length: 7 }, () => Array.from({ length: 5 }, () => rng.normal() + 0.5));
  const expected = spreadByHand(rows);
  tidy(() => {
    assertClose(embeddingSpread(rowsTensor(rows)), expected, { rtol: 1e-12 }, 'float64');
    assertClose(embeddingSpread(rowsTensor(rows, 'float32')), expected, { rtol: 1e-6 }, 'float32');
  });
});

test('isotropic Gaussian rows spread ≈ 1: each coordinate of a uniform unit vector has variance 1/d', () => {
  for (const d of [2, 16, 64]) {
    const s = tidy(() => embeddingSpread(randn([8192, d], { generator: new Generator(d) })));
    // E std over 8192 rows is √(1/d)·(1 − O(1/B)); the sampling error of the mean of d stds is ≈ 1/√(2B·d) < 0.01
    assert.ok(Math.abs(s - 1) < 0.03, `d = ${d}: spread ${s}`);
    assert.ok(s > COLLAPSE_THRESHOLD, 'not reported as collapsed');
  }
});

test('equal rows, and rows equal up to a positive scale, spread 0 (collapsed)', () => {
  const v = [0.3, -1.2, 2, 0.7];
  tidy(() => {
    assert.ok(embeddingSpread(rowsTensor(Array.from({ length: 10 }, () => v))) < 1e-12);
    const scaled = Array.from({ length: 10 }, (_, i) => v.map((x) => x * (0.1 + i)));
    assert.ok(embeddingSpread(rowsTensor(scaled)) < 1e-12, 'the rows are normalized first');
    // nearly collapsed: a point plus 1 % noise is below the threshold
    const rng = new Rng(2);
    const near = Array.from({ length: 256 }, () => v.map((x) => x + 0.01 * rng.normal()));
    const s = embeddingSpread(rowsTensor(near));
    assert.ok(s < COLLAPSE_THRESHOLD, `a point plus 1 % noise: spread ${s}`);
    assert.ok(s > 0);
  });
});

test('rank-1 rows s_i·a_i·v spread 2√(p(1−p))·‖v‖₁/(‖v‖₂·√d), p the share of positive signs', () => {
  // unit rows are ±v/‖v‖; column j has population std |v_j|/‖v‖·std(s), std(s) = 2√(p(1−p))
  const v = [3, 4, 0, 0]; // ‖v‖₁ = 7, ‖v‖₂ = 5, d = 4
  for (const negatives of [0, 2, 4, 5]) {
    const n = 8;
    const rows = Array.from({ length: n }, (_, i) => v.map((x) => x * (i < negatives ? -1 : 1) * (1 + i)));
    const p = (n - negatives) / n;
    const expected = (2 * Math.sqrt(p * (1 - p)) * 7) / (5 * Math.sqrt(4));
    tidy(() =>
      assertClose(
        embeddingSpread(rowsTensor(rows)),
        expected,
        { rtol: 1e-12, atol: 1e-14 },
        `${negatives} of 8 negative`,
      ),
    );
  }
});

test('embeddingSpread refuses a single row or a vector, naming the shape', () => {
  tidy(() => {
    assert.throws(
      () => embeddingSpread(rowsTensor([[1, 2, 3]])),
      /embeddingSpread: expected B×d with B ≥ 2, got \[1,3\]/,
    );
    assert.throws(() => embeddingSpread(tensor([1, 2, 3])), /expected B×d/);
  });
});
