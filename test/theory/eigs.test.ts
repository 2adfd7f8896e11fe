/**
 * topEigenpairs and eigengap against independent references: closed-form
 * spectra (disjoint cliques, cycle, path), eigengap bounds of a two-block
 * stochastic block model derived from its expected matrix (Weyl's inequality
 * with a plain-TypeScript power iteration for ‖Ā − E[Ā]‖), the Chebyshev
 * solver against dense LAPACK eigh on random sparse graphs (eigenvalues and
 * principal angles), residuals recomputed in plain TypeScript, determinism,
 * and bad input.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { linalg, sparse, type Tensor, tensor, tidy } from '../../src/tensor/index.ts';
import { eigengap, topEigenpairs } from '../../src/theory/eigs.ts';
import { graphFromEdges, normalizedAdjacency } from '../../src/theory/graph.ts';
import { assertClose } from '../helpers/close.ts';
import { Rng } from '../helpers/prng.ts';

/** A symmetric edge list (both directions listed) → the CSR normalized adjacency Ā. */
function adjacency(n: number, edges: [number, number, number][]): Tensor {
  const rows: number[] = [];
  const cols: number[] = [];
  const vals: number[] = [];
  for (const [i, j, w] of edges) {
    rows.push(i, j);
    cols.push(j, i);
    vals.push(w, w);
  }
  const g = graphFromEdges(n, rows, cols, vals, { symmetrize: false });
  const a = normalizedAdjacency(g);
  g.weights.dispose();
  return a;
}

/** Disjoint cliques (unit weights) of the given sizes; vertex ranges in order. */
function cliques(sizes: number[]): { n: number; edges: [number, number, number][] } {
  const edges: [number, number, number][] = [];
  let start = 0;
  for (const s of sizes) {
    for (let i = 0; i < s; i++) for (let j = i + 1; j < s; j++) edges.push([start + i, start + j, 1]);
    start += s;
  }
  return { n: start, edges };
}

/** Singular values of UᵀV (cosines of the principal angles between two orthonormal bases). */
function cosines(u: Tensor, v: Tensor): number[] {
  return tidy(() => Array.from(linalg.svd(u.t().mm(v)).S.data() as Float64Array));
}

/** Row-major host copy of an n×k tensor. */
const host = (t: Tensor): Float64Array => t.contiguous().data() as Float64Array;

/** ‖Av − λv‖ per column with A given by host CSR arrays, in plain loops. */
function residualsByHand(a: Tensor, v: Tensor, values: Float64Array): number[] {
  const crow = Array.from(sparse.crowIndices(a).data() as BigInt64Array, Number);
  const col = Array.from(sparse.colIndices(a).data() as BigInt64Array, Number);
  const val = sparse.values(a).data() as Float64Array;
  const [n, k] = v.shape as [number, number];
  const x = host(v);
  const out: number[] = [];
  for (let j = 0; j < k; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) {
      let av = 0;
      for (let p = crow[i] as number; p < (crow[i + 1] as number); p++)
        av += (val[p] as number) * (x[(col[p] as number) * k + j] as number);
      s += (av - (values[j] as number) * (x[i * k + j] as number)) ** 2;
    }
    out.push(Math.sqrt(s));
  }
  return out;
}

/** Random sparse graph: each vertex joined to `m` random others, weights uniform in (0.1, 1). */
function randomGraph(n: number, m: number, seed: number): Tensor {
  const rng = new Rng(seed);
  const edges: [number, number, number][] = [];
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < m; t++) {
      const j = rng.int(0, n);
      const key = Math.min(i, j) * n + Math.max(i, j);
      if (j === i || seen.has(key)) continue;
      seen.add(key);
      edges.push([i, j, 0.1 + 0.9 * rng.uniform()]);
    }
  }
  return adjacency(n, edges);
}

describe('topEigenpairs on graphs with known spectra', () => {
  it('disjoint cliques: eigenvalue 1 with multiplicity r, eigenvectors span the √w-scaled indicators (dense and chebyshev)', () => {
    const sizes = [40, 60, 80, 100, 120, 140];
    const { n, edges } = cliques(sizes);
    const a = adjacency(n, edges);
    // Orthonormal basis of the indicator space: u_c(x) = √w_x·1[x ∈ c], normalized; w_x = s_c − 1.
    const ind = new Float64Array(n * sizes.length);
    let start = 0;
    sizes.forEach((s, c) => {
      for (let i = 0; i < s; i++) ind[(start + i) * sizes.length + c] = 1 / Math.sqrt(s); // √(s−1)/‖·‖ = 1/√s
      start += s;
    });
    const basis = tensor(ind, [n, sizes.length]);
    // The rest of the spectrum is −1/(s−1) with multiplicity s − 1 per clique; the largest is −1/139.
    const dense = topEigenpairs(a, sizes.length + 2, { method: 'dense' });
    assertClose(dense.values.subarray(sizes.length), [-1 / 139, -1 / 139], { rtol: 0, atol: 1e-12 }, 'next values');
    dense.vectors.dispose();
    for (const method of ['dense', 'chebyshev'] as const) {
      const e = topEigenpairs(a, sizes.length, { method });
      assert.equal(e.method, method);
      assertClose(e.values, new Array(sizes.length).fill(1), { rtol: 0, atol: 1e-10 }, `${method} top values`);
      const top = e.vectors;
      for (const c of cosines(top, basis)) assert.ok(c > 1 - 1e-10, `${method}: principal-angle cosine ${c}`);
      assert.ok(Math.max(...e.residuals) < 1e-8, `${method} residuals ${e.residuals}`);
      e.vectors.dispose();
    }
    a.dispose();
    basis.dispose();
  });

  it('cycle C_n: eigenvalues cos(2πj/n)', () => {
    const n = 300;
    const edges: [number, number, number][] = [];
    for (let i = 0; i < n; i++) edges.push([i, (i + 1) % n, 1]);
    const a = adjacency(n, edges);
    const all = Array.from({ length: n }, (_, j) => Math.cos((2 * Math.PI * j) / n)).sort((x, y) => y - x);
    const k = 9; // 1, then pairs: ends on a complete pair (λ_9 = cos 8π/n > λ_10 = cos 10π/n)
    const dense = topEigenpairs(a, n, { method: 'dense' });
    assertClose(dense.values, all, { rtol: 0, atol: 1e-12 }, 'dense spectrum');
    const cheb = topEigenpairs(a, k, { method: 'chebyshev', blockSize: 20 });
    assertClose(cheb.values, all.slice(0, k), { rtol: 0, atol: 1e-10 }, 'chebyshev top values');
    assert.ok(cheb.converged);
    for (const c of cosines(cheb.vectors, dense.vectors.narrow(1, 0, k))) assert.ok(c > 1 - 1e-6, `cos ${c}`);
    dense.vectors.dispose();
    cheb.vectors.dispose();
    a.dispose();
  });

  it('path P_n: eigenvalues cos(πj/(n−1)), clustered near 1', () => {
    const n = 400;
    const edges: [number, number, number][] = [];
    for (let i = 0; i + 1 < n; i++) edges.push([i, i + 1, 1]);
    const a = adjacency(n, edges);
    const all = Array.from({ length: n }, (_, j) => Math.cos((Math.PI * j) / (n - 1)));
    const dense = topEigenpairs(a, n, { method: 'dense' });
    assertClose(dense.values, all, { rtol: 0, atol: 1e-12 }, 'dense spectrum');
    const k = 6;
    const cheb = topEigenpairs(a, k, { method: 'chebyshev', tol: 1e-10 });
    assertClose(cheb.values, all.slice(0, k), { rtol: 0, atol: 1e-10 }, 'chebyshev top values');
    for (const c of cosines(cheb.vectors, dense.vectors.narrow(1, 0, k))) assert.ok(c > 1 - 1e-6, `cos ${c}`);
    assert.ok(Math.max(...cheb.residuals) <= 1e-10, `residuals ${cheb.residuals}`);
    dense.vectors.dispose();
    cheb.vectors.dispose();
    a.dispose();
  });

  it('two-block SBM: eigengap λ₂ − λ₃ within m(p−q)/d̄ ± 2‖Ā − E[Ā]‖ (Weyl)', () => {
    const m = 400;
    const n = 2 * m;
    const [pIn, pOut] = [0.5, 0.02];
    const rng = new Rng(7);
    const edges: [number, number, number][] = [];
    const w = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        if (rng.uniform() < (i < m === j < m ? pIn : pOut)) {
          edges.push([i, j, 1]);
          w[i * n + j] = 1;
          w[j * n + i] = 1;
        }
      }
    }
    // E[W] has p_in inside blocks (zero diagonal) and p_out across; every expected degree is d̄,
    // so E[Ā] = E[W]/d̄ with eigenvalues 1, (m(p_in − p_out) − p_in)/d̄ and −p_in/d̄ (n − 2 times).
    const dBar = (m - 1) * pIn + m * pOut;
    const expectedGap = (m * (pIn - pOut)) / dBar;
    // ε = ‖Ā − E[Ā]‖₂ by power iteration on (Ā − E[Ā])² in plain loops.
    const deg = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) deg[i] = (deg[i] as number) + (w[i * n + j] as number);
    const diff = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const ew = i === j ? 0 : i < m === j < m ? pIn : pOut;
        diff[i * n + j] = (w[i * n + j] as number) / Math.sqrt((deg[i] as number) * (deg[j] as number)) - ew / dBar;
      }
    }
    let v = Float64Array.from({ length: n }, () => rng.normal());
    let eps = 0;
    for (let it = 0; it < 300; it++) {
      const u = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += (diff[i * n + j] as number) * (v[j] as number);
        u[i] = s;
      }
      const norm = Math.hypot(...u);
      eps = norm / Math.hypot(...v);
      v = u.map((x) => x / norm);
    }
    eps *= 1.05; // power iteration approaches ‖·‖ from below
    assert.ok(2 * eps < expectedGap / 2, `the bound must be informative: ε = ${eps}, gap ${expectedGap}`);
    const a = adjacency(n, edges);
    for (const method of ['dense', 'chebyshev'] as const) {
      const e = topEigenpairs(a, 4, { method });
      assert.ok(e.converged, `${method} residuals ${e.residuals}`);
      const gap = eigengap(e.values, 2);
      assert.ok(Math.abs(gap - expectedGap) <= 2 * eps, `${method}: gap ${gap}, expected ${expectedGap} ± ${2 * eps}`);
      assertClose(e.values[0] as number, 1, { rtol: 0, atol: 1e-10 }, `${method} λ₁`);
      e.vectors.dispose();
    }
    a.dispose();
  });
});

describe('the Chebyshev solver against dense eigh on random sparse graphs', () => {
  for (const [n, seed] of [
    [500, 1],
    [1200, 2],
    [2500, 3],
  ] as const) {
    it(`n = ${n}: eigenvalues to 1e-6, principal angles cos ≥ 1 − 1e-6, residuals by hand`, () => {
      const a = randomGraph(n, 4, seed);
      const k = 10;
      const ref = topEigenpairs(a, k + 1, { method: 'dense' });
      const gap = (ref.values[k - 1] as number) - (ref.values[k] as number);
      assert.ok(gap > 1e-4, `seed ${seed}: the k-th eigenvalue must be separated (gap ${gap})`);
      const e = topEigenpairs(a, k, { method: 'chebyshev', seed });
      assert.equal(e.method, 'chebyshev');
      assert.ok(e.converged, `converged (residuals ${e.residuals})`);
      assertClose(e.values, ref.values.subarray(0, k), { rtol: 0, atol: 1e-6 }, 'eigenvalues');
      for (const c of cosines(e.vectors, ref.vectors.narrow(1, 0, k))) assert.ok(c >= 1 - 1e-6, `cos ${c}`);
      const byHand = residualsByHand(a, e.vectors, e.values);
      assertClose(e.residuals, byHand, { rtol: 1e-6, atol: 1e-14 }, 'reported residuals');
      assert.ok(Math.max(...byHand) <= 1e-8, `residuals ${byHand}`);
      // Orthonormal columns.
      const gram = tidy(() => e.vectors.t().mm(e.vectors).data() as Float64Array);
      for (let i = 0; i < k; i++)
        for (let j = 0; j < k; j++) assert.ok(Math.abs((gram[i * k + j] as number) - (i === j ? 1 : 0)) < 1e-10);
      assert.ok(e.matvecs > 0 && e.iterations > 0);
      e.vectors.dispose();
      ref.vectors.dispose();
      a.dispose();
    });
  }

  it('is deterministic for a seed and thread count; auto picks dense for small n', () => {
    const a = randomGraph(800, 4, 11);
    const e1 = topEigenpairs(a, 5, { method: 'chebyshev', seed: 3 });
    const e2 = topEigenpairs(a, 5, { method: 'chebyshev', seed: 3 });
    assert.deepEqual(Array.from(e1.values), Array.from(e2.values));
    assert.deepEqual(Array.from(host(e1.vectors)), Array.from(host(e2.vectors)));
    // Products on two threads (rows split in chunks) give the same bits as on one thread.
    const e4 = topEigenpairs(a, 5, { method: 'chebyshev', seed: 3, threads: 2 });
    assert.deepEqual(Array.from(e4.values), Array.from(e1.values));
    assert.deepEqual(Array.from(host(e4.vectors)), Array.from(host(e1.vectors)));
    e4.vectors.dispose();
    assert.equal(topEigenpairs(a, 2).method, 'dense');
    const d = sparse.toDense(a);
    const e3 = topEigenpairs(d, 5, { method: 'chebyshev', seed: 3 });
    assertClose(e3.values, e1.values, { rtol: 0, atol: 1e-12 }, 'dense input through the iterative solver');
    for (const t of [e1.vectors, e2.vectors, e3.vectors, d, a]) t.dispose();
  });
});

describe('bad input and eigengap', () => {
  const a = adjacency(4, [
    [0, 1, 1],
    [1, 2, 1],
    [2, 3, 1],
  ]);
  it('names the argument and what was expected', () => {
    assert.throws(() => topEigenpairs(tensor(new Float64Array(6), [2, 3]), 1), /square n×n/);
    assert.throws(() => topEigenpairs(a, 5), /topEigenpairs: k must be an integer in \[1, 4\], got 5/);
    assert.throws(() => topEigenpairs(a, 0), /k must be an integer/);
    assert.throws(() => topEigenpairs(tensor(new Float32Array(4), [2, 2]), 1), /float64, got float32/);
    assert.throws(() => topEigenpairs(tensor(Float64Array.from([1, Number.NaN, Number.NaN, 1]), [2, 2]), 1), /finite/);
    assert.throws(() => topEigenpairs(tensor(Float64Array.from([1, 2, 0, 1]), [2, 2]), 1), /symmetric/);
    assert.throws(
      () => topEigenpairs(a, 1, { method: 'lanczos' as 'dense' }),
      /topEigenpairs: method must be one of "auto", "dense", "chebyshev", got "lanczos"/,
    );
    assert.throws(
      () => topEigenpairs(a, 1, { maxIteration: 5 } as never),
      /topEigenpairs: unknown option 'maxIteration' \(did you mean 'maxIterations'\?\)/,
    );
    assert.throws(() => topEigenpairs(a, 1, { tol: -1 }), /topEigenpairs: tol must be a finite number > 0, got -1/);
    assert.throws(
      () => topEigenpairs(a, 2, { method: 'chebyshev', blockSize: 2 }),
      /topEigenpairs: blockSize must be an integer in \[3, 4\], got 2/,
    );
    const asym = tidy(() => {
      const crow = tensor(new BigInt64Array([0n, 1n, 1n]));
      const col = tensor(new BigInt64Array([1n]));
      return sparse.sparseCsr(crow, col, tensor(Float64Array.from([1])), [2, 2]);
    });
    assert.throws(() => topEigenpairs(asym, 1, { method: 'chebyshev', blockSize: 2 }), /symmetric/);
    asym.dispose();
  });
  it('eigengap is λ_k − λ_{k+1} (1-based)', () => {
    assert.equal(eigengap([1, 0.9, 0.5, 0.4], 2), 0.4);
    assert.equal(eigengap(Float64Array.from([1, 1, 0.25]), 1), 0);
    assert.throws(() => eigengap([1, 0.5], 2), /at least k \+ 1 = 3/);
    assert.throws(() => eigengap([0.5, 1], 1), /descending/);
    assert.throws(() => eigengap([1, 0.5], 0), /positive integer/);
  });
});
