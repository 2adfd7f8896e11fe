/**
 * Exact k nearest neighbours: both methods (and every precision path of the
 * brute-force certificate, including its float64 and direct-scan fallbacks)
 * against a plain double loop over all pairs, on random, clustered and
 * duplicated points; separate query sets; the 'auto' choice; bad input.
 * Ties make neighbour sets ambiguous, so each row is checked by its sorted
 * distances (equal to the reference) and by recomputing the distance of every
 * returned index (the point itself never returned, no index twice).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tensor } from '../../src/tensor/index.ts';
import { buildKdTree, kdTreeKnn } from '../../src/theory/kd-tree.ts';
import { kdTreeKnnParallel } from '../../src/theory/kd-tree-parallel.ts';
import { knnSearch } from '../../src/theory/knn.ts';
import { bruteKnn } from '../../src/theory/knn-brute.ts';
import { Rng } from '../helpers/prng.ts';

/** Squared distance by a plain loop. */
function sq(a: Float64Array, i: number, b: Float64Array, j: number, d: number): number {
  let s = 0;
  for (let l = 0; l < d; l++) s += ((a[i * d + l] as number) - (b[j * d + l] as number)) ** 2;
  return s;
}

/** The k smallest squared distances of each query to all points (itself excluded when self), by a double loop and a sort. */
function reference(points: Float64Array, n: number, d: number, k: number, queries?: Float64Array): Float64Array[] {
  const q = queries ?? points;
  const m = q.length / d;
  const out: Float64Array[] = [];
  for (let i = 0; i < m; i++) {
    const ds: number[] = [];
    for (let j = 0; j < n; j++) if (queries !== undefined || j !== i) ds.push(sq(q, i, points, j, d));
    ds.sort((a, b) => a - b);
    out.push(Float64Array.from(ds.slice(0, k)));
  }
  return out;
}

function check(
  r: { indices: Int32Array; distances: Float64Array },
  points: Float64Array,
  n: number,
  d: number,
  k: number,
  what: string,
  queries?: Float64Array,
): void {
  const ref = reference(points, n, d, k, queries);
  const q = queries ?? points;
  assert.equal(r.indices.length, ref.length * k, `${what}: indices length`);
  assert.equal(r.distances.length, ref.length * k, `${what}: distances length`);
  for (let i = 0; i < ref.length; i++) {
    const seen = new Set<number>();
    for (let t = 0; t < k; t++) {
      const j = r.indices[i * k + t] as number;
      const dist = r.distances[i * k + t] as number;
      const want = ref[i]?.[t] as number;
      assert.ok(
        Math.abs(dist - want) <= 1e-12 * (1 + want),
        `${what}: row ${i} rank ${t}: distance ${dist}, expected ${want}`,
      );
      assert.ok(Number.isInteger(j) && j >= 0 && j < n, `${what}: row ${i} index ${j} out of range`);
      assert.ok(queries !== undefined || j !== i, `${what}: row ${i} returned itself`);
      assert.ok(!seen.has(j), `${what}: row ${i} returned ${j} twice`);
      seen.add(j);
      assert.ok(
        Math.abs(sq(q, i, points, j, d) - dist) <= 1e-12 * (1 + dist),
        `${what}: row ${i}: index ${j} is not at ${dist}`,
      );
    }
  }
}

/** Gaussian clusters: `c` centres spread by `spread`, each with points of standard deviation `width`. */
function clusters(rng: Rng, n: number, d: number, c: number, spread: number, width: number): Float64Array {
  const centres = Float64Array.from({ length: c * d }, () => spread * rng.normal());
  const x = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const j = rng.int(0, c);
    for (let l = 0; l < d; l++) x[i * d + l] = (centres[j * d + l] as number) + width * rng.normal();
  }
  return x;
}

describe('knnSearch against a double loop', () => {
  const cases: [number, number, number][] = [
    [1, 300, 5],
    [2, 1000, 10],
    [3, 2000, 7],
    [5, 1500, 10],
    [16, 800, 12],
    [32, 2000, 10],
  ];
  for (const [d, n, k] of cases) {
    it(`random Gaussian points, d=${d}, n=${n}, k=${k}, brute and kdtree`, () => {
      const rng = new Rng(100 + d);
      const x = rng.normals(n * d);
      for (const method of ['brute', 'kdtree'] as const) {
        const r = knnSearch(tensor(x, [n, d]), k, { method });
        assert.equal(r.method, method);
        check(r, x, n, d, k, `${method} d=${d}`);
      }
    });
  }

  it('float32 input gives the float64 neighbours of its values', () => {
    const rng = new Rng(7);
    const x = Float32Array.from(rng.normals(600 * 4));
    const x64 = Float64Array.from(x);
    check(knnSearch(tensor(x, [600, 4]), 6, { method: 'brute' }), x64, 600, 4, 6, 'float32 input');
  });

  it('duplicate points: copies are neighbours at distance 0, the point itself never', () => {
    const rng = new Rng(3);
    const n = 900;
    const d = 3;
    // Integer coordinates in a small box: many exact duplicates and many ties.
    const x = Float64Array.from({ length: n * d }, () => rng.int(0, 4));
    for (const method of ['brute', 'kdtree'] as const) {
      const r = knnSearch(tensor(x, [n, d]), 8, { method });
      check(r, x, n, d, 8, `duplicates ${method}`);
    }
    // Every point identical: all distances 0, still never itself.
    const same = new Float64Array(50 * 2).fill(1.5);
    for (const method of ['brute', 'kdtree'] as const)
      check(knnSearch(tensor(same, [50, 2]), 49, { method }), same, 50, 2, 49, 'identical');
  });

  it('separate queries, against all points (nothing excluded)', () => {
    const rng = new Rng(11);
    const n = 1200;
    const d = 6;
    const x = rng.normals(n * d);
    const q = rng.normals(150 * d);
    q.set(x.subarray(0, d)); // a query equal to point 0: its nearest is point 0 at distance 0
    for (const method of ['brute', 'kdtree'] as const) {
      const r = knnSearch(tensor(x, [n, d]), 9, { method, queries: tensor(q, [150, d]) });
      check(r, x, n, d, 9, `queries ${method}`, q);
      assert.equal(r.indices[0], 0);
      assert.equal(r.distances[0], 0);
    }
    // k = n with queries: every point, sorted.
    const all = knnSearch(tensor(x.subarray(0, 20 * d), [20, d]), 20, {
      queries: tensor(q.subarray(0, 3 * d), [3, d]),
    });
    check(all, x.subarray(0, 20 * d), 20, d, 20, 'k = n', q.subarray(0, 3 * d));
  });
});

describe('brute force: certified precision passes', () => {
  it('float32 certifies ordinary data; float64 alone gives the same', () => {
    const rng = new Rng(21);
    const n = 3000;
    const d = 8;
    const x = clusters(rng, n, d, 6, 5, 1);
    const r32 = bruteKnn(x, n, d, 10, { precision: 'float32' });
    assert.ok(r32.passes.float32 > 0.95 * n, `float32 certified only ${r32.passes.float32} rows`);
    check(r32, x, n, d, 10, 'float32');
    const r64 = bruteKnn(x, n, d, 10, { precision: 'float64' });
    assert.equal(r64.passes.float32, 0);
    check(r64, x, n, d, 10, 'float64');
  });

  it('tight clusters below float32 resolution fall back to float64, and below float64 to the direct scan', () => {
    const rng = new Rng(22);
    const n = 2000;
    const d = 4;
    // 20 clusters of 100 points 1e-4 wide spread over a unit box, far off the origin:
    // neighbour distances² ~ 1e-8, under float32's error at this scale.
    const x = clusters(rng, n, d, 20, 1, 1e-4);
    for (let i = 0; i < x.length; i++) x[i] = (x[i] as number) + 1000;
    const r = bruteKnn(x, n, d, 10, { precision: 'float32', blockRows: 256 });
    assert.ok(r.passes.float64 > 0, `expected float64 fallbacks, got ${JSON.stringify(r.passes)}`);
    check(r, x, n, d, 10, 'float32 → float64');
    const auto = bruteKnn(x, n, d, 10, { precision: 'auto', blockRows: 256 });
    assert.ok(
      auto.passes.float64 > auto.passes.float32,
      `auto should switch to float64: ${JSON.stringify(auto.passes)}`,
    );
    check(auto, x, n, d, 10, 'auto');
    // Clusters 1e-10 wide: below float64's error too.
    const y = clusters(new Rng(23), 600, 3, 6, 1, 1e-10);
    const r2 = bruteKnn(y, 600, 3, 5, { precision: 'float64' });
    assert.ok(r2.passes.exact > 0, `expected direct-scan rows, got ${JSON.stringify(r2.passes)}`);
    check(r2, y, 600, 3, 5, 'float64 → exact');
  });

  it('block selection (n ≥ 4·B·k′) and small blocks of rows agree with the double loop', () => {
    const rng = new Rng(24);
    const n = 2000;
    const d = 10;
    const x = clusters(rng, n, d, 4, 3, 1);
    check(bruteKnn(x, n, d, 3, { blockRows: 37 }), x, n, d, 3, 'blocks of 37 rows');
  });
});

describe('k-d tree', () => {
  it('matches brute force on clustered low-dimensional data', () => {
    const rng = new Rng(31);
    const n = 6000;
    const d = 3;
    const x = clusters(rng, n, d, 12, 10, 0.5);
    const tree = kdTreeKnn(buildKdTree(x, n, d, { leafSize: 8 }), 10);
    const brute = bruteKnn(x, n, d, 10, { precision: 'float64' });
    for (let i = 0; i < n * 10; i++) {
      assert.equal(tree.distances[i], brute.distances[i], `distance ${i}`);
    }
    // Spot-check against the double loop as well.
    const some = Float64Array.from(x.subarray(0, 40 * d));
    const r = kdTreeKnn(buildKdTree(x, n, d), 10, some);
    check(r, x, n, d, 10, 'tree queries', some);
  });

  it('worker threads give the single-thread result', () => {
    const rng = new Rng(33);
    const n = 9000;
    const d = 4;
    const x = clusters(rng, n, d, 5, 4, 1);
    const tree = buildKdTree(x, n, d);
    const one = kdTreeKnn(tree, 7);
    for (const threads of [2, 3]) {
      const many = kdTreeKnnParallel(tree, 7, threads);
      assert.deepEqual(Array.from(many.distances), Array.from(one.distances), `${threads} threads`);
      assert.ok(!(many.indices.buffer instanceof SharedArrayBuffer), 'result on shared memory');
    }
    const q = rng.normals(3000 * d);
    const many = kdTreeKnnParallel(tree, 5, 2, q);
    assert.deepEqual(Array.from(many.distances), Array.from(kdTreeKnn(tree, 5, q).distances), 'queries');
    check(
      { indices: many.indices.subarray(0, 100), distances: many.distances.subarray(0, 100) },
      x,
      n,
      d,
      5,
      'parallel queries',
      q.subarray(0, 20 * d),
    );
  });

  it('tree order is a permutation and every leaf box holds its points', () => {
    const rng = new Rng(32);
    const n = 1000;
    const d = 2;
    const x = rng.normals(n * d);
    const t = buildKdTree(x, n, d, { leafSize: 5 });
    assert.deepEqual(
      Array.from(t.order).sort((a, b) => a - b),
      Array.from({ length: n }, (_, i) => i),
    );
    for (let node = 0; node < t.nodes; node++) {
      for (let p = t.start[node] as number; p < (t.end[node] as number); p++) {
        for (let l = 0; l < d; l++) {
          const v = x[(t.order[p] as number) * d + l] as number;
          assert.ok(v >= (t.boxLo[node * d + l] as number) && v <= (t.boxHi[node * d + l] as number));
          assert.equal(t.points[p * d + l], v);
        }
      }
      if ((t.left[node] as number) < 0) assert.ok((t.end[node] as number) - (t.start[node] as number) <= 5);
    }
  });
});

describe("'auto' method", () => {
  it('takes the k-d tree for low-dimensional data and brute force for high-dimensional noise', () => {
    const rng = new Rng(41);
    const n = 6000; // n² > AUTO_PROBE_PAIRS: the probe decides
    const low = rng.normals(n * 2);
    const r = knnSearch(tensor(low, [n, 2]), 5);
    assert.equal(r.method, 'kdtree');
    const high = rng.normals(n * 40);
    const h = knnSearch(tensor(high, [n, 40]), 5);
    assert.equal(h.method, 'brute');
    // Same neighbours either way (distances; ties aside).
    const b = knnSearch(tensor(low, [n, 2]), 5, { method: 'brute' });
    for (let i = 0; i < n * 5; i++) assert.equal(r.distances[i], b.distances[i]);
    const small = knnSearch(tensor(low.subarray(0, 200), [100, 2]), 5);
    assert.equal(small.method, 'brute');
  });
});

describe('knnSearch rejects bad input', () => {
  const x = tensor(new Rng(5).normals(40), [10, 4]);
  it('k out of range or not an integer', () => {
    assert.throws(
      () => knnSearch(x, 10),
      /knnSearch: k must be at most the 9 candidate points \(n = 10, self excluded\), got 10/,
    );
    assert.throws(
      () => knnSearch(x, 12, { queries: x }),
      /k must be at most the 10 candidate points \(n = 10\), got 12/,
    );
    assert.throws(() => knnSearch(x, 0), /k must be a positive integer/);
    assert.throws(() => knnSearch(x, 2.5), /k must be a positive integer/);
    assert.throws(() => knnSearch(x, 10, { method: 'kdtree' }), /at most the 9 candidate points/);
  });
  it('shapes, values and options', () => {
    assert.throws(() => knnSearch(tensor(new Float64Array(8), [8]), 2), /points must be a 2-D tensor/);
    assert.throws(
      () => knnSearch(x, 2, { queries: tensor(new Float64Array(6), [2, 3]) }),
      /queries must have 4 columns/,
    );
    assert.throws(() => knnSearch(tensor(Float64Array.of(0, 1, Number.NaN, 2), [2, 2]), 1), /points must be finite/);
    assert.throws(
      () => knnSearch(x, 2, { method: 'ball' as 'brute' }),
      /knnSearch: method must be one of "auto", "brute", "kdtree", got "ball"/,
    );
    assert.throws(() => knnSearch(x, 2, { threads: 0 }), /threads must be a positive integer/);
    assert.throws(() => buildKdTree(new Float64Array(4), 2, 2, { leafSize: 0 }), /leafSize/);
  });
});
