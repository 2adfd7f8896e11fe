/**
 * The report's PCA (libtorch: covariance, linalg.eigh) against a dense
 * eigendecomposition computed here in plain JavaScript (cyclic Jacobi
 * rotations of the covariance): the same axes up to sign, the same
 * coordinates and the same explained variance; and the stratified counts of
 * the projected subset.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pca, stratifiedCounts } from '../../../src/report/html/index.ts';
import { tensor } from '../../../src/tensor/index.ts';

/** Eigenvalues and eigenvectors (columns of V) of the symmetric matrix `a`, by cyclic Jacobi sweeps. */
function jacobi(a: number[][]): { values: number[]; vectors: number[][] } {
  const n = a.length;
  const m = a.map((r) => [...r]);
  const v = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += (m[p]?.[q] as number) ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = m[p]?.[q] as number;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = ((m[q]?.[q] as number) - (m[p]?.[p] as number)) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k]?.[p] as number;
          const mkq = m[k]?.[q] as number;
          (m[k] as number[])[p] = c * mkp - s * mkq;
          (m[k] as number[])[q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p]?.[k] as number;
          const mqk = m[q]?.[k] as number;
          (m[p] as number[])[k] = c * mpk - s * mqk;
          (m[q] as number[])[k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k]?.[p] as number;
          const vkq = v[k]?.[q] as number;
          (v[k] as number[])[p] = c * vkp - s * vkq;
          (v[k] as number[])[q] = s * vkp + c * vkq;
        }
      }
  }
  return { values: m.map((r, i) => r[i] as number), vectors: v };
}

/** A 12×4 matrix with distinct spreads along mixed directions (seeded, no randomness from libtorch). */
function known(): number[][] {
  let s = 7;
  const r = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647 - 0.5;
  };
  return Array.from({ length: 12 }, () => {
    const [a, b, c, d] = [r() * 6, r() * 3, r() * 1, r() * 0.3];
    return [a + b, a - 0.5 * c, b + d + 2, c - a * 0.2 + 1] as number[];
  });
}

test('pca equals a plain-JavaScript Jacobi eigendecomposition of the covariance, up to the sign of each axis', () => {
  const x = known();
  const n = x.length;
  const d = 4;
  const mean = Array.from({ length: d }, (_, j) => x.reduce((s, r) => s + (r[j] as number), 0) / n);
  const xc = x.map((r) => r.map((v, j) => v - (mean[j] as number)));
  const cov = Array.from({ length: d }, (_, i) =>
    Array.from({ length: d }, (_, j) => xc.reduce((s, r) => s + (r[i] as number) * (r[j] as number), 0) / (n - 1)),
  );
  const { values, vectors } = jacobi(cov);
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]);
  const total = values.reduce((a, b) => a + b, 0);

  const t = tensor(x, { dtype: 'float64' });
  const r = pca(t, 2);
  t.dispose();
  for (let k = 0; k < 2; k++) {
    const [value, col] = order[k] as readonly [number, number];
    assert.ok(
      Math.abs((r.variance[k] as number) - value) < 1e-10 * value,
      `variance ${k}: ${r.variance[k]} vs ${value}`,
    );
    assert.ok(Math.abs((r.ratio[k] as number) - value / total) < 1e-10, `ratio ${k}`);
    const axis = vectors.map((row) => row[col] as number);
    const dot = axis.reduce((s, a, j) => s + a * (r.axes[k]?.[j] as number), 0);
    assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-9, `axis ${k} is the eigenvector (|cos| = ${Math.abs(dot)})`);
    const sign = Math.sign(dot);
    xc.forEach((row, i) => {
      const want = sign * row.reduce((s, v, j) => s + v * (axis[j] as number), 0);
      assert.ok(Math.abs((r.coords[i]?.[k] as number) - want) < 1e-9, `coordinate ${i}, ${k}`);
    });
  }
  assert.ok(Math.abs(r.totalVariance - total) < 1e-10 * total);
  assert.ok((r.variance[0] as number) > (r.variance[1] as number));
  // The sign convention: each axis's largest-magnitude entry is positive.
  for (const axis of r.axes) {
    const big = axis.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a), 0);
    assert.ok(big > 0);
  }
});

test('pca refuses what it cannot project', () => {
  const one = tensor([[1, 2, 3]]);
  assert.throws(() => pca(one), /at least 2 rows/);
  one.dispose();
  const flat = tensor([1, 2, 3]);
  assert.throws(() => pca(flat), /must be N×d/);
  flat.dispose();
});

test('stratified counts: in proportion to the classes, summing to the request, never above a class', () => {
  assert.deepEqual(stratifiedCounts([30, 30, 30], 60), [20, 20, 20]);
  assert.deepEqual(stratifiedCounts([100, 10], 11), [10, 1]);
  assert.deepEqual(stratifiedCounts([5, 5], 1000), [5, 5]);
  const c = stratifiedCounts([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009], 2000);
  assert.equal(
    c.reduce((a, b) => a + b, 0),
    2000,
  );
  assert.ok(
    c.every((k, i) => Math.abs(k - ([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009][i] as number) / 5) < 1),
  );
});
