/**
 * The statistics of experiment reports against published tables and closed
 * forms: Student t quantiles (the two-sided 95 % column of every t table),
 * incomplete-beta identities, and spreads computed by hand.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  formatSpread,
  incompleteBeta,
  pairedDifference,
  spread,
  studentTCdf,
  studentTQuantile,
} from '../../src/experiments/index.ts';

test('t₀.₉₇₅ for 1–30 degrees of freedom matches the printed table to 3 decimals', () => {
  const table = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
    2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
  ];
  for (const [i, t] of table.entries())
    assert.ok(
      Math.abs(studentTQuantile(0.975, i + 1) - t) < 6e-4,
      `df ${i + 1}: ${studentTQuantile(0.975, i + 1)} vs ${t}`,
    );
  // ν → ∞ tends to the normal quantile 1.95996…; ν = 1 is the Cauchy quantile tan(π(p − ½)) exactly.
  assert.ok(Math.abs(studentTQuantile(0.975, 1e7) - 1.959964) < 1e-5);
  assert.ok(Math.abs(studentTQuantile(0.9, 1) - Math.tan(Math.PI * 0.4)) < 1e-9);
  assert.ok(Math.abs(studentTQuantile(0.025, 4) + 2.776445) < 1e-5, 'symmetric');
  assert.throws(() => studentTQuantile(1, 3), /p must be in \(0, 1\)/);
});

test('incomplete beta: I_x(1,1) = x, I_x(a,1) = xᵃ, I_x(1,b) = 1 − (1−x)ᵇ, I_½(a,a) = ½; the t CDF at 0 is ½', () => {
  for (const x of [0.01, 0.3, 0.5, 0.77, 0.99]) {
    assert.ok(Math.abs(incompleteBeta(x, 1, 1) - x) < 1e-12);
    assert.ok(Math.abs(incompleteBeta(x, 3.5, 1) - x ** 3.5) < 1e-12);
    assert.ok(Math.abs(incompleteBeta(x, 1, 2.5) - (1 - (1 - x) ** 2.5)) < 1e-12);
  }
  for (const a of [0.5, 2, 7.5, 40]) assert.ok(Math.abs(incompleteBeta(0.5, a, a) - 0.5) < 1e-12, `a = ${a}`);
  assert.equal(studentTCdf(0, 5), 0.5);
  // ν = 2 has the closed form F(t) = ½ + t / (2√(2 + t²)).
  for (const t of [-3, -0.4, 1.2, 9])
    assert.ok(Math.abs(studentTCdf(t, 2) - (0.5 + t / (2 * Math.sqrt(2 + t * t)))) < 1e-12);
});

test('spread of fixed numbers, by hand', () => {
  // 0.90, 0.92, 0.97: mean 0.93, deviations −0.03, −0.01, 0.04, Σd² = 0.0026, sd = √0.0013.
  const s = spread([0.9, 0.92, 0.97]);
  assert.ok(Math.abs(s.mean - 0.93) < 1e-15);
  assert.ok(Math.abs(s.sd - Math.sqrt(0.0013)) < 1e-15);
  const half = (4.302652729749464 * Math.sqrt(0.0013)) / Math.sqrt(3);
  assert.ok(Math.abs(s.halfWidth - half) < 1e-9);
  assert.ok(Math.abs(s.low - (0.93 - half)) < 1e-9 && Math.abs(s.high - (0.93 + half)) < 1e-9);
  const one = spread([0.5]);
  assert.deepEqual([one.n, one.mean, one.sd, one.low, one.high], [1, 0.5, 0, 0.5, 0.5]);
  assert.ok(Number.isNaN(one.halfWidth));
  assert.throws(() => spread([]), /no measurements/);
  assert.throws(() => spread([0.1, Number.NaN]), /measurement 1 is not a finite number/);
  assert.equal(formatSpread(s, { scale: 100, unit: ' points' }), `93.00 ± ${(half * 100).toFixed(2)} points`);
  assert.equal(formatSpread(one, { scale: 100 }), '50.00 (1 seed)');
});

test('pairedDifference uses the seeds both sides have, by hand', () => {
  const a = new Map([
    [0, 0.8],
    [1, 0.85],
    [2, 0.9],
    [5, 0.1],
  ]);
  const b = new Map([
    [0, 0.7],
    [1, 0.8],
    [2, 0.7],
  ]);
  const d = pairedDifference(a, b);
  assert.deepEqual(d.seeds, [0, 1, 2]);
  // differences 0.1, 0.05, 0.2: mean 0.35/3, sd = √(Σ(d − d̄)²/2)
  const m = 0.35 / 3;
  const sd = Math.sqrt(((0.1 - m) ** 2 + (0.05 - m) ** 2 + (0.2 - m) ** 2) / 2);
  assert.ok(Math.abs(d.mean - m) < 1e-15 && Math.abs(d.sd - sd) < 1e-15);
  assert.throws(() => pairedDifference(new Map([[3, 1]]), b), /share no seed/);
});
