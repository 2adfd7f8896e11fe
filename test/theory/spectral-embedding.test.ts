/**
 * spectralEmbedding: f*(x) = w_x^{-1/2}·(U_kΛ_k^{1/2})_x against a dense eigh
 * of Ā built in plain TypeScript from W (compared through the rotation- and
 * sign-invariant Gram matrix f*f*ᵀ), rows constant per clique for disjoint
 * cliques, Σ_x w_x f*(x)f*(x)ᵀ = Λ_k in plain loops (dense and the Chebyshev
 * solver on a sparse graph above the dense threshold), zero rows for
 * isolated vertices, bad input.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { linalg, type Tensor, tensor, tidy } from '../../src/tensor/index.ts';
import { denseGraph, type Graph, graphFromEdges } from '../../src/theory/graph.ts';
import { spectralEmbedding } from '../../src/theory/spectral-embedding.ts';
import { assertClose } from '../helpers/close.ts';
import { Rng } from '../helpers/prng.ts';

const host = (t: Tensor): Float64Array => t.contiguous().data() as Float64Array;

/** Σ_x w_x f(x)f(x)ᵀ in plain loops (k×k, row-major). */
function weightedGram(f: Float64Array, w: Float64Array, n: number, k: number): Float64Array {
  const g = new Float64Array(k * k);
  for (let x = 0; x < n; x++) {
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++)
        g[i * k + j] =
          (g[i * k + j] as number) + (w[x] as number) * (f[x * k + i] as number) * (f[x * k + j] as number);
    }
  }
  return g;
}

const diag = (v: ArrayLike<number>): number[] => {
  const k = v.length;
  return Array.from({ length: k * k }, (_, t) => (Math.floor(t / k) === t % k ? (v[t % k] as number) : 0));
};

/** Symmetric random weights with isolated vertex `isolated` (row and column zero). */
function randomWeights(n: number, seed: number, isolated: number): Float64Array {
  const rng = new Rng(seed);
  const w = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (i === isolated || j === isolated || rng.uniform() > 0.3) continue;
      const v = rng.uniform();
      w[i * n + j] = v;
      w[j * n + i] = v;
    }
  }
  return w;
}

describe('spectralEmbedding', () => {
  it('matches w^{-1/2}·U_kΛ_k^{1/2} from a dense eigh of Ā built by hand (Gram matrix f*f*ᵀ)', () => {
    const n = 60;
    const k = 5;
    const w = randomWeights(n, 3, 17);
    const deg = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) deg[i] = (deg[i] as number) + (w[i * n + j] as number);
    const abar = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const d = (deg[i] as number) * (deg[j] as number);
        abar[i * n + j] = d > 0 ? (w[i * n + j] as number) / Math.sqrt(d) : 0;
      }
    }
    const { values, vectors } = tidy(() => {
      const e = linalg.eigh(tensor(abar, [n, n]));
      return { values: host(e.values), vectors: host(e.vectors) };
    });
    // Expected f*(x)_i = w_x^{-1/2}·u_{x,i}·√λ_i for the k largest (eigh is ascending).
    const expected = new Float64Array(n * k);
    for (let x = 0; x < n; x++) {
      for (let i = 0; i < k; i++) {
        const col = n - 1 - i;
        const lam = Math.max(values[col] as number, 0);
        expected[x * k + i] =
          (deg[x] as number) > 0
            ? ((vectors[x * n + col] as number) * Math.sqrt(lam)) / Math.sqrt(deg[x] as number)
            : 0;
      }
    }
    assert.ok((values[n - k] as number) - (values[n - k - 1] as number) > 1e-6, 'λ_k > λ_{k+1}, so f*f*ᵀ is unique');
    const g = denseGraph(tensor(w, [n, n]));
    const emb = spectralEmbedding(g, k);
    assert.equal(emb.eigen.method, 'dense');
    assert.deepEqual(emb.embedding.shape, [n, k]);
    const f = host(emb.embedding);
    const gram = (a: Float64Array): number[] => {
      const out: number[] = [];
      for (let x = 0; x < n; x++) {
        for (let y = 0; y < n; y++) {
          let s = 0;
          for (let i = 0; i < k; i++) s += (a[x * k + i] as number) * (a[y * k + i] as number);
          out.push(s);
        }
      }
      return out;
    };
    assertClose(gram(f), gram(expected), { rtol: 0, atol: 1e-12 }, 'f*f*ᵀ');
    assertClose(host(emb.degrees), deg, { rtol: 1e-14, atol: 0 }, 'degrees');
    // The isolated vertex gets a zero row.
    assertClose(f.subarray(17 * k, 18 * k), new Array(k).fill(0), { rtol: 0, atol: 0 }, 'isolated vertex row');
    assertClose(weightedGram(f, deg, n, k), diag(emb.eigen.values), { rtol: 0, atol: 1e-12 }, 'Σ w f fᵀ = Λ');
    for (const t of [emb.embedding, emb.eigen.vectors, emb.degrees, g.weights]) t.dispose();
  });

  it('disjoint cliques: f* is constant on each clique and Σ_x w_x f*(x)f*(x)ᵀ = Λ_k = I_r', () => {
    const sizes = [5, 9, 14];
    const n = sizes.reduce((a, b) => a + b, 0);
    const rows: number[] = [];
    const cols: number[] = [];
    const vals: number[] = [];
    const clique = new Int32Array(n);
    let start = 0;
    sizes.forEach((s, c) => {
      for (let i = 0; i < s; i++) {
        clique[start + i] = c;
        for (let j = 0; j < s; j++) {
          if (i === j) continue;
          rows.push(start + i);
          cols.push(start + j);
          vals.push(2);
        }
      }
      start += s;
    });
    const g: Graph = graphFromEdges(n, rows, cols, vals, { symmetrize: false });
    const r = sizes.length;
    const emb = spectralEmbedding(g, r);
    const f = host(emb.embedding);
    for (let x = 1; x < n; x++) {
      if (clique[x] !== clique[x - 1]) continue;
      assertClose(f.subarray(x * r, (x + 1) * r), f.subarray((x - 1) * r, x * r), { rtol: 0, atol: 1e-12 }, `row ${x}`);
    }
    assertClose(emb.eigen.values, [1, 1, 1], { rtol: 0, atol: 1e-12 }, 'Λ');
    const deg = Float64Array.from(clique, (c) => 2 * ((sizes[c] as number) - 1));
    assertClose(weightedGram(f, deg, n, r), diag([1, 1, 1]), { rtol: 0, atol: 1e-12 }, 'Σ w f fᵀ');
    // Rows of different cliques are orthogonal (cluster indicators up to a rotation).
    const rowOf = (c: number): Float64Array => f.subarray(clique.indexOf(c) * r, (clique.indexOf(c) + 1) * r);
    for (let a = 0; a < r; a++) {
      for (let b = a + 1; b < r; b++) {
        const dot = rowOf(a).reduce((s, v, i) => s + v * (rowOf(b)[i] as number), 0);
        assert.ok(Math.abs(dot) < 1e-12, `cliques ${a}, ${b}: ${dot}`);
      }
    }
    for (const t of [emb.embedding, emb.eigen.vectors, emb.degrees, g.weights]) t.dispose();
  });

  it('sparse graph above the dense threshold: the Chebyshev solver, Σ_x w_x f*(x)f*(x)ᵀ = Λ_k', () => {
    const n = 4500;
    const rng = new Rng(5);
    const rows: number[] = [];
    const cols: number[] = [];
    const vals: number[] = [];
    // A ring of 3 loosely joined communities plus random chords: a top eigenvalue cluster near 1.
    for (let i = 0; i < n; i++) {
      for (let t = 0; t < 4; t++) {
        const j = Math.floor(i / 1500) * 1500 + rng.int(0, 1500);
        if (j !== i) {
          rows.push(i);
          cols.push(j);
          vals.push(0.5 + rng.uniform());
        }
      }
      if (i % 500 === 0) {
        rows.push(i);
        cols.push((i + 1500) % n);
        vals.push(0.1);
      }
    }
    const g = graphFromEdges(n, rows, cols, vals);
    const k = 6;
    const emb = spectralEmbedding(g, k);
    assert.equal(emb.eigen.method, 'chebyshev');
    assert.ok(emb.eigen.converged && Math.max(...emb.eigen.residuals) <= 1e-8, `residuals ${emb.eigen.residuals}`);
    const f = host(emb.embedding);
    const deg = host(emb.degrees);
    assertClose(weightedGram(f, deg, n, k), diag(emb.eigen.values), { rtol: 0, atol: 1e-9 }, 'Σ w f fᵀ = Λ');
    assert.ok(
      (emb.eigen.values[0] as number) > 1 - 1e-12 && (emb.eigen.values[2] as number) > 0.9,
      `${emb.eigen.values}`,
    );
    for (const t of [emb.embedding, emb.eigen.vectors, emb.degrees, g.weights]) t.dispose();
  });

  it('rejects bad k and non-graphs', () => {
    const g = denseGraph(tensor(Float64Array.from([0, 1, 1, 0]), [2, 2]));
    assert.throws(() => spectralEmbedding(g, 3), /spectralEmbedding: k must be an integer in \[1, 2\], got 3/);
    assert.throws(() => spectralEmbedding(g, 0), /k must be an integer/);
    assert.throws(() => spectralEmbedding({} as Graph, 1), /g must be a Graph/);
    g.weights.dispose();
  });
});
