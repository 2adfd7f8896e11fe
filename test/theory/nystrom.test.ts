/**
 * The Nyström matrix of the augmentation kernel against plain-TypeScript
 * loops (log-sum-exp over the natural points), and its normalization against
 * the law of large numbers: (1/N)·Σ_j K(x, x_j) → ∫ w(x, x′)dx′/p(x) = 1.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { linalg, tensor, tidy } from '../../src/tensor/index.ts';
import { coPosteriorMatrix, logAugmentedMarginal, nystromKernel } from '../../src/theory/nystrom.ts';
import { assertClose } from '../helpers/close.ts';
import { Rng } from '../helpers/prng.ts';

function logSumExp(v: number[]): number {
  const m = Math.max(...v);
  return m + Math.log(v.reduce((s, x) => s + Math.exp(x - m), 0));
}

/** log N(x; c, σ²I). */
function logGauss(x: number[], c: number[], sigma: number): number {
  let sq = 0;
  for (let i = 0; i < x.length; i++) sq += ((x[i] as number) - (c[i] as number)) ** 2;
  return (-x.length / 2) * Math.log(2 * Math.PI * sigma * sigma) - sq / (2 * sigma * sigma);
}

/** M_ij = w(xᵢ, x_j)/(N·p(xᵢ)·p(x_j)) by direct loops, in log space. */
function referenceLogM(natural: number[][], vertices: number[][], sigma: number, p: number[]): number[][] {
  const n = vertices.length;
  const logA = vertices.map((x) => natural.map((c) => logGauss(x, c, sigma)));
  const logPx = logA.map((row) => logSumExp(row.map((a, k) => Math.log(p[k] as number) + a)));
  return vertices.map((_, i) =>
    vertices.map((_, j) => {
      const logW = logSumExp(
        natural.map((_, k) => Math.log(p[k] as number) + (logA[i]?.[k] as number) + (logA[j]?.[k] as number)),
      );
      return logW - (logPx[i] as number) - (logPx[j] as number) - Math.log(n);
    }),
  );
}

const flat = (rows: number[][]): Float64Array => Float64Array.from(rows.flat());
const toTensor = (rows: number[][]) => tensor(flat(rows), [rows.length, (rows[0] as number[]).length]);

test('M matches direct loops on a tiny case (uniform and non-uniform p(x̄))', () => {
  const rng = new Rng(11);
  const d = 3;
  const natural = Array.from({ length: 4 }, () => Array.from(rng.normals(d), (v) => 2 * v));
  const vertices = Array.from({ length: 6 }, (_, i) => (natural[i % 4] as number[]).map((v) => v + 0.8 * rng.normal()));
  const sigma = 0.8;
  for (const p of [
    [0.25, 0.25, 0.25, 0.25],
    [0.1, 0.2, 0.3, 0.4],
  ]) {
    tidy(() => {
      const k = nystromKernel({
        natural: toTensor(natural),
        vertices: toTensor(vertices),
        sigma,
        probabilities: p.length && p[0] === 0.25 ? undefined : Float64Array.from(p),
      });
      const ref = referenceLogM(natural, vertices, sigma, p);
      assertClose(k.matrix.data() as Float64Array, flat(ref).map(Math.exp), { rtol: 1e-10, atol: 0 }, `M (p = ${p})`);
      const logPx = vertices.map((x) =>
        logSumExp(natural.map((c, j) => Math.log(p[j] as number) + logGauss(x, c, sigma))),
      );
      assertClose(k.logMarginal.data() as Float64Array, logPx, { rtol: 1e-12, atol: 1e-12 }, 'log p(x)');
    });
  }
});

test('far-apart points: M stays exact where the densities underflow', () => {
  // 1-D, σ = 0.05, natural points 2 apart: A(x|x̄) for the far point is e^{-800}, below double range.
  const natural = [[0], [2]];
  const vertices = [[0.01], [-0.03], [1.98], [2.06]];
  const sigma = 0.05;
  tidy(() => {
    const k = nystromKernel({ natural: toTensor(natural), vertices: toTensor(vertices), sigma });
    const ref = referenceLogM(natural, vertices, sigma, [0.5, 0.5]);
    const m = k.matrix.data() as Float64Array;
    // Same-point pairs: K ≈ 1/p(x̄) = 2, so M ≈ 2/N = 0.5; cross pairs: log M ≈ −800.
    assertClose(m, flat(ref).map(Math.exp), { rtol: 1e-9, atol: 0 }, 'M');
    assert.ok(Math.abs((m[0] as number) - 0.5) < 1e-6, `M[0,0] = ${m[0]}, expected ≈ 0.5`);
    assert.ok((ref[0]?.[2] as number) < -700, 'the cross pair is far below double range in the reference');
  });
});

test('normalization: row means of K and the top eigenvalue of M are ≈ 1 for vertices drawn from p', () => {
  const rng = new Rng(12);
  const natural = [[-1], [0], [0.5], [2]];
  const sigma = 0.6;
  const n = 2500;
  const vertices = Array.from({ length: n }, () => [(natural[rng.int(0, 4)]?.[0] as number) + sigma * rng.normal()]);
  tidy(() => {
    const k = nystromKernel({ natural: toTensor(natural), vertices: toTensor(vertices), sigma });
    const rowSums = k.matrix.sum(1).data() as Float64Array; // (1/N)Σ_j K(xᵢ, x_j), each ≈ 1
    const meanRow = rowSums.reduce((s, v) => s + v, 0) / n;
    assert.ok(Math.abs(meanRow - 1) < 0.05, `mean row sum ${meanRow}, expected ≈ 1`);
    const values = linalg.eigh(k.matrix).values.data() as Float64Array;
    const top = values[n - 1] as number;
    assert.ok(Math.abs(top - 1) < 0.05, `top eigenvalue ${top}, expected ≈ 1`);
    // The marginal is a density: ∫ p = 1, checked by the trapezoid rule on a grid.
    const grid = Array.from({ length: 2001 }, (_, i) => [-7 + (14 * i) / 2000]);
    const dens = Array.from(
      logAugmentedMarginal(
        toTensor(natural),
        toTensor(grid),
        sigma,
        Float64Array.from([0.25, 0.25, 0.25, 0.25]),
      ).data() as Float64Array,
      Math.exp,
    );
    const integral = dens.reduce((s, v, i) => s + (i === 0 || i === dens.length - 1 ? v / 2 : v), 0) * (14 / 2000);
    assertClose(integral, 1, { rtol: 1e-6, atol: 0 }, '∫ p(x) dx');
  });
});

test('the co-posterior matrix G = ΦᵀΦ/N has the non-zero eigenvalues of M = ΦΦᵀ/N on the same vertices', () => {
  // Two code paths: M from augmentationGraph's log-weights and the log-marginals, G from posteriors (softmax).
  const rng = new Rng(13);
  const d = 2;
  const natural = Array.from({ length: 7 }, () => Array.from(rng.normals(d), (v) => 1.5 * v));
  const vertices = Array.from({ length: 30 }, (_, i) =>
    (natural[i % 7] as number[]).map((v) => v + 0.7 * rng.normal()),
  );
  const p = [0.05, 0.1, 0.15, 0.2, 0.2, 0.3, 0];
  tidy(() => {
    const o = {
      natural: toTensor(natural),
      vertices: toTensor(vertices),
      sigma: 0.7,
      probabilities: Float64Array.from(p),
    };
    const m = Array.from(linalg.eigvalsh(nystromKernel(o).matrix).data() as Float64Array).reverse();
    const g = Array.from(linalg.eigvalsh(coPosteriorMatrix(o)).data() as Float64Array).reverse();
    // 6 natural points carry mass: rank 6; the rest of M's spectrum and G's last eigenvalue are 0.
    assertClose(g.slice(0, 6), m.slice(0, 6), { rtol: 1e-9, atol: 1e-12 }, 'shared eigenvalues');
    assertClose(m.slice(6), new Array(24).fill(0), { atol: 1e-12, rtol: 0 }, 'M beyond the rank');
    assertClose(g[6] as number, 0, { atol: 1e-12, rtol: 0 }, 'G on the p = 0 point');
    // G by loops: G_ab = (1/N) Σᵢ π(a|xᵢ)π(b|xᵢ)/√(p_a p_b).
    const post = vertices.map((x) => {
      const l = natural.map((c, a) =>
        (p[a] as number) > 0 ? Math.log(p[a] as number) + logGauss(x, c, 0.7) : Number.NEGATIVE_INFINITY,
      );
      const z = logSumExp(l);
      return l.map((v) => Math.exp(v - z));
    });
    const ref = natural.map((_, a) =>
      natural.map((_, b) => {
        if ((p[a] as number) === 0 || (p[b] as number) === 0) return 0;
        const s = post.reduce((acc, q) => acc + (q[a] as number) * (q[b] as number), 0);
        return s / vertices.length / Math.sqrt((p[a] as number) * (p[b] as number));
      }),
    );
    assertClose(coPosteriorMatrix(o).data() as Float64Array, flat(ref), { rtol: 1e-10, atol: 1e-14 }, 'G');
  });
});

test('bad options are rejected with the field named', () => {
  tidy(() => {
    const x = tensor(new Float64Array(6), [3, 2]);
    assert.throws(
      () => nystromKernel({ natural: x, vertices: x, sigma: 0 }),
      /nystromKernel: sigma must be a finite number > 0, got 0/,
    );
    assert.throws(
      () => nystromKernel({ natural: x, vertices: tensor(new Float64Array(3), [1, 3]), sigma: 1 }),
      /vertices must be a non-empty N×2 matrix/,
    );
    assert.throws(
      () => nystromKernel({ natural: x, vertices: x, sigma: 1, probabilities: Float64Array.from([0.5, 0.5, 0.5]) }),
      /probabilities must sum to 1/,
    );
    assert.throws(
      () => nystromKernel({ natural: x, vertices: x, sigma: 1, probabilities: Float64Array.from([1, 0]) }),
      /probabilities must have n̄ = 3 entries/,
    );
  });
});
