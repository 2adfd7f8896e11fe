/**
 * Conductance, induced subgraphs, sweep cuts and the Cheeger estimate:
 * hand-computed conductances, dense = CSR storage, complement relations,
 * errors; the barbell's bridge cut; sweeps against a from-scratch sweep in
 * plain TypeScript; Cheeger bounds against brute-force minimum conductance
 * over all subsets (n ≤ 12) and closed-form spectra (cycle, complete graph).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ones, sparse, tensor } from '../../src/tensor/index.ts';
import { cheegerEstimate, conductance, inducedSubgraph, sweepCut } from '../../src/theory/conductance.ts';
import { denseGraph, type Graph, graphFromEdges } from '../../src/theory/graph.ts';
import { assertClose, assertEqualArrays } from '../helpers/close.ts';
import { Rng } from '../helpers/prng.ts';

/** Both storages of one symmetric matrix given as rows. */
function both(w: number[][]): { dense: Graph; csr: Graph } {
  const n = w.length;
  const rows: number[] = [];
  const cols: number[] = [];
  const vals: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (w[i]![j]! !== 0) {
        rows.push(i);
        cols.push(j);
        vals.push(w[i]![j]!);
      }
    }
  }
  return {
    dense: denseGraph(tensor(Float64Array.from(w.flat()), [n, n])),
    csr: graphFromEdges(n, rows, cols, vals, { symmetrize: false }),
  };
}

/** Plain-TS Dirichlet conductance from the matrix: Σ_{i∈S, j∉S} w_ij / Σ_{i∈S} Σ_j w_ij. */
function phiByHand(w: number[][], inS: boolean[]): number {
  let cut = 0;
  let vol = 0;
  for (let i = 0; i < w.length; i++) {
    if (!inS[i]) continue;
    for (let j = 0; j < w.length; j++) {
      vol += w[i]![j]!;
      if (!inS[j]) cut += w[i]![j]!;
    }
  }
  return cut / vol;
}

/** Symmetric random weights: each pair an edge with probability `density`, weight in (0.1, 2); optional self-loops. */
function randomWeights(rng: Rng, n: number, density: number, loops = false): number[][] {
  const w = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = i + (loops ? 0 : 1); j < n; j++) {
      if (rng.uniform() < density) {
        const v = 0.1 + 1.9 * rng.uniform();
        w[i]![j] = v;
        w[j]![i] = v;
      }
    }
  }
  return w;
}

/** Two unit-weight cliques K_a on 0…a−1 and a…2a−1, joined by one unit edge (a−1, a). */
function barbell(a: number): number[][] {
  const n = 2 * a;
  const w = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j && i < a === j < a) w[i]![j] = 1;
  w[a - 1]![a] = 1;
  w[a]![a - 1] = 1;
  return w;
}

/** Brute force h_G = min over proper S of cut(S)/min(w(S), w(V∖S)), over all 2^n − 2 subsets. */
function bruteCheeger(w: number[][]): number {
  const n = w.length;
  const deg = w.map((r) => r.reduce((a, b) => a + b, 0));
  const total = deg.reduce((a, b) => a + b, 0);
  let best = Number.POSITIVE_INFINITY;
  for (let s = 1; s < (1 << n) - 1; s++) {
    let cut = 0;
    let vol = 0;
    for (let i = 0; i < n; i++) {
      if (!((s >> i) & 1)) continue;
      vol += deg[i]!;
      for (let j = 0; j < n; j++) if (!((s >> j) & 1)) cut += w[i]![j]!;
    }
    const lighter = Math.min(vol, total - vol);
    if (lighter > 0) best = Math.min(best, cut / lighter);
  }
  return best;
}

/** From-scratch sweep: every prefix of the score order, lighter side, conductance recomputed by phiByHand. */
function sweepByHand(w: number[][], scores: number[]): number {
  const n = w.length;
  const order = scores
    .map((s, i) => [s, i] as const)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
    .map((p) => p[1]);
  const deg = w.map((r) => r.reduce((a, b) => a + b, 0));
  const total = deg.reduce((a, b) => a + b, 0);
  let best = Number.POSITIVE_INFINITY;
  for (let t = 1; t < n; t++) {
    const inS = new Array<boolean>(n).fill(false);
    let vol = 0;
    for (const v of order.slice(0, t)) {
      inS[v] = true;
      vol += deg[v]!;
    }
    const side = vol <= total - vol ? inS : inS.map((b) => !b);
    if (Math.min(vol, total - vol) > 0) best = Math.min(best, phiByHand(w, side));
  }
  return best;
}

// 0–1: 2, 1–2: 1, 2–3: 3, 0–2: 1, self-loop 3–3: 1. Degrees 3, 3, 5, 4; total 15.
const SMALL = [
  [0, 2, 1, 0],
  [2, 0, 1, 0],
  [1, 1, 0, 3],
  [0, 0, 3, 1],
];

describe('conductance', () => {
  const { dense, csr } = both(SMALL);
  for (const [name, g] of [
    ['dense', dense],
    ['csr', csr],
  ] as const) {
    it(`hand-computed values on a 4-vertex graph with a self-loop (${name})`, () => {
      // {0,1}: cut w02 + w12 = 1 + 1 = 2; w(S) = 3 + 3 = 6 → 1/3.
      assertClose(conductance(g, [0, 1]), 1 / 3, { rtol: 1e-14 });
      // {3}: cut w23 = 3 (the loop is not cut); w(S) = 3 + 1 = 4 → 3/4.
      assertClose(conductance(g, [3]), 3 / 4, { rtol: 1e-14 });
      // {0,1,2}: cut w23 = 3; w(S) = 3 + 3 + 5 = 11 → 3/11.
      assertClose(conductance(g, Int32Array.from([2, 0, 1])), 3 / 11, { rtol: 1e-14 });
      // {0,2}: cut w01 + w21 + w23 = 2 + 1 + 3 = 6; w(S) = 3 + 5 = 8 → 3/4.
      assertClose(conductance(g, [0, 2]), 3 / 4, { rtol: 1e-14 });
      // {0}: cut 2 + 1 = 3; w(S) = 3 → 1.
      assertClose(conductance(g, [0]), 1, { rtol: 1e-14 });
      // The same sets as masks, and with repeated ids.
      assertClose(conductance(g, Uint8Array.from([1, 1, 0, 0])), 1 / 3, { rtol: 1e-14 });
      assertClose(conductance(g, [0, 1, 0, 1]), 1 / 3, { rtol: 1e-14 });
    });
  }

  it('dense and CSR storage agree, and φ(S)·w(S) = φ(V∖S)·w(V∖S) on random graphs', () => {
    const rng = new Rng(7);
    const n = 15;
    const w = randomWeights(rng, n, 0.4, true);
    const g = both(w);
    const deg = w.map((r) => r.reduce((a, b) => a + b, 0));
    for (let trial = 0; trial < 20; trial++) {
      const inS = Array.from({ length: n }, () => rng.uniform() < 0.5);
      if (inS.every(Boolean) || !inS.some(Boolean)) continue;
      const set = inS.flatMap((b, i) => (b ? [i] : []));
      const rest = inS.flatMap((b, i) => (b ? [] : [i]));
      const d = conductance(g.dense, set);
      assertClose(d, phiByHand(w, inS), { rtol: 1e-12 }, 'dense vs hand');
      assertClose(conductance(g.csr, set), d, { rtol: 1e-12 }, 'csr vs dense');
      const volS = set.reduce((a, v) => a + deg[v]!, 0);
      const volR = rest.reduce((a, v) => a + deg[v]!, 0);
      assertClose(d * volS, conductance(g.csr, rest) * volR, { rtol: 1e-12 }, 'cut symmetry');
    }
  });

  it('rejects empty and full sets, vertices out of range, bad masks and sets of zero weight', () => {
    const { dense: g } = both(SMALL);
    assert.throws(() => conductance(g, []), /set must not be empty/);
    assert.throws(() => conductance(g, Uint8Array.from([0, 0, 0, 0])), /set must not be empty/);
    assert.throws(() => conductance(g, [0, 1, 2, 3]), /all vertices/);
    assert.throws(() => conductance(g, Uint8Array.from([1, 1, 1, 1])), /all vertices/);
    assert.throws(() => conductance(g, [4]), /conductance: set\[0\] must be an integer in \[0, 3\], got 4/);
    assert.throws(() => conductance(g, [0, -1]), /set\[1\] must be an integer in \[0, 3\], got -1/);
    assert.throws(() => conductance(g, [1.5]), /set\[0\] must be an integer in \[0, 3\], got 1.5/);
    assert.throws(() => conductance(g, Uint8Array.from([1, 0])), /mask.*length n = 4/);
    const lonely = both([
      [0, 1, 0],
      [1, 0, 0],
      [0, 0, 0],
    ]);
    assert.throws(() => conductance(lonely.csr, [2]), /w\(S\) = 0/);
  });
});

describe('inducedSubgraph', () => {
  it('equals the dense submatrix, for dense and CSR graphs, in the given vertex order', () => {
    const rng = new Rng(11);
    const n = 12;
    const w = randomWeights(rng, n, 0.5, true);
    const g = both(w);
    const vertices = [7, 2, 11, 5, 0];
    const expected = vertices.flatMap((i) => vertices.map((j) => w[i]![j]!));
    const d = inducedSubgraph(g.dense, Int32Array.from(vertices));
    assert.equal(d.sparse, false);
    assert.equal(d.n, 5);
    assertClose(d.weights.data() as Float64Array, expected, { rtol: 0, atol: 0 }, 'dense');
    const s = inducedSubgraph(g.csr, vertices);
    assert.equal(s.sparse, true);
    assert.equal(s.n, 5);
    assertClose(sparse.toDense(s.weights).data() as Float64Array, expected, { rtol: 0, atol: 0 }, 'csr');
  });

  it('gives an edgeless CSR subgraph when no edge joins the vertices, and rejects bad vertex lists', () => {
    const g = both(barbell(3)).csr; // edges inside {0,1,2}, {3,4,5} and 2–3
    const s = inducedSubgraph(g, [0, 4]);
    assertClose(sparse.toDense(s.weights).data() as Float64Array, [0, 0, 0, 0], { atol: 0 });
    assert.throws(() => inducedSubgraph(g, []), /must not be empty/);
    assert.throws(
      () => inducedSubgraph(g, [0, 6]),
      /inducedSubgraph: vertices\[1\] must be an integer in \[0, 5\], got 6/,
    );
    assert.throws(
      () => inducedSubgraph(g, [1, 1]),
      /inducedSubgraph: vertices\[1\] must be a vertex not listed before \(vertices repeats 1\), got 1/,
    );
  });
});

describe('sweepCut', () => {
  it('finds the bridge of a barbell with φ = 1/21, under any vertex numbering (dense and CSR)', () => {
    // K5 + K5 + bridge: each side w(S) = 5·4 + 1 = 21, cut = 1.
    const rng = new Rng(5);
    const base = barbell(5);
    const perm = rng.permutation(10); // vertex v of the barbell becomes perm[v]
    const w = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
    for (let i = 0; i < 10; i++) for (let j = 0; j < 10; j++) w[perm[i]!]![perm[j]!] = base[i]![j]!;
    const scores = new Float64Array(10);
    for (let v = 0; v < 10; v++) scores[perm[v]!] = (v < 5 ? -1 : 1) + 0.1 * rng.normal();
    const left = perm.slice(0, 5).sort((a, b) => a - b);
    const right = perm.slice(5).sort((a, b) => a - b);
    for (const g of Object.values(both(w))) {
      const r = sweepCut(g, scores);
      assertClose(r.conductance, 1 / 21, { rtol: 1e-14 });
      assert.ok(
        JSON.stringify(Array.from(r.set)) === JSON.stringify(left) ||
          JSON.stringify(Array.from(r.set)) === JSON.stringify(right),
        `set ${r.set} is one clique`,
      );
    }
    // A tensor of scores works the same.
    const r = sweepCut(both(w).csr, tensor(scores));
    assertClose(r.conductance, 1 / 21, { rtol: 1e-14 });
  });

  it('with vertices, sweeps inside the induced subgraph', () => {
    // Barbell on 0…9, plus a third clique 10…12 tied to every barbell vertex: outside the subgraph.
    const w = Array.from({ length: 13 }, (_, i) =>
      Array.from({ length: 13 }, (__, j) => (i < 10 && j < 10 ? barbell(5)[i]![j]! : 0)),
    );
    for (let i = 10; i < 13; i++) {
      for (let j = 0; j < 13; j++) {
        if (i !== j) {
          w[i]![j] = 0.5;
          w[j]![i] = 0.5;
        }
      }
    }
    const scores = Float64Array.from({ length: 13 }, (_, v) => v); // the identity order
    const vertices = Int32Array.from([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    for (const g of Object.values(both(w))) {
      const r = sweepCut(g, scores, { vertices });
      assertClose(r.conductance, 1 / 21, { rtol: 1e-14 });
      assertEqualArrays(r.set, [0, 1, 2, 3, 4]); // w(S) = 21 = w(V)/2: the prefix side
    }
  });

  it('equals a from-scratch sweep over every prefix on random graphs with self-loops', () => {
    const rng = new Rng(9);
    for (let trial = 0; trial < 6; trial++) {
      const n = 25 + trial;
      const w = randomWeights(rng, n, 0.25, true);
      const scores = rng.normals(n);
      const expected = sweepByHand(w, Array.from(scores));
      for (const g of Object.values(both(w))) {
        const r = sweepCut(g, scores);
        assertClose(r.conductance, expected, { rtol: 1e-12 }, `trial ${trial}`);
        const inS = Array.from({ length: n }, (_, v) => r.set.includes(v));
        assertClose(phiByHand(w, inS), expected, { rtol: 1e-12 }, 'returned set has that conductance');
        const deg = w.map((row) => row.reduce((a, b) => a + b, 0));
        const vol = deg.reduce((a, b, v) => a + (inS[v] ? b : 0), 0);
        assert.ok(vol <= deg.reduce((a, b) => a + b, 0) / 2 + 1e-12, 'lighter side');
      }
    }
  });

  it('sweeps a 100 000-vertex CSR path in near-linear time: φ = 1/(n − 1) at the middle', () => {
    // Path 0–1–…–(n−1), unit weights: the first t vertices have cut 1 and w(S) = 2t − 1;
    // the lighter side is best at t = n/2: 1/(n − 1). A quadratic sweep would not finish.
    const n = 100_000;
    const rows = Int32Array.from({ length: n - 1 }, (_, i) => i);
    const cols = Int32Array.from({ length: n - 1 }, (_, i) => i + 1);
    const g = graphFromEdges(n, rows, cols, new Float64Array(n - 1).fill(2)); // symmetrized: 2/2 = 1 each way
    const scores = Float64Array.from({ length: n }, (_, i) => i);
    const r = sweepCut(g, scores);
    assertClose(r.conductance, 1 / (n - 1), { rtol: 1e-12 });
    assert.equal(r.set.length, n / 2);
  });

  it('rejects bad scores and vertex lists', () => {
    const g = both(SMALL).dense;
    assert.throws(() => sweepCut(g, new Float64Array(3)), /scores must have one entry per vertex \(n = 4\)/);
    assert.throws(
      () => sweepCut(g, Float64Array.from([0, Number.NaN, 1, 2])),
      /sweepCut: scores\[1\] must be a finite number, got NaN/,
    );
    assert.throws(() => sweepCut(g, new Float64Array(4), { vertices: [2] }), /at least 2 vertices/);
    assert.throws(
      () => sweepCut(g, new Float64Array(4), { vertices: [2, 9] }),
      /sweepCut: vertices\[1\] must be an integer in \[0, 3\], got 9/,
    );
    const empty = both([
      [0, 0],
      [0, 0],
    ]).dense;
    assert.throws(() => sweepCut(empty, new Float64Array(2)), /zero weight/);
  });
});

describe('cheegerEstimate', () => {
  it('brackets the brute-force Cheeger constant on random graphs (n ≤ 12), sweep within the bounds', () => {
    const rng = new Rng(13);
    for (let trial = 0; trial < 8; trial++) {
      const n = 6 + (trial % 7);
      const w = randomWeights(rng, n, 0.6, trial % 2 === 0);
      const h = bruteCheeger(w);
      const g = both(w);
      const d = cheegerEstimate(g.dense);
      const s = cheegerEstimate(g.csr);
      assertClose(s.lambda2, d.lambda2, { rtol: 1e-10, atol: 1e-12 }, 'λ₂ dense = csr');
      assertClose(s.conductance, d.conductance, { rtol: 1e-10 }, 'sweep dense = csr');
      const tol = 1e-12;
      assert.ok(d.lower <= h + tol, `trial ${trial}: lower ${d.lower} ≤ h ${h}`);
      assert.ok(h <= d.conductance + tol, `trial ${trial}: h ${h} ≤ sweep ${d.conductance}`);
      assert.ok(d.conductance <= d.upper + tol, `trial ${trial}: sweep ${d.conductance} ≤ upper ${d.upper}`);
      assertClose(d.lower, (1 - d.lambda2) / 2, { rtol: 1e-14 });
      assertClose(d.upper, Math.sqrt(2 * (1 - d.lambda2)), { rtol: 1e-14 });
      const inS = Array.from({ length: n }, (_, v) => d.set.includes(v));
      assertClose(phiByHand(w, inS), d.conductance, { rtol: 1e-12 }, 'set has the reported conductance');
      assert.equal(d.isolated, 0);
    }
  });

  it('cycle C_n: λ₂ = cos(2π/n) and the sweep cuts it in two halves (φ = 2/n)', () => {
    const n = 12;
    const w = Array.from({ length: n }, (_, i) =>
      Array.from({ length: n }, (__, j) => ((i - j + n) % n === 1 || (j - i + n) % n === 1 ? 1 : 0)),
    );
    for (const g of Object.values(both(w))) {
      const r = cheegerEstimate(g);
      assertClose(r.lambda2, Math.cos((2 * Math.PI) / n), { rtol: 1e-12 });
      // Half the cycle: 2 cut edges over w(S) = 2·(n/2) = 12 → 1/6; the brute-force minimum is the same.
      assertClose(r.conductance, 1 / 6, { rtol: 1e-12 });
      assertClose(bruteCheeger(w), 1 / 6, { rtol: 1e-12 });
      assert.equal(r.set.length, n / 2);
    }
  });

  it('complete graph K_n: λ₂ = −1/(n−1) and h = ⌈n/2⌉/(n−1)', () => {
    const n = 7;
    const w = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (__, j) => (i === j ? 0 : 1)));
    const r = cheegerEstimate(both(w).dense);
    assertClose(r.lambda2, -1 / (n - 1), { rtol: 1e-12 });
    // |S| = 3: cut 3·4 = 12, w(S) = 3·6 = 18 → 2/3 = ⌈7/2⌉/6.
    assertClose(r.conductance, 4 / 6, { rtol: 1e-12 });
  });

  it('above 4000 vertices (sparse solver): K_m □ K_2 has λ₂ = (m − 2)/m and the sweep cuts one clique off (φ = 1/m)', () => {
    // Two cliques of m vertices, vertex i of one tied to vertex i of the other (weight 1): every degree is m,
    // W's eigenvalues are (m − 1) ± 1 and −1 ± 1, so Ā's second is (m − 2)/m with the vector +1 on one clique, −1 on the other.
    const m = 2001;
    const n = 2 * m;
    const crow = new Int32Array(n + 1);
    const col = new Int32Array(n * m);
    let t = 0;
    for (let v = 0; v < n; v++) {
      const base = v < m ? 0 : m;
      const twin = v < m ? v + m : v - m;
      for (let u = 0; u < n; u++) if ((u !== v && u >= base && u < base + m) || u === twin) col[t++] = u;
      crow[v + 1] = t;
    }
    const g = {
      n,
      sparse: true,
      weights: sparse.sparseCsr(
        tensor(crow, [n + 1]).long(),
        tensor(col, [t]).long(),
        ones([t], { dtype: 'float64' }),
        [n, n],
      ),
    };
    const r = cheegerEstimate(g);
    assertClose(r.lambda2, (m - 2) / m, { rtol: 1e-9 });
    assertClose(r.conductance, 1 / m, { rtol: 1e-12 });
    const first = r.set[0] === 0 ? 0 : m;
    assert.deepEqual(
      Array.from(r.set),
      Array.from({ length: m }, (_, i) => first + i),
    );
    assert.throws(
      () => cheegerEstimate(g, undefined, { eigs: { maxIterations: 2, tol: 1e-30 } }),
      /did not converge in 2 sweeps/,
    );
    g.weights.dispose();
  });

  it('inside a vertex subset: two disconnected cliques give λ₂ = 1 and φ = 0; the barbell its bridge', () => {
    // Barbell 0…9 plus a vertex 10 tied only to the bridge end 4.
    const w = Array.from({ length: 11 }, (_, i) =>
      Array.from({ length: 11 }, (__, j) => (i < 10 && j < 10 ? barbell(5)[i]![j]! : 0)),
    );
    w[10]![4] = 2;
    w[4]![10] = 2;
    for (const g of Object.values(both(w))) {
      const bar = cheegerEstimate(
        g,
        Int32Array.from({ length: 10 }, (_, i) => i),
      );
      assertClose(bar.conductance, 1 / 21, { rtol: 1e-12 });
      assert.ok(bar.lower <= 1 / 21 && 1 / 21 <= bar.upper);
      // Without the bridge ends: K4 ∪ K4 (vertices 0–3 and 6–9) are disconnected; vertex 10 is isolated there.
      const split = cheegerEstimate(g, [0, 1, 2, 3, 6, 7, 8, 9, 10]);
      assert.equal(split.isolated, 1);
      assertClose(split.lambda2, 1, { rtol: 1e-12 });
      assert.equal(split.conductance, 0);
      assert.ok(split.lower === 0 && split.upper < 1e-6);
      const s = Array.from(split.set);
      assert.ok(
        JSON.stringify(s) === JSON.stringify([0, 1, 2, 3]) || JSON.stringify(s) === JSON.stringify([6, 7, 8, 9]),
        `set ${s} is one K4`,
      );
    }
    assert.throws(
      () => cheegerEstimate(both(w).dense, [0, 10, 10]),
      /vertices\[2\] must be a vertex not listed before \(vertices repeats 10\)/,
    );
    assert.throws(() => cheegerEstimate(both(w).dense, [3, 10]), /at least 2 vertices of positive degree/);
  });
});
