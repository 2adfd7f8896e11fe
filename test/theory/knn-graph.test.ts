/**
 * The symmetrized Gaussian k-NN graph against a construction by hand: neighbour
 * sets from a double loop, weights exp(−‖x−x′‖²/(2h²)) from direct differences,
 * each symmetrization rule applied entry by entry, the 'auto' bandwidth as the
 * median k-th neighbour distance; symmetry, no self-loops, degree ≥ k for
 * 'max'; graph.ts's degrees on the result; bad input.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sparse, tensor, tidy } from '../../src/tensor/index.ts';
import { degrees } from '../../src/theory/graph.ts';
import { knnSearch } from '../../src/theory/knn.ts';
import { knnGraph } from '../../src/theory/knn-graph.ts';
import { assertClose } from '../helpers/close.ts';
import { Rng } from '../helpers/prng.ts';

function sq(x: Float64Array, i: number, j: number, d: number): number {
  let s = 0;
  for (let l = 0; l < d; l++) s += ((x[i * d + l] as number) - (x[j * d + l] as number)) ** 2;
  return s;
}

/** Neighbour sets by a double loop (points in general position: no ties). */
function neighbourSets(x: Float64Array, n: number, d: number, k: number): { sets: Set<number>[]; kth: Float64Array } {
  const sets: Set<number>[] = [];
  const kth = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const order = Array.from({ length: n }, (_, j) => j)
      .filter((j) => j !== i)
      .sort((a, b) => sq(x, i, a, d) - sq(x, i, b, d));
    sets.push(new Set(order.slice(0, k)));
    kth[i] = Math.sqrt(sq(x, i, order[k - 1] as number, d));
  }
  return { sets, kth };
}

/** Dense n×n weights of a CSR graph, row-major. */
function dense(w: ReturnType<typeof knnGraph>['weights']): Float64Array {
  return tidy(() => sparse.toDense(w).data() as Float64Array);
}

function median(v: Float64Array): number {
  const s = Array.from(v).sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

describe('knnGraph', () => {
  const rng = new Rng(8);
  const n = 301;
  const d = 3;
  const k = 6;
  const x = rng.normals(n * d);
  const X = tensor(x, [n, d]);
  const { sets, kth } = neighbourSets(x, n, d, k);

  it("'max': edges where either is a neighbour of the other, Gaussian weights, auto bandwidth = median k-th distance", () => {
    const g = knnGraph(X, { k });
    assert.equal(g.n, n);
    assert.equal(g.sparse, true);
    assert.equal(g.weights.layout, 'SparseCsr');
    assert.equal(g.weights.dtype, 'float64');
    const h = median(kth);
    assertClose(g.bandwidth, h, { rtol: 1e-14, atol: 0 }, 'bandwidth');
    const W = dense(g.weights);
    for (let i = 0; i < n; i++) {
      let neighbours = 0;
      for (let j = 0; j < n; j++) {
        const w = W[i * n + j] as number;
        assert.equal(w, W[j * n + i], `W not symmetric at (${i}, ${j})`);
        const edge = sets[i]?.has(j) || sets[j]?.has(i);
        if (!edge) {
          assert.equal(w, 0, `(${i}, ${j}) is no k-NN pair but has weight ${w}`);
          continue;
        }
        neighbours++;
        const want = Math.exp(-sq(x, i, j, d) / (2 * h * h));
        assert.ok(Math.abs(w - want) <= 1e-14, `weight (${i}, ${j}) = ${w}, expected ${want}`);
      }
      assert.equal(W[i * n + i], 0, 'self-loop');
      assert.ok(neighbours >= k, `vertex ${i} has ${neighbours} < k neighbours`);
    }
  });

  it("'mean' halves one-sided edges and 'union' is w + w′ − w·w′; an explicit bandwidth is used as given", () => {
    const h = 0.7;
    const mean = dense(knnGraph(X, { k, symmetrize: 'mean', bandwidth: h }).weights);
    const union = knnGraph(X, { k, symmetrize: 'union', bandwidth: h });
    assert.equal(union.bandwidth, h);
    const U = dense(union.weights);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (i === j) continue;
        const w = Math.exp(-sq(x, i, j, d) / (2 * h * h));
        const a = sets[i]?.has(j) ? w : 0;
        const b = sets[j]?.has(i) ? w : 0;
        assert.ok(Math.abs((mean[i * n + j] as number) - (a + b) / 2) <= 1e-14, `mean (${i}, ${j})`);
        assert.ok(Math.abs((U[i * n + j] as number) - (a + b - a * b)) <= 1e-14, `union (${i}, ${j})`);
      }
    }
  });

  it("'local': w_ij = exp(−‖x_i − x_j‖²/(2σ_iσ_j)) with σ_i the distance to i's k-th neighbour (self-tuning)", () => {
    const g = knnGraph(X, { k, bandwidth: 'local' });
    assertClose(g.bandwidth, median(kth), { rtol: 1e-14, atol: 0 }, 'reported bandwidth = median σ');
    const W = dense(g.weights);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const edge = i !== j && (sets[i]?.has(j) || sets[j]?.has(i));
        const want = edge ? Math.exp(-sq(x, i, j, d) / (2 * (kth[i] as number) * (kth[j] as number))) : 0;
        assert.ok(
          Math.abs((W[i * n + j] as number) - want) <= 1e-14,
          `weight (${i}, ${j}) = ${W[i * n + j]}, expected ${want}`,
        );
      }
    }
    // An outlier beyond a Gaussian cloud's tail: the global bandwidth all but cuts it off, the local one keeps it.
    const r3 = new Rng(10);
    const m = 200;
    const pts = r3.normals(m * 2);
    pts[0] = 8;
    pts[1] = 0;
    const P = tensor(pts, [m, 2]);
    const outlierDegree = (b: 'auto' | 'local') =>
      tidy(() => degrees(knnGraph(P, { k: 5, bandwidth: b })).data()[0] as number);
    assert.ok(outlierDegree('auto') < 1e-30, `global bandwidth: outlier degree ${outlierDegree('auto')}`);
    assert.ok(outlierDegree('local') > 1e-3, `local bandwidth: outlier degree ${outlierDegree('local')}`);
  });

  it('degrees of graph.ts equal the row sums; a precomputed search gives the same graph', () => {
    const g = knnGraph(X, { k });
    const W = dense(g.weights);
    const rowSums = Array.from({ length: n }, (_, i) => W.subarray(i * n, (i + 1) * n).reduce((s, v) => s + v, 0));
    assertClose(
      tidy(() => degrees(g).data() as Float64Array),
      rowSums,
      { rtol: 1e-12, atol: 0 },
      'degrees',
    );
    const again = knnGraph(X, { k, neighbors: knnSearch(X, k) });
    assert.deepEqual(Array.from(dense(again.weights)), Array.from(W));
  });

  it('larger graph from the k-d tree path: symmetric CSR with sorted columns and degree ≥ k', () => {
    const r2 = new Rng(9);
    const m = 20000;
    const pts = r2.normals(m * 2);
    const g = knnGraph(tensor(pts, [m, 2]), { k: 10, method: 'kdtree' });
    const crow = tidy(() => sparse.crowIndices(g.weights).to('int32').data() as Int32Array);
    const col = tidy(() => sparse.colIndices(g.weights).to('int32').data() as Int32Array);
    const val = tidy(() => sparse.values(g.weights).data() as Float64Array);
    const entry = new Map<number, number>();
    for (let i = 0; i < m; i++) {
      assert.ok((crow[i + 1] as number) - (crow[i] as number) >= 10, `row ${i} has fewer than k entries`);
      for (let p = crow[i] as number; p < (crow[i + 1] as number); p++) {
        if (p > (crow[i] as number))
          assert.ok((col[p] as number) > (col[p - 1] as number), 'columns not strictly increasing');
        assert.notEqual(col[p], i);
        entry.set(i * m + (col[p] as number), val[p] as number);
      }
    }
    for (const [key, v] of entry) {
      const i = Math.floor(key / m);
      const j = key % m;
      assert.equal(entry.get(j * m + i), v, `(${i}, ${j}) has no mirror`);
    }
    // Spot-check a few weights against the formula.
    for (let t = 0; t < 50; t++) {
      const i = r2.int(0, m);
      const p = crow[i] as number;
      const j = col[p] as number;
      assertClose(val[p] as number, Math.exp(-sq(pts, i, j, 2) / (2 * g.bandwidth ** 2)), { rtol: 1e-14, atol: 0 });
    }
  });

  it('rejects bad input', () => {
    assert.throws(() => knnGraph(X, { k: 2.5 }), /k must be a positive integer/);
    assert.throws(() => knnGraph(X, { k: 0 }), /k must be a positive integer/);
    assert.throws(
      () => knnGraph(X, { k: n }),
      /knnGraph: k must be at most n − 1 = 300 \(one fewer than the points\), got 301/,
    );
    assert.throws(
      () => knnGraph(X, { k, bandwidth: 0 }),
      /knnGraph: bandwidth must be a finite number > 0, or "auto" or "local", got 0/,
    );
    assert.throws(() => knnGraph(X, { k, bandwidth: -1 }), /bandwidth/);
    assert.throws(
      () => knnGraph(X, { k, symmetrize: 'min' as 'max' }),
      /knnGraph: symmetrize must be one of "max", "mean", "union", got "min"/,
    );
    assert.throws(() => knnGraph(tensor(new Float64Array(5), [5]), { k: 1 }), /points must be n×d/);
    assert.throws(
      () => knnGraph(X, { k, neighbors: { indices: new Int32Array(3), distances: new Float64Array(3) } }),
      /neighbors must hold/,
    );
    const same = tensor(new Float64Array(20).fill(2), [10, 2]);
    assert.throws(() => knnGraph(same, { k: 3 }), /bandwidth 'auto' is 0/);
    assert.throws(() => knnGraph(same, { k: 3, bandwidth: 'local' }), /vertex 0 has 3 exact duplicates/);
    assert.throws(
      () => knnGraph(X, { k, bandwidth: 'global' as 'auto' }),
      /"auto" or "local", got "global" \(a string\)/,
    );
    // With an explicit bandwidth duplicates are fine: weight 1 on every edge.
    const g = knnGraph(same, { k: 3, bandwidth: 1 });
    assert.ok(tidy(() => sparse.values(g.weights).eq(1).all().item()));
  });
});
