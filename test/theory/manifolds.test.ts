/**
 * The mixture of manifolds: the documented map x = c_j + Q_j·[z ; κ·sin(B_j z + b_j)]
 * recomputed in plain TypeScript from the exposed parameters and latent
 * points; orthonormal frames and ‖B_j‖₂ = β; the distance-to-centre bounds
 * ‖z‖² ≤ ‖x − c_j‖² ≤ ‖z‖² + pκ²; centre distances = separation·ρ; the
 * bi-Lipschitz bounds on random latent pairs; determinism, balance and
 * sub-clusters; Gaussian augmentation statistics; bad input.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tensor, tidy } from '../../src/tensor/index.ts';
import { gaussianAugment, manifoldMixture } from '../../src/theory/manifolds.ts';
import { assertClose } from '../helpers/close.ts';
import { Rng } from '../helpers/prng.ts';

const host = (t: { data(): unknown; dispose(): void }): Float64Array => {
  const v = t.data() as Float64Array;
  t.dispose();
  return v;
};

function dist2(a: Float64Array, i: number, b: Float64Array, j: number, d: number): number {
  let s = 0;
  for (let l = 0; l < d; l++) s += ((a[i * d + l] as number) - (b[j * d + l] as number)) ** 2;
  return s;
}

describe('manifoldMixture', () => {
  const opts = { manifolds: 3, ambientDim: 7, intrinsicDim: 2, curvature: 1.5, frequency: 2, seed: 4 };

  it('samples follow the documented map exactly, from the exposed parameters', () => {
    const mix = manifoldMixture(opts);
    const { intrinsicDim: m, curvatureDims: p, ambientDim: d } = mix.options;
    assert.equal(p, 4); // min(d − m, 2m)
    const s = mix.sample(61, 9);
    assert.deepEqual(s.x.shape, [61, d]);
    assert.equal(s.x.dtype, 'float64');
    assert.deepEqual(s.latent.shape, [61, m]);
    const x = host(s.x);
    const z = host(s.latent);
    const P = mix.parameters;
    for (let i = 0; i < 61; i++) {
      const j = s.manifold[i] as number;
      const B = P.frequencies[j] as Float64Array;
      const b = P.phases[j] as Float64Array;
      const Q = P.frames[j] as Float64Array;
      const y = new Float64Array(m + p);
      for (let a = 0; a < m; a++) y[a] = z[i * m + a] as number;
      for (let r = 0; r < p; r++) {
        let t = b[r] as number;
        for (let a = 0; a < m; a++) t += (B[r * m + a] as number) * (z[i * m + a] as number);
        y[m + r] = 1.5 * Math.sin(t);
      }
      for (let l = 0; l < d; l++) {
        let v = P.centres[j * d + l] as number;
        for (let a = 0; a < m + p; a++) v += (Q[l * (m + p) + a] as number) * (y[a] as number);
        assert.ok(Math.abs((x[i * d + l] as number) - v) < 1e-12, `x[${i}, ${l}] = ${x[i * d + l]}, formula ${v}`);
      }
    }
  });

  it('frames are orthonormal, frequency matrices have spectral norm β, phases lie in [0, 2π)', () => {
    const mix = manifoldMixture(opts);
    const { intrinsicDim: m, curvatureDims: p, ambientDim: d } = mix.options;
    for (let j = 0; j < 3; j++) {
      const Q = mix.parameters.frames[j] as Float64Array;
      for (let a = 0; a < m + p; a++) {
        for (let b = 0; b < m + p; b++) {
          let s = 0;
          for (let l = 0; l < d; l++) s += (Q[l * (m + p) + a] as number) * (Q[l * (m + p) + b] as number);
          assert.ok(Math.abs(s - (a === b ? 1 : 0)) < 1e-12, `QᵀQ[${a}, ${b}] = ${s}`);
        }
      }
      // m = 2: ‖B‖₂² = largest eigenvalue of the 2×2 matrix BᵀB, in closed form.
      const B = mix.parameters.frequencies[j] as Float64Array;
      let g11 = 0;
      let g12 = 0;
      let g22 = 0;
      for (let r = 0; r < p; r++) {
        g11 += (B[r * 2] as number) ** 2;
        g12 += (B[r * 2] as number) * (B[r * 2 + 1] as number);
        g22 += (B[r * 2 + 1] as number) ** 2;
      }
      const top = (g11 + g22) / 2 + Math.sqrt(((g11 - g22) / 2) ** 2 + g12 * g12);
      assertClose(Math.sqrt(top), 2, { rtol: 1e-12, atol: 0 }, '‖B‖₂');
      for (const ph of mix.parameters.phases[j] as Float64Array) assert.ok(ph >= 0 && ph < 2 * Math.PI);
    }
    assertClose(mix.lipschitz, Math.sqrt(1 + 1.5 ** 2 * 2 ** 2), { rtol: 1e-15, atol: 0 }, 'lipschitz');
  });

  it('points lie within the documented distance of their centre: ‖z‖² ≤ ‖x − c‖² ≤ ‖z‖² + pκ²', () => {
    const mix = manifoldMixture({ ...opts, subclusters: 3 });
    const { intrinsicDim: m, curvatureDims: p, ambientDim: d } = mix.options;
    const s = mix.sample(900, 1);
    const x = host(s.x);
    const z = host(s.latent);
    let worst = 0;
    for (let i = 0; i < 900; i++) {
      const r2 = dist2(x, i, mix.parameters.centres, s.manifold[i] as number, d);
      let z2 = 0;
      for (let a = 0; a < m; a++) z2 += (z[i * m + a] as number) ** 2;
      assert.ok(r2 >= z2 - 1e-9 && r2 <= z2 + p * 1.5 ** 2 + 1e-9, `point ${i}: ‖x − c‖² = ${r2}, ‖z‖² = ${z2}`);
      worst = Math.max(worst, r2 - z2);
    }
    assert.ok(worst > 0.5 * p * 1.5 ** 2, 'the bending never reached half its bound');
    // Mean squared radius is bounded by ρ² (E‖z‖² + pκ²).
    let mean = 0;
    for (let i = 0; i < 900; i++) mean += dist2(x, i, mix.parameters.centres, s.manifold[i] as number, d) / 900;
    assert.ok(mean <= mix.spread ** 2 * 1.1, `mean squared radius ${mean} vs ρ² = ${mix.spread ** 2}`);
  });

  it('φ_j is bi-Lipschitz: ‖z − z′‖ ≤ ‖φ(z) − φ(z′)‖ ≤ L‖z − z′‖ on random latent pairs', () => {
    const mix = manifoldMixture(opts);
    const rng = new Rng(12);
    const k = 400;
    let maxRatio = 0;
    for (let j = 0; j < 3; j++) {
      const z1 = rng.normals(k * 2);
      // Pairs at every scale: far apart and very close.
      const z2 = Float64Array.from(z1, (v, i) => v + (i % 4 < 2 ? 2 * rng.normal() : 1e-3 * rng.normal()));
      const x1 = host(mix.map(tensor(z1, [k, 2]), j));
      const x2 = host(mix.map(tensor(z2, [k, 2]), j));
      for (let i = 0; i < k; i++) {
        const dz = Math.sqrt(dist2(z1, i, z2, i, 2));
        const dx = Math.sqrt(dist2(x1, i, x2, i, 7));
        assert.ok(dx >= dz * (1 - 1e-9), `pair ${i}: ‖Δx‖ = ${dx} < ‖Δz‖ = ${dz}`);
        assert.ok(dx <= mix.lipschitz * dz * (1 + 1e-9), `pair ${i}: ratio ${dx / dz} > L = ${mix.lipschitz}`);
        maxRatio = Math.max(maxRatio, dx / dz);
      }
    }
    assert.ok(maxRatio > 1.5, `the map never stretched by more than ${maxRatio}: curvature has no effect?`);
  });

  it('centres sit separation·ρ apart (simplex for r ≤ d; closest pair for r > d)', () => {
    for (const [r, d] of [
      [4, 6],
      [9, 3],
    ] as const) {
      const mix = manifoldMixture({ manifolds: r, ambientDim: d, separation: 2.5 });
      const c = mix.parameters.centres;
      let min = Number.POSITIVE_INFINITY;
      for (let i = 0; i < r; i++) {
        for (let j = i + 1; j < r; j++) {
          const dd = Math.sqrt(dist2(c, i, c, j, d));
          min = Math.min(min, dd);
          if (r <= d) assertClose(dd, 2.5 * mix.spread, { rtol: 1e-12, atol: 0 }, `‖c${i} − c${j}‖`);
        }
      }
      assertClose(min, 2.5 * mix.spread, { rtol: 1e-12, atol: 0 }, 'closest centres');
    }
  });

  it('separation separates: the least distance between points of different manifolds grows with it', () => {
    const mins: number[] = [];
    for (const separation of [0.5, 2, 4, 8]) {
      const mix = manifoldMixture({ manifolds: 3, ambientDim: 5, curvature: 1, separation, seed: 2 });
      const s = mix.sample(450, 3);
      const x = host(s.x);
      host(s.latent);
      let min = Number.POSITIVE_INFINITY;
      for (let i = 0; i < 450; i++) {
        for (let j = i + 1; j < 450; j++) {
          if (s.manifold[i] !== s.manifold[j]) min = Math.min(min, dist2(x, i, x, j, 5));
        }
      }
      mins.push(Math.sqrt(min));
    }
    for (let t = 1; t < mins.length; t++)
      assert.ok((mins[t] as number) > (mins[t - 1] as number), `minimum distances ${mins}`);
    assert.ok((mins[3] as number) > 2 * 1.5, `at separation 8 manifolds are still only ${mins[3]} apart`);
  });

  it('is deterministic in the seeds, balanced over manifolds and sub-clusters', () => {
    const a = manifoldMixture({ ...opts, subclusters: 2 });
    const b = manifoldMixture({ ...opts, subclusters: 2 });
    const x1 = host(a.sample(100, 5).x);
    assert.deepEqual(Array.from(host(b.sample(100, 5).x)), Array.from(x1));
    assert.notDeepEqual(Array.from(host(a.sample(100, 6).x)), Array.from(x1));
    assert.notDeepEqual(
      Array.from(host(manifoldMixture({ ...opts, seed: 5, subclusters: 2 }).sample(100, 5).x)),
      Array.from(x1),
    );
    const s = a.sample(100, 5);
    host(s.x);
    host(s.latent);
    const counts = [0, 0, 0];
    const sub = [0, 0];
    for (let i = 0; i < 100; i++) {
      assert.equal(s.manifold[i], i % 3);
      assert.equal(s.labels[i], s.manifold[i]);
      counts[s.manifold[i] as number]++;
      sub[s.subcluster[i] as number]++;
    }
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `counts ${counts}`);
    assert.ok(Math.abs((sub[0] as number) - (sub[1] as number)) <= 3, `sub-clusters ${sub}`);
  });

  it('sub-clusters: latent points gather around their means, δ apart on a line', () => {
    const mix = manifoldMixture({
      manifolds: 2,
      ambientDim: 4,
      intrinsicDim: 1,
      subclusters: 3,
      subclusterDistance: 6,
    });
    const s = mix.sample(3000, 0);
    host(s.x);
    const z = host(s.latent);
    for (let j = 0; j < 2; j++) {
      const mu = mix.parameters.subclusterMeans[j] as Float64Array;
      assertClose(Math.abs((mu[1] as number) - (mu[0] as number)), 6, { rtol: 1e-12, atol: 0 }, 'δ');
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        let count = 0;
        for (let i = 0; i < 3000; i++) {
          if (s.manifold[i] === j && s.subcluster[i] === c) {
            sum += z[i] as number;
            count++;
          }
        }
        assert.ok(Math.abs(sum / count - (mu[c] as number)) < 4 / Math.sqrt(count), `manifold ${j} sub-cluster ${c}`);
      }
    }
  });

  it('rejects bad options', () => {
    assert.throws(() => manifoldMixture({ manifolds: 0, ambientDim: 3 }), /manifolds must be a positive integer/);
    assert.throws(
      () => manifoldMixture({ ambientDim: 3 } as never),
      /manifoldMixture: manifolds must be a positive integer, got nothing/,
    );
    assert.throws(
      () => manifoldMixture({ manifolds: 2, ambientDim: 3, seperation: 2 } as never),
      /manifoldMixture: unknown option 'seperation' \(did you mean 'separation'\?\)/,
    );
    assert.throws(() => manifoldMixture({ manifolds: 1.5, ambientDim: 3 }), /manifolds/);
    assert.throws(
      () => manifoldMixture({ manifolds: 2, ambientDim: 2, intrinsicDim: 2 }),
      /manifoldMixture: ambientDim must be an integer ≥ intrinsicDim \+ 1 = 3, got 2/,
    );
    assert.throws(
      () => manifoldMixture({ manifolds: 2, ambientDim: 4, intrinsicDim: 2, curvatureDims: 3 }),
      /manifoldMixture: ambientDim must be an integer ≥ intrinsicDim \+ curvatureDims = 2 \+ 3, got 4/,
    );
    assert.throws(
      () => manifoldMixture({ manifolds: 2, ambientDim: 3, curvature: -1 }),
      /curvature must be a number in \[0, 1e100\]/,
    );
    assert.throws(() => manifoldMixture({ manifolds: 2, ambientDim: 3, separation: Number.NaN }), /separation/);
    assert.throws(
      () => manifoldMixture({ manifolds: 2, ambientDim: 3, frequency: 0 }),
      /manifoldMixture: frequency must be a finite number > 0, got 0/,
    );
    assert.throws(() => manifoldMixture({ manifolds: 2, ambientDim: 3, subclusters: 0 }), /subclusters/);
    assert.throws(
      () => manifoldMixture({ manifolds: 2, ambientDim: 3, seed: -1 }),
      /seed must be a non-negative integer/,
    );
    const mix = manifoldMixture({ manifolds: 2, ambientDim: 3 });
    assert.throws(() => mix.sample(0), /n must be a positive integer/);
    assert.throws(() => mix.sample(10, 1.5), /seed/);
    assert.throws(() => mix.map(tensor(new Float64Array(4), [2, 2]), 0), /z must be k×1/);
    assert.throws(
      () => mix.map(tensor(new Float64Array(2), [2, 1]), 2),
      /manifold must be an integer in \[0, 1\], got 2/,
    );
  });
});

describe('gaussianAugment', () => {
  it('adds N(0, σ²I) noise: copies grouped by source row, mean 0 and standard deviation σ', () => {
    const rng = new Rng(2);
    const n = 500;
    const d = 6;
    const xbar = rng.normals(n * d);
    const { x, source } = gaussianAugment(tensor(xbar, [n, d]), 0.3, 4, 7);
    assert.deepEqual(x.shape, [n * 4, d]);
    assert.equal(x.dtype, 'float64');
    const v = host(x);
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < n * 4; i++) {
      assert.equal(source[i], Math.floor(i / 4));
      for (let l = 0; l < d; l++) {
        const e = (v[i * d + l] as number) - (xbar[(source[i] as number) * d + l] as number);
        s1 += e;
        s2 += e * e;
      }
    }
    const N = n * 4 * d;
    assert.ok(Math.abs(s1 / N) < 4 * (0.3 / Math.sqrt(N)), `noise mean ${s1 / N}`);
    assertClose(Math.sqrt(s2 / N), 0.3, { rtol: 0.03, atol: 0 }, 'noise std');
    // Deterministic in the seed; σ = 0 gives exact copies.
    assert.deepEqual(Array.from(host(gaussianAugment(tensor(xbar, [n, d]), 0.3, 4, 7).x)), Array.from(v));
    const same = host(gaussianAugment(tensor(xbar.subarray(0, 12), [2, d]), 0, 3).x);
    for (let i = 0; i < 6; i++) {
      for (let l = 0; l < d; l++) assert.equal(same[i * d + l], xbar[Math.floor(i / 3) * d + l]);
    }
  });

  it('rejects bad input', () => {
    const x = tidy(() => tensor(new Float64Array(6), [2, 3]));
    assert.throws(() => gaussianAugment(x, -0.1, 2), /sigma must be a finite number ≥ 0/);
    assert.throws(() => gaussianAugment(x, Number.POSITIVE_INFINITY, 2), /sigma/);
    assert.throws(() => gaussianAugment(x, 0.1, 0), /copies must be a positive integer/);
    assert.throws(() => gaussianAugment(x, 0.1, 1.5), /copies/);
    assert.throws(() => gaussianAugment(tensor(new Float64Array(3), [3]), 0.1, 1), /x must be n×d/);
    assert.throws(() => gaussianAugment(x, 0.1, 1, -2), /seed/);
  });
});
