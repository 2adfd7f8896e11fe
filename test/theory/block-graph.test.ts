/**
 * The class × domain block graph and its transfer toy:
 * - the graph: weights by the kind of pair, self-loops ρ, labels, errors;
 * - blockSpectralEmbedding on a random graph against a cyclic Jacobi
 *   eigendecomposition of Ā written here in plain float64 (eigenvalues, the
 *   top-k projector, the embedding's Gram matrix f*f*ᵀ), and the gap;
 * - the block graph's whole spectrum against the closed form (blockSpectrum)
 *   and against Jacobi on the G×G matrix B/s, and its top eigenvectors
 *   against the Jacobi ones lifted to v ⊗ 1_n/√n (projectors);
 * - the transfer cases derived in block-graph.ts: the exact target scores
 *   1/C + ((α−γ)/(ρ−β))·(I − J/C) on the whole group space, γ = 0 perfect
 *   (k = G, and k = C when Dα > Cβ), domain directions first (k = D) and
 *   α = γ give 1/C, α < γ gives 0.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Tensor, tensor } from '../../src/tensor/index.ts';
import {
  blockSpectralEmbedding,
  blockSpectrum,
  classDomainBlockGraph,
  sourceToTargetAccuracy,
} from '../../src/theory/block-graph.ts';
import { denseGraph } from '../../src/theory/graph.ts';
import { assertClose } from '../helpers/close.ts';
import { Rng } from '../helpers/prng.ts';

const host = (t: Tensor): Float64Array => Float64Array.from(t.contiguous().data() as ArrayLike<number>);

/** Cyclic Jacobi rotations on a symmetric n×n matrix: eigenvalues descending and eigenvectors (columns, row-major). */
function jacobi(a0: Float64Array, n: number): { values: number[]; vectors: Float64Array } {
  const a = Float64Array.from(a0);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += (a[p * n + q] as number) ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q] as number;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = ((a[q * n + q] as number) - (a[p * n + p] as number)) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let r = 0; r < n; r++) {
          const arp = a[r * n + p] as number;
          const arq = a[r * n + q] as number;
          a[r * n + p] = c * arp - s * arq;
          a[r * n + q] = s * arp + c * arq;
        }
        for (let r = 0; r < n; r++) {
          const apr = a[p * n + r] as number;
          const aqr = a[q * n + r] as number;
          a[p * n + r] = c * apr - s * aqr;
          a[q * n + r] = s * apr + c * aqr;
        }
        for (let r = 0; r < n; r++) {
          const vrp = v[r * n + p] as number;
          const vrq = v[r * n + q] as number;
          v[r * n + p] = c * vrp - s * vrq;
          v[r * n + q] = s * vrp + c * vrq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (x, y) => (a[y * n + y] as number) - (a[x * n + x] as number),
  );
  const vectors = new Float64Array(n * n);
  order.forEach((col, j) => {
    for (let r = 0; r < n; r++) vectors[r * n + j] = v[r * n + col] as number;
  });
  return { values: order.map((i) => a[i * n + i] as number), vectors };
}

/** X·Xᵀ of the first k columns of an n×m row-major matrix, optionally scaled per column. */
function gram(x: Float64Array, n: number, m: number, k: number, scale: (j: number) => number = () => 1): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let c = 0; c < k; c++) s += (x[i * m + c] as number) * (x[j * m + c] as number) * scale(c) ** 2;
      out[i * n + j] = s;
    }
  return out;
}

/** Ā = D^{-1/2}WD^{-1/2} and the degrees, in plain loops. */
function normalized(w: Float64Array, n: number): { abar: Float64Array; deg: Float64Array } {
  const deg = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) deg[i] = (deg[i] as number) + (w[i * n + j] as number);
  const abar = Float64Array.from(
    w,
    (x, t) => x / Math.sqrt((deg[Math.floor(t / n)] as number) * (deg[t % n] as number)),
  );
  return { abar, deg };
}

/** Expands blockSpectrum into N values, descending. */
const expanded = (spec: ReturnType<typeof blockSpectrum>): number[] =>
  spec.flatMap((e) => new Array(e.multiplicity).fill(e.value));

describe('classDomainBlockGraph', () => {
  it('weights by the kind of pair (self-loops ρ), group-major labels', () => {
    const { graph, classes, domains } = classDomainBlockGraph({
      classes: 2,
      domains: 3,
      perGroup: 2,
      rho: 1,
      alpha: 0.5,
      beta: 0.25,
      gamma: 0.125,
    });
    const n = 12;
    assert.equal(graph.n, n);
    assert.equal(graph.sparse, false);
    assert.deepEqual(Array.from(classes), [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
    assert.deepEqual(Array.from(domains), [0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2]);
    const w = host(graph.weights);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const sc = classes[i] === classes[j];
        const sd = domains[i] === domains[j];
        assert.equal(w[i * n + j], sc ? (sd ? 1 : 0.5) : sd ? 0.25 : 0.125, `w[${i},${j}]`);
      }
  });

  it('refuses bad parameters by name, and a graph too large for the memory limit', () => {
    const ok = { classes: 2, domains: 2, perGroup: 3, rho: 1, alpha: 0.5, beta: 0.5, gamma: 0 };
    assert.throws(
      () => classDomainBlockGraph({ ...ok, rho: 0 }),
      /classDomainBlockGraph: rho must be a finite number > 0/,
    );
    assert.throws(() => classDomainBlockGraph({ ...ok, gamma: -0.1 }), /gamma must be a finite number ≥ 0, got -0.1/);
    assert.throws(() => classDomainBlockGraph({ ...ok, perGroup: 1.5 }), /perGroup must be a positive integer/);
    const { alpha: _, ...noAlpha } = ok;
    assert.throws(() => classDomainBlockGraph(noAlpha), /alpha must be a finite number ≥ 0, got nothing/);
    assert.throws(
      () => classDomainBlockGraph({ ...ok, memoryLimit: 1000 }),
      /classDomainBlockGraph: nodes \(classes·domains·perGroup\) 12 needs about/,
    );
  });
});

describe('blockSpectralEmbedding', () => {
  it('matches a Jacobi eigendecomposition of Ā on a random graph (values, projector, Gram f*f*ᵀ), with the gap', () => {
    const rng = new Rng(21);
    const n = 24;
    const w = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = i; j < n; j++) {
        const v = rng.uniform() < 0.4 ? rng.uniform() : 0;
        w[i * n + j] = v;
        w[j * n + i] = v;
      }
    for (let i = 0; i < n; i++) w[i * n + i] = (w[i * n + i] as number) + 0.1; // no isolated vertex
    const { abar, deg } = normalized(w, n);
    const ref = jacobi(abar, n);
    const k = 5;
    const e = blockSpectralEmbedding(denseGraph(tensor(w, [n, n])), k);
    assertClose(e.eigen.values, ref.values.slice(0, k), { atol: 1e-12, rtol: 1e-12 }, 'eigenvalues');
    assertClose([e.gap], [(ref.values[k - 1] as number) - (ref.values[k] as number)], { atol: 1e-12 }, 'gap');
    assertClose(gram(host(e.eigen.vectors), n, k, k), gram(ref.vectors, n, n, k), { atol: 1e-10 }, 'projector U_kU_kᵀ');
    // f*(x) = w_x^{-1/2}·(U_kΛ_k^{1/2})_x: rotation- and sign-free through f*f*ᵀ.
    const fRef = Float64Array.from(ref.vectors, (u, t) => u / Math.sqrt(deg[Math.floor(t / n)] as number));
    const lam = (c: number) => Math.sqrt(Math.max(ref.values[c] as number, 0));
    assertClose(gram(host(e.embedding), n, k, k), gram(fRef, n, n, k, lam), { atol: 1e-12 }, 'f*f*ᵀ');
    assert.equal(blockSpectralEmbedding(denseGraph(tensor(w, [n, n])), n).gap, Number.POSITIVE_INFINITY);
  });

  it('the block graph: the whole spectrum is the closed form, and matches Jacobi on B/s lifted to v ⊗ 1/√n', () => {
    const p = { classes: 3, domains: 2, perGroup: 4, rho: 1, alpha: 0.45, beta: 0.2, gamma: 0.05 };
    const [C, D, m] = [p.classes, p.domains, p.perGroup];
    const G = C * D;
    const N = G * m;
    const { graph } = classDomainBlockGraph(p);
    const all = blockSpectralEmbedding(graph, N);
    const spec = blockSpectrum(p);
    // μ/s by hand: s = 1 + 0.45 + 2·0.2 + 2·0.05 = 1.95; class 0.8 + 0.4 = 1.2, domain 0.55 + 0.3 = 0.85, both 0.4.
    assert.deepEqual(
      spec.map((x) => [x.kind, x.multiplicity]),
      [
        ['constant', 1],
        ['class', 2],
        ['domain', 1],
        ['classDomain', 2],
        ['withinGroup', 18],
      ],
    );
    assertClose(
      spec.map((x) => x.value),
      [1, 1.2 / 1.95, 0.85 / 1.95, 0.4 / 1.95, 0],
      { rtol: 1e-14 },
    );
    assertClose(all.eigen.values, expanded(spec), { atol: 1e-13 }, 'spectrum of Ā');
    // Independent: Jacobi on the G×G matrix B/s (B by kind of group pair).
    const b = new Float64Array(G * G);
    for (let g = 0; g < G; g++)
      for (let h = 0; h < G; h++) {
        const sc = Math.floor(g / D) === Math.floor(h / D);
        const sd = g % D === h % D;
        b[g * G + h] = (sc ? (sd ? p.rho : p.alpha) : sd ? p.beta : p.gamma) / 1.95;
      }
    const small = jacobi(b, G);
    assertClose(all.eigen.values.slice(0, G), small.values, { atol: 1e-13 }, 'block eigenvalues vs Jacobi');
    // The top G eigenvectors of Ā are v ⊗ 1_n/√n: compare projectors for k = 3 (gap after the class pair).
    const k = 3;
    const top = blockSpectralEmbedding(graph, k);
    assertClose([top.gap], [(1.2 - 0.85) / 1.95], { rtol: 1e-12 }, 'gap');
    const lifted = new Float64Array(N * G);
    for (let i = 0; i < N; i++)
      for (let j = 0; j < G; j++)
        lifted[i * G + j] = (small.vectors[Math.floor(i / m) * G + j] as number) / Math.sqrt(m);
    assertClose(gram(host(top.eigen.vectors), N, k, k), gram(lifted, N, G, k), { atol: 1e-12 }, 'top-3 projector');
  });
});

/** Block graph, embedding and transfer accuracy in one call. */
function transfer(
  p: { classes: number; domains: number; rho: number; alpha: number; beta: number; gamma: number },
  k: number,
) {
  const { graph, classes, domains } = classDomainBlockGraph({ ...p, perGroup: 5 });
  const e = blockSpectralEmbedding(graph, k);
  return { ...sourceToTargetAccuracy({ embedding: e.embedding, classes, domains }), e, classes, domains };
}

describe('sourceToTargetAccuracy on the block graph', () => {
  it('whole group space (k = G): target scores are exactly 1/C + ((α−γ)/(ρ−β))·(I − J/C)', () => {
    const p = { classes: 3, domains: 2, rho: 1, alpha: 0.4, beta: 0.3, gamma: 0.1 };
    const C = p.classes;
    for (const k of [6, 9]) {
      // k = 9 adds three directions of the zero eigenspace: √λ makes them rounding noise, which rcond drops.
      const r = transfer(p, k);
      const margin = (p.alpha - p.gamma) / (p.rho - p.beta);
      const want = Array.from(r.targetNodes, (node) =>
        Array.from({ length: C }, (_, c) => 1 / C + margin * ((c === r.classes[node] ? 1 : 0) - 1 / C)),
      ).flat();
      assertClose(r.scores, want, { atol: 1e-9 }, `scores, k = ${k}`);
      assert.equal(r.accuracy, 1);
      assert.equal(r.sourceAccuracy, 1);
    }
  });

  it('γ = 0 with α, β > 0: perfect transfer at k = G, and at k = C when D·α > C·β', () => {
    const full = transfer({ classes: 3, domains: 2, rho: 1, alpha: 0.3, beta: 0.2, gamma: 0 }, 6);
    assert.equal(full.accuracy, 1);
    // Dα = 0.6 > Cβ = 0.3 with C = 3, D = 2: the top 3 are the constant and the two class directions.
    const p = { classes: 3, domains: 2, rho: 1, alpha: 0.3, beta: 0.1, gamma: 0 };
    const r = transfer(p, 3);
    assert.ok(r.e.gap > 0.01, `gap ${r.e.gap}`);
    assert.equal(r.accuracy, 1);
    // f* depends on the class alone: node (c, 0, t) and node (c, 1, t) have the same embedding.
    const f = host(r.e.embedding);
    const [D, m, k] = [2, 5, 3];
    for (let c = 0; c < 3; c++)
      for (let t = 0; t < m; t++) {
        const a = (c * D * m + t) * k;
        const b = (c * D * m + m + t) * k;
        assertClose(f.slice(a, a + k), f.slice(b, b + k), { atol: 1e-12 }, `class ${c} node ${t}`);
      }
  });

  it('γ = 0 but C·β > D·α and k = D: the embedding sees the domain only, accuracy 1/C', () => {
    const r = transfer({ classes: 2, domains: 2, rho: 1, alpha: 0.1, beta: 0.4, gamma: 0 }, 2);
    assert.ok(r.e.gap > 0.01, `gap ${r.e.gap}`);
    assert.equal(r.accuracy, 0.5);
    assert.equal(r.sourceAccuracy, 0.5);
  });

  it('α = γ: chance (1/C, all classes tied) at k = G and at k = 1 + (C−1)·D', () => {
    const p = { classes: 3, domains: 2, rho: 1, alpha: 0.2, beta: 0.3, gamma: 0.2 };
    // p: s = 2.2; class = class×domain = ρ − β = 0.7 (×4), domain = 0.8 + 2·0.1 = 1.0 (×1): k = G.
    // Second: s = 2.1; class = class×domain = 0.9 (×4) above domain 0.7 − 0.4 = 0.3, so k = 1 + (C−1)D = 5
    // takes the constant and the whole merged eigenspace.
    for (const [q, k] of [
      [p, 6],
      [{ ...p, beta: 0.1, alpha: 0.3, gamma: 0.3 }, 5],
    ] as const) {
      const r = transfer(q, k);
      assert.ok(r.e.gap > 0.01, `gap ${r.e.gap} at k = ${k}`);
      assertClose(r.scores, new Array(r.scores.length).fill(1 / 3), { atol: 1e-9 }, `scores, k = ${k}`);
      assertClose([r.accuracy], [1 / 3], { rtol: 1e-12 }, `accuracy, k = ${k}`);
    }
  });

  it('α < γ: the head picks a wrong class on every target node (accuracy 0) at k = G', () => {
    const r = transfer({ classes: 2, domains: 2, rho: 1, alpha: 0.05, beta: 0.2, gamma: 0.15 }, 4);
    assert.equal(r.accuracy, 0);
    assert.equal(r.sourceAccuracy, 1);
  });

  it('refuses bad inputs by name', () => {
    const e = tensor(new Float64Array(8), [4, 2]);
    const classes = [0, 1, 0, 1];
    assert.throws(() => sourceToTargetAccuracy({ embedding: e, classes, domains: [0, 0, 1] }), /domains has length 3/);
    assert.throws(
      () => sourceToTargetAccuracy({ embedding: e, classes, domains: [0, 0, 0, 0] }),
      /sourceToTargetAccuracy: target must be a domain with nodes, got 1/,
    );
    assert.throws(
      () => sourceToTargetAccuracy({ embedding: e, classes: [0, -1, 0, 1], domains: [0, 0, 1, 1] }),
      /classes\[1\] must be a non-negative integer/,
    );
    assert.throws(
      () => sourceToTargetAccuracy({ embedding: e, classes, domains: [0, 0, 1, 1], rcond: -1 }),
      /rcond must be a finite number ≥ 0/,
    );
  });
});
