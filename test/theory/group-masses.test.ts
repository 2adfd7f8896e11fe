/**
 * groupMasses: W, vol, Q and ρ, α, β, γ against a brute-force double loop
 * over all node pairs in plain float64 (a random graph with self-loops, dense
 * and as a sparse edge list), a hand-built 4-node graph whose numbers are
 * worked out by hand (regular, then irregular so the √(vol·vol) matters, and
 * self-loops counted once), a block-constant graph whose summaries are the
 * block weights over the row sum, NaN for a kind without pairs, and the
 * errors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tensor } from '../../src/tensor/index.ts';
import { denseGraph, type Graph, graphFromEdges } from '../../src/theory/graph.ts';
import { groupMasses } from '../../src/theory/group-masses.ts';
import { assertClose } from '../helpers/close.ts';
import { Rng } from '../helpers/prng.ts';

/** The brute-force reference: every ordered node pair (i, j) adds w_ij to W[g(i), g(j)]. */
function bruteForce(w: Float64Array, n: number, classes: number[], domains: number[], C: number, D: number) {
  const G = C * D;
  const grp = (i: number) => (classes[i] as number) * D + (domains[i] as number);
  const mass = new Float64Array(G * G);
  const deg = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      mass[grp(i) * G + grp(j)] = (mass[grp(i) * G + grp(j)] as number) + (w[i * n + j] as number);
      deg[i] = (deg[i] as number) + (w[i * n + j] as number);
    }
  }
  const vol = new Float64Array(G);
  for (let i = 0; i < n; i++) vol[grp(i)] = (vol[grp(i)] as number) + (deg[i] as number);
  const q = Float64Array.from(
    mass,
    (m, t) => m / Math.sqrt((vol[Math.floor(t / G)] as number) * (vol[t % G] as number)),
  );
  const kinds: Record<string, number[]> = { rho: [], alpha: [], beta: [], gamma: [] };
  for (let c = 0; c < C; c++)
    for (let d = 0; d < D; d++)
      for (let c2 = 0; c2 < C; c2++)
        for (let d2 = 0; d2 < D; d2++) {
          const kind = c === c2 ? (d === d2 ? 'rho' : 'alpha') : d === d2 ? 'beta' : 'gamma';
          kinds[kind]?.push(q[(c * D + d) * G + c2 * D + d2] as number);
        }
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  return {
    mass,
    vol,
    q,
    rho: mean(kinds.rho ?? []),
    alpha: mean(kinds.alpha ?? []),
    beta: mean(kinds.beta ?? []),
    gamma: mean(kinds.gamma ?? []),
  };
}

/** A symmetric random weight matrix with about half the pairs joined and random self-loops. */
function randomWeights(n: number, rng: Rng): Float64Array {
  const w = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      if (rng.uniform() < 0.5) continue;
      const v = rng.uniform();
      w[i * n + j] = v;
      w[j * n + i] = v;
    }
  }
  return w;
}

/** The same matrix as a sparse graph: every stored (i, j) once, already symmetric. */
function sparseOf(w: Float64Array, n: number): Graph {
  const rows: number[] = [];
  const cols: number[] = [];
  const vals: number[] = [];
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++)
      if ((w[i * n + j] as number) > 0) {
        rows.push(i);
        cols.push(j);
        vals.push(w[i * n + j] as number);
      }
  return graphFromEdges(n, rows, cols, vals, { symmetrize: false });
}

describe('groupMasses', () => {
  it('matches a brute-force double loop over node pairs (dense and sparse graphs)', () => {
    const rng = new Rng(11);
    const [n, C, D] = [45, 3, 2];
    const w = randomWeights(n, rng);
    // Every group gets at least one node: the first C·D nodes cover them, the rest are random.
    const classes = Array.from({ length: n }, (_, i) => (i < C * D ? Math.floor(i / D) : rng.int(0, C)));
    const domains = Array.from({ length: n }, (_, i) => (i < C * D ? i % D : rng.int(0, D)));
    const want = bruteForce(w, n, classes, domains, C, D);
    for (const graph of [denseGraph(tensor(w, [n, n])), sparseOf(w, n)]) {
      const got = groupMasses(graph, classes, domains);
      assert.equal(got.numClasses, C);
      assert.equal(got.numDomains, D);
      const tol = { rtol: 1e-12, atol: 1e-12 };
      assertClose(got.mass, want.mass, tol, `mass (${graph.sparse ? 'sparse' : 'dense'})`);
      assertClose(got.volume, want.vol, tol, 'volume');
      assertClose(got.connectivity, want.q, tol, 'connectivity');
      assertClose(
        [got.rho, got.alpha, got.beta, got.gamma],
        [want.rho, want.alpha, want.beta, want.gamma],
        tol,
        'ρ, α, β, γ',
      );
      const sizes = new Array(C * D).fill(0);
      for (let i = 0; i < n; i++) sizes[(classes[i] as number) * D + (domains[i] as number)]++;
      assert.deepEqual(Array.from(got.sizes), sizes);
      graph.weights.dispose();
    }
  });

  it('a hand-built 4-node graph (one node per group, unit self-loops): the numbers by hand', () => {
    // Nodes 0 (c0,d0), 1 (c0,d1), 2 (c1,d0), 3 (c1,d1). Same class across domains 2, same domain
    // across classes 1, cross edges `cross`, self-loops 1 each (counted once).
    const build = (cross: number) => {
      const e = [
        [0, 1, 2],
        [2, 3, 2],
        [0, 2, 1],
        [1, 3, 1],
        [0, 3, cross],
      ];
      const w = new Float64Array(16);
      for (let i = 0; i < 4; i++) w[i * 5] = 1;
      for (const [i, j, v] of e) {
        w[(i as number) * 4 + (j as number)] = v as number;
        w[(j as number) * 4 + (i as number)] = v as number;
      }
      return denseGraph(tensor(w, [4, 4]));
    };
    const classes = [0, 0, 1, 1];
    const domains = [0, 1, 0, 1];
    // Regular: every degree 1 + 2 + 1 = 4, so Q = W/4.
    const regular = groupMasses(build(0), classes, domains);
    assertClose(Array.from(regular.volume), [4, 4, 4, 4], { rtol: 0, atol: 0 });
    assertClose([regular.rho, regular.alpha, regular.beta, regular.gamma], [1 / 4, 2 / 4, 1 / 4, 0], { rtol: 1e-15 });
    // Cross edge 0–3 of weight 3: deg 0 = deg 3 = 7, deg 1 = deg 2 = 4.
    const irregular = groupMasses(build(3), classes, domains);
    assertClose(Array.from(irregular.volume), [7, 4, 4, 7], { rtol: 0, atol: 0 });
    assertClose(
      [irregular.rho, irregular.alpha, irregular.beta, irregular.gamma],
      [(1 / 7 + 1 / 4 + 1 / 4 + 1 / 7) / 4, 2 / Math.sqrt(28), 1 / Math.sqrt(28), (3 / 7 + 3 / 7 + 0 + 0) / 4],
      { rtol: 1e-14 },
    );
  });

  it('a block-constant graph: ρ, α, β, γ are the block weights over the row sum s', () => {
    // C = 3, D = 2, m = 4 nodes per group, w_ij by the kind of (g(i), g(j)), self-loops ρ:
    // W[g,h] = m²·b_gh, vol(g) = m²·s with s = ρ + (D−1)α + (C−1)β + (C−1)(D−1)γ, so Q = b/s.
    const [C, D, m] = [3, 2, 4];
    const [rho, alpha, beta, gamma] = [0.9, 0.4, 0.3, 0.05];
    const n = C * D * m;
    const classes = Array.from({ length: n }, (_, i) => Math.floor(i / (D * m)));
    const domains = Array.from({ length: n }, (_, i) => Math.floor(i / m) % D);
    const w = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const sc = classes[i] === classes[j];
        const sd = domains[i] === domains[j];
        w[i * n + j] = sc ? (sd ? rho : alpha) : sd ? beta : gamma;
      }
    const s = rho + (D - 1) * alpha + (C - 1) * beta + (C - 1) * (D - 1) * gamma;
    const got = groupMasses(denseGraph(tensor(w, [n, n])), classes, domains);
    assertClose([got.rho, got.alpha, got.beta, got.gamma], [rho / s, alpha / s, beta / s, gamma / s], { rtol: 1e-13 });
  });

  it('a kind without pairs is NaN (one domain: α and γ)', () => {
    const w = new Float64Array([1, 1, 1, 1]);
    const got = groupMasses(denseGraph(tensor(w, [2, 2])), [0, 1], [0, 0]);
    assert.ok(Number.isNaN(got.alpha) && Number.isNaN(got.gamma));
    assert.equal(got.rho, 0.5);
    assert.equal(got.beta, 0.5);
  });

  it('refuses mismatched lengths, labels out of range, empty groups and groups of volume 0', () => {
    const w = new Float64Array(16).fill(1);
    const g = denseGraph(tensor(w, [4, 4]));
    const c = [0, 0, 1, 1];
    const d = [0, 1, 0, 1];
    assert.throws(() => groupMasses(g, [0, 0, 1], d), /groupMasses: classes has length 3, the graph has 4 nodes/);
    assert.throws(() => groupMasses(g, c, [0, 1]), /groupMasses: domains has length 2, the graph has 4 nodes/);
    assert.throws(
      () => groupMasses(g, [0, -1, 1, 1], d),
      /groupMasses: classes\[1\] must be a non-negative integer, got -1/,
    );
    assert.throws(() => groupMasses(g, [0, 0.5, 1, 1], d), /classes\[1\] must be a non-negative integer, got 0.5/);
    assert.throws(
      () => groupMasses(g, c, [0, 1, 0, 2], { numDomains: 2 }),
      /groupMasses: domains\[3\] must be an integer in \[0, 1\], got 2/,
    );
    assert.throws(() => groupMasses(g, c, d, { numClasses: 0 }), /groupMasses: numClasses must be a positive integer/);
    assert.throws(
      () => groupMasses(g, c, d, { numClasses: 3 }),
      /groupMasses: group \(class 2, domain 0\) has no nodes \(C = 3, D = 2\)/,
    );
    assert.throws(() => groupMasses(g, [0, 0, 0, 1], [0, 1, 1, 0]), /group \(class 1, domain 1\) has no nodes/);
    const isolated = new Float64Array(16);
    isolated[0] = 1;
    isolated[5] = 1;
    isolated[10] = 1;
    assert.throws(
      () => groupMasses(denseGraph(tensor(isolated, [4, 4])), c, d),
      /groupMasses: group \(class 1, domain 1\) has volume 0/,
    );
    assert.throws(() => groupMasses({} as Graph, c, d), /groupMasses: g must be a Graph/);
  });
});
