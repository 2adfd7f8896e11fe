/**
 * Theorem 3 (top eigenvectors make clusters linearly separable): weakly
 * joined cliques, whose spectrum and top eigenvectors are known in closed
 * form (the constant vector, then cluster contrasts, all cluster-constant);
 * the manifold mixture, well and less separated; the kNN graph and
 * sub-cluster labels; bad input.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { separabilityCheck, separabilityOnGraph } from '../../../src/experiments/theory/separability.ts';
import { tensor } from '../../../src/tensor/index.ts';
import { denseGraph } from '../../../src/theory/graph.ts';
import { assertClose } from '../../helpers/close.ts';

/**
 * r cliques of n vertices (weight 1 inside, no self-loops) with every pair of
 * vertices in different cliques joined by weight ε. Degree d = n − 1 + ε(N − n).
 * Spectrum of Ā = W/d: 1 (the constant vector), (n − 1 − εn)/d (r − 1 times:
 * cluster-constant vectors summing to 0), −1/d (the rest: zero-sum inside one clique).
 */
function joinedCliques(r: number, n: number, eps: number) {
  const N = r * n;
  const w = new Float64Array(N * N);
  for (let i = 0; i < N; i++)
    for (let j = 0; j < N; j++) {
      if (i === j) continue;
      w[i * N + j] = Math.floor(i / n) === Math.floor(j / n) ? 1 : eps;
    }
  const labels = Int32Array.from({ length: N }, (_, i) => Math.floor(i / n));
  const d = n - 1 + eps * (N - n);
  return { graph: denseGraph(tensor(w, [N, N])), labels, degree: d, contrast: (n - 1 - eps * n) / d, rest: -1 / d };
}

describe('separabilityOnGraph on 4 weakly joined cliques', () => {
  const r = 4;
  const n = 20;
  const c = joinedCliques(r, n, 1e-3);
  const res = separabilityOnGraph(c.graph, c.labels, { maxK: 6, sampleRows: 40 });

  it('has the closed-form spectrum', () => {
    const expected = [1, c.contrast, c.contrast, c.contrast, c.rest, c.rest];
    assertClose(res.eigenvalues, expected, { rtol: 0, atol: 1e-12 }, 'eigenvalues');
    assert.ok(res.maxResidual < 1e-10, `residual ${res.maxResidual}`);
    assert.equal(res.unitEigenvalues, 1, 'connected');
  });

  it('k = 1 (the constant eigenvector) is at chance, k = r separates perfectly', () => {
    // Stratified halves: 10 test vertices per clique, so chance is exactly 1/4.
    assert.equal(res.chance, 0.25);
    const at = (k: number) => res.accuracyByK.find((a) => a.k === k);
    assert.ok((at(1)?.test as number) <= 0.25 + 1e-12, `k = 1: ${at(1)?.test}`);
    assert.equal(at(r)?.test, 1);
    assert.equal(at(r)?.train, 1);
    assert.equal(res.accuracyByK.length, 6);
  });

  it('the rows of U_r are the scaled one-hot indicators 1/√n', () => {
    assert.ok(res.oneHotScore > 1 - 1e-10, `one-hot ${res.oneHotScore}`);
    assert.ok(res.indicatorResidual < 1e-10, `indicator residual ${res.indicatorResidual}`);
    const { values, cluster, vertex } = res.indicatorRows;
    assert.equal(values.length, 40);
    assert.deepEqual(
      cluster,
      [...cluster].sort((a, b) => a - b),
      'rows sorted by cluster',
    );
    values.forEach((row, i) => {
      const expected = Array.from({ length: r }, (_, j) => (j === cluster[i] ? 1 / Math.sqrt(n) : 0));
      assertClose(row, expected, { rtol: 0, atol: 1e-10 }, `row ${i}`);
      assert.equal(cluster[i], c.labels[vertex[i] as number]);
    });
  });
});

describe('separabilityCheck on a manifold mixture', () => {
  it('well separated (default, r = 4): chance at k = 1, ≥ 99% from k = 2r, rows of U_r nearly one-hot', () => {
    const res = separabilityCheck();
    const r = res.settings.manifolds;
    assert.equal(r, 4);
    const at = (k: number) => res.accuracyByK.find((a) => a.k === k)?.test as number;
    assert.equal(res.accuracyByK.length, 3 * r);
    assert.equal(res.unitEigenvalues, 1, 'connected: u₁ ∝ √w, so f*₁ is constant');
    assert.ok(at(1) < 0.9, `k = 1: ${at(1)}`);
    assert.ok(Math.abs(at(1) - res.chance) < 0.02, `k = 1: ${at(1)} vs chance ${res.chance}`);
    for (let k = 2 * r; k <= 3 * r; k++) assert.ok(at(k) >= 0.99, `k = ${k}: ${at(k)}`);
    assert.ok(res.oneHotScore > 0.95, `one-hot ${res.oneHotScore}`);
    // r eigenvalues near 1, then a gap.
    const ev = res.eigenvalues;
    assert.ok((ev[r - 1] as number) > 0.98 && (ev[r] as number) < 0.9, `λ_r ${ev[r - 1]}, λ_r+1 ${ev[r]}`);
  });

  it('less separated (separation 1): lower accuracy and less one-hot rows', () => {
    const res = separabilityCheck({ separation: 1, maxK: 8 });
    const best = Math.max(...res.accuracyByK.map((a) => a.test));
    assert.ok(best < 0.97, `best ${best}`);
    assert.ok(best > 0.5, `best ${best}`);
    assert.ok(res.oneHotScore < 0.95, `one-hot ${res.oneHotScore}`);
  });

  it('kNN proximity graph and sub-cluster labels run with their settings', () => {
    const knn = separabilityCheck({ graph: 'knn', vertices: 600, manifolds: 3, maxK: 6 });
    assert.equal(knn.settings.graph, 'knn');
    assert.ok((knn.accuracyByK.at(-1)?.test as number) >= 0.95, `kNN k = 6: ${knn.accuracyByK.at(-1)?.test}`);
    // A 10-NN graph may leave manifolds disconnected (eigenvalue 1 up to r times), never more than r here.
    assert.ok(knn.unitEigenvalues >= 1 && knn.unitEigenvalues <= 3, `${knn.unitEigenvalues} unit eigenvalues`);
    const sub = separabilityCheck({ labels: 'subcluster', vertices: 400, manifolds: 2, maxK: 4 });
    assert.equal(sub.classes, 4);
    assert.equal(sub.settings.subclusters, 2);
    assert.equal(sub.indicatorRows.values[0]?.length, 4);
  });

  it('rejects bad options', () => {
    assert.throws(
      () => separabilityCheck({ labels: 'pixels' as 'manifold' }),
      /theory separability: labels must be one of "manifold", "subcluster", got "pixels"/,
    );
    assert.throws(
      () => separabilityCheck({ graph: 'full' as 'exact' }),
      /graph must be one of "auto", "exact", "knn", got "full"/,
    );
    assert.throws(() => separabilityCheck({ sigma: -1 }), /sigma must be a number in \(0, 1e100\] .*, got -1/);
    assert.throws(() => separabilityCheck({ manifolds: 0 }), /manifolds must be a positive integer, got 0/);
    assert.throws(
      () => separabilityCheck({ vertices: 100, neighbors: 100 }),
      /neighbors must be an integer in \[1, 99\] \(below vertices\), got 100/,
    );
    const c = joinedCliques(2, 4, 0.1);
    assert.throws(() => separabilityOnGraph(c.graph, new Int32Array(3)), /labels must have one entry per vertex \(8\)/);
    assert.throws(
      () => separabilityOnGraph(c.graph, c.labels, { maxK: 8 }),
      /separabilityOnGraph: maxK must be an integer in \[1, 7\], got 8/,
    );
    assert.throws(
      () => separabilityOnGraph(c.graph, c.labels, { trainFraction: 1 }),
      /trainFraction must be a number in \(0, 1\), got 1/,
    );
    assert.throws(
      () => separabilityOnGraph(c.graph, c.labels, { numClasses: 1 }),
      /labels\[\d+\] must be an integer in \[0, 0\], got 1/,
    );
  });
});
