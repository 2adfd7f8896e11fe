/**
 * The exact augmentation graph: log-weights against a plain-TypeScript
 * per-pair logsumexp (direct differences, no matmul), including a tiny-σ
 * high-dimensional case where the densities themselves underflow; against
 * the closed form of ∫ N(x̄; μ, s²)·N(x; x̄, σ²)·N(x′; x̄, σ²) dx̄ (a bivariate
 * Gaussian) by quadrature on a 1-D Gaussian mixture; a point mass; errors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tensor } from '../../src/tensor/index.ts';
import { augmentationGraph } from '../../src/theory/augmentation-graph.ts';
import { assertClose } from '../helpers/close.ts';
import { Rng } from '../helpers/prng.ts';

/** Row-major n×d matrix as an array of rows. */
function rows(flat: Float64Array, d: number): Float64Array[] {
  return Array.from({ length: flat.length / d }, (_, i) => flat.subarray(i * d, (i + 1) * d));
}

/** log N(x; xbar, σ²I) by direct differences. */
function logGauss(x: Float64Array, xbar: Float64Array, sigma: number): number {
  let sq = 0;
  for (let j = 0; j < x.length; j++) sq += ((x[j] as number) - (xbar[j] as number)) ** 2;
  return -sq / (2 * sigma * sigma) - (x.length / 2) * Math.log(2 * Math.PI * sigma * sigma);
}

function logSumExp(v: number[]): number {
  const m = Math.max(...v);
  if (m === Number.NEGATIVE_INFINITY) return m;
  let s = 0;
  for (const t of v) s += Math.exp(t - m);
  return m + Math.log(s);
}

/** Reference: log w(x_i, x_j) = logsumexp_k (log p_k + log A(x_i|x̄_k) + log A(x_j|x̄_k)), pair by pair. */
function referenceLogW(
  natural: Float64Array,
  vertices: Float64Array,
  d: number,
  sigma: number,
  p: number[],
): number[][] {
  const xb = rows(natural, d);
  const xv = rows(vertices, d);
  const logA = xv.map((x) => xb.map((c) => logGauss(x, c, sigma)));
  return xv.map((_, i) =>
    xv.map((__, j) => logSumExp(xb.map((___, k) => Math.log(p[k] as number) + logA[i]![k]! + logA[j]![k]!))),
  );
}

describe('augmentationGraph', () => {
  it('matches a per-pair logsumexp on random data (d = 3), with degrees, scale and Ā', () => {
    const rng = new Rng(1);
    const d = 3;
    const nbar = 30;
    const n = 20;
    const natural = rng.normals(nbar * d);
    const vertices = rng.normals(n * d);
    const sigma = 0.5;
    const g = augmentationGraph({ natural: tensor(natural, [nbar, d]), vertices: tensor(vertices, [n, d]), sigma });
    const ref = referenceLogW(natural, vertices, d, sigma, new Array(nbar).fill(1 / nbar));
    assertClose(g.logWeights.data() as Float64Array, ref.flat(), { rtol: 1e-12, atol: 1e-11 }, 'log w');
    const refDeg = ref.map((r) => logSumExp(r));
    assertClose(g.logDegrees.data() as Float64Array, refDeg, { rtol: 1e-12, atol: 1e-11 }, 'log degrees');
    const refMax = Math.max(...ref.flat());
    assertClose(g.logScale, refMax, { rtol: 1e-12, atol: 1e-11 }, 'log scale');
    assertClose(
      g.graph.weights.data() as Float64Array,
      ref.flat().map((v) => Math.exp(v - refMax)),
      { rtol: 1e-10, atol: 0 },
      'W / max',
    );
    const refA = ref.flatMap((r, i) => r.map((v, j) => Math.exp(v - (refDeg[i]! + refDeg[j]!) / 2)));
    assertClose(g.normalizedAdjacency.data() as Float64Array, refA, { rtol: 1e-10, atol: 0 }, 'Ā');
    assert.equal(g.graph.n, n);
    assert.equal(g.graph.sparse, false);
    assert.equal(g.exactPairs, 0);
  });

  it('stays exact when σ is tiny (d = 50, σ = 0.01, natural points 1 apart): densities underflow, logs do not', () => {
    const rng = new Rng(2);
    const d = 50;
    const sigma = 0.01;
    const nbar = 5;
    // x̄_k = e_k/√2: every pair exactly 1 apart.
    const natural = new Float64Array(nbar * d);
    for (let k = 0; k < nbar; k++) natural[k * d + k] = Math.SQRT1_2;
    const vs: number[] = [];
    for (let k = 0; k < nbar; k++) {
      for (let c = 0; c < 2; c++)
        for (let j = 0; j < d; j++) vs.push((natural[k * d + j] as number) + sigma * rng.normal());
    }
    // The midpoint of x̄_0 and x̄_1, and a point a few σ off it.
    for (let j = 0; j < d; j++) vs.push(((natural[j] as number) + (natural[d + j] as number)) / 2);
    for (let j = 0; j < d; j++)
      vs.push(((natural[j] as number) + (natural[d + j] as number)) / 2 + 3 * sigma * rng.normal());
    const vertices = Float64Array.from(vs);
    const n = vertices.length / d;
    const p = [0.1, 0.3, 0.2, 0.25, 0.15];
    // Plain densities: a cross-cluster weight is exp(−1/(4σ²)) × … = exp(−2500) × … → 0.
    assert.equal(Math.exp(logGauss(vertices.subarray(0, d), natural.subarray(d, 2 * d), sigma)), 0);

    const g = augmentationGraph({
      natural: tensor(natural, [nbar, d]),
      vertices: tensor(vertices, [n, d]),
      sigma,
      probabilities: Float64Array.from(p),
    });
    const lw = g.logWeights.data() as Float64Array;
    assert.ok(lw.every(Number.isFinite), 'all log-weights finite');
    assert.ok(g.exactPairs > 0, 'some pairs needed the exact logsumexp');
    const ref = referenceLogW(natural, vertices, d, sigma, p);
    assert.ok(Math.min(...ref.flat()) < -2000, 'the test really spans thousands of nats');
    assertClose(lw, ref.flat(), { rtol: 1e-12, atol: 1e-8 }, 'log w (tiny σ)');
    const refDeg = ref.map((r) => logSumExp(r));
    assertClose(g.logDegrees.data() as Float64Array, refDeg, { rtol: 1e-12, atol: 1e-8 }, 'log degrees (tiny σ)');
    const abar = g.normalizedAdjacency.data() as Float64Array;
    assert.ok(abar.every(Number.isFinite));
    for (let i = 0; i < n; i++) {
      const row = ref[i]!.map((v, j) => Math.exp(v - (refDeg[i]! + refDeg[j]!) / 2));
      assertClose(abar.subarray(i * n, (i + 1) * n), row, { rtol: 1e-7, atol: 1e-300 }, `Ā row ${i}`);
    }
    // Ā·D^{1/2}1 = D^{1/2}1 (row sums of W are the degrees), checked in logs-free form on Ā alone.
    const sqrtDeg = refDeg.map((v) => Math.exp((v - Math.max(...refDeg)) / 2));
    const prod = Array.from({ length: n }, (_, i) =>
      sqrtDeg.reduce((s, v, j) => s + (abar[i * n + j] as number) * v, 0),
    );
    assertClose(prod, sqrtDeg, { rtol: 1e-9, atol: 1e-300 }, 'Ā D^{1/2}1');
  });

  it('converges to the closed form ∫ p(x̄)A(x|x̄)A(x′|x̄)dx̄ for a 1-D Gaussian mixture (quadrature over x̄)', () => {
    const comps = [
      { pi: 0.3, mu: -1, s: 0.5 },
      { pi: 0.7, mu: 2, s: 0.8 },
    ];
    const sigma = 0.3;
    const xs = Array.from({ length: 12 }, (_, i) => -2.5 + (6 * i) / 11);
    // (x, x′) = (x̄ + σε, x̄ + σε′), x̄ ~ N(μ, s²): bivariate normal, variances s² + σ², covariance s².
    const closed = (x: number, y: number): number =>
      comps.reduce((acc, { pi, mu, s }) => {
        const a = s * s + sigma * sigma;
        const c = s * s;
        const det = a * a - c * c;
        const u = x - mu;
        const v = y - mu;
        const q = (a * (u * u + v * v) - 2 * c * u * v) / det;
        return acc + (pi * Math.exp(-q / 2)) / (2 * Math.PI * Math.sqrt(det));
      }, 0);
    const expected = xs.flatMap((x) => xs.map((y) => Math.log(closed(x, y))));
    const errors: number[] = [];
    for (const h of [0.4, 0.3, 0.2, 0.1, 0.05]) {
      // Riemann sum on a uniform grid over ±12 s of both components: p_k = density(x̄_k)·h.
      const grid: number[] = [];
      for (let t = -8; t <= 12.5 + 1e-9; t += h) grid.push(t);
      const p = Float64Array.from(grid, (t) =>
        comps.reduce(
          (acc, { pi, mu, s }) =>
            acc + (pi * h * Math.exp(-((t - mu) ** 2) / (2 * s * s))) / (s * Math.sqrt(2 * Math.PI)),
          0,
        ),
      );
      const g = augmentationGraph({
        natural: tensor(Float64Array.from(grid), [grid.length, 1]),
        vertices: tensor(Float64Array.from(xs), [xs.length, 1]),
        sigma,
        probabilities: p,
      });
      const lw = g.logWeights.data() as Float64Array;
      errors.push(Math.max(...Array.from(lw, (v, i) => Math.abs(v - (expected[i] as number)))));
    }
    // log-error = relative error of w. The trapezoid rule on Gaussians converges like exp(−2π²w²/h²).
    assert.ok(errors[0]! > 1e-4, `coarse grid must be visibly off (${errors})`);
    // Monotone until the rounding floor (~1e-13 on log-weights of size ~10).
    for (let i = 1; i < errors.length; i++)
      assert.ok(errors[i]! < errors[i - 1]! || errors[i]! < 1e-12, `errors decrease: ${errors}`);
    assert.ok(errors[errors.length - 1]! < 1e-9, `fine grid within 1e-9 relative: ${errors}`);
  });

  it('a point mass gives w(x, x′) = A(x|x̄)·A(x′|x̄) exactly', () => {
    const rng = new Rng(3);
    const d = 3;
    const n = 6;
    const sigma = 0.7;
    const xbar = rng.normals(d);
    const vertices = rng.normals(n * d);
    const g = augmentationGraph({ natural: tensor(xbar, [1, d]), vertices: tensor(vertices, [n, d]), sigma });
    const la = rows(vertices, d).map((x) => logGauss(x, xbar, sigma));
    const expected = la.flatMap((a) => la.map((b) => a + b));
    assertClose(g.logWeights.data() as Float64Array, expected, { rtol: 1e-13, atol: 1e-12 }, 'log A(x)A(x′)');
    // W = aaᵀ (a_x = A(x|x̄)), w_x = a_x·Σa, so Ā = uuᵀ with u_x = √(a_x/Σa).
    const total = la.reduce((s, v) => s + Math.exp(v), 0);
    const u = la.map((v) => Math.sqrt(Math.exp(v) / total));
    assertClose(
      g.normalizedAdjacency.data() as Float64Array,
      u.flatMap((a) => u.map((b) => a * b)),
      { rtol: 1e-11, atol: 0 },
      'Ā',
    );
  });

  it('zero probabilities drop their natural points', () => {
    const rng = new Rng(4);
    const d = 2;
    const natural = rng.normals(4 * d);
    const vertices = rng.normals(5 * d);
    const p = [0.5, 0, 0.5, 0];
    const g = augmentationGraph({
      natural: tensor(natural, [4, d]),
      vertices: tensor(vertices, [5, d]),
      sigma: 0.4,
      probabilities: Float64Array.from(p),
    });
    const kept = Float64Array.from([...natural.subarray(0, d), ...natural.subarray(2 * d, 3 * d)]);
    const ref = referenceLogW(kept, vertices, d, 0.4, [0.5, 0.5]);
    assertClose(g.logWeights.data() as Float64Array, ref.flat(), { rtol: 1e-12, atol: 1e-11 });
  });

  it('rejects bad input, naming the argument', () => {
    const x = tensor(new Float64Array(6), [3, 2]);
    const y = tensor(new Float64Array(6), [2, 3]);
    assert.throws(() => augmentationGraph({ natural: x, vertices: x, sigma: 0 }), /sigma/);
    assert.throws(() => augmentationGraph({ natural: x, vertices: x, sigma: Number.NaN }), /sigma/);
    assert.throws(() => augmentationGraph({ natural: x, vertices: y, sigma: 1 }), /vertices.*columns/);
    assert.throws(() => augmentationGraph({ natural: tensor(new Float64Array(3)), vertices: x, sigma: 1 }), /natural/);
    assert.throws(
      () => augmentationGraph({ natural: x, vertices: x, sigma: 1, probabilities: new Float64Array(2) }),
      /probabilities must have/,
    );
    assert.throws(
      () => augmentationGraph({ natural: x, vertices: x, sigma: 1, probabilities: Float64Array.from([1, -1, 0]) }),
      /probabilities\[1\]/,
    );
    assert.throws(
      () => augmentationGraph({ natural: x, vertices: x, sigma: 1, probabilities: new Float64Array(3) }),
      /at least one/,
    );
  });
});
