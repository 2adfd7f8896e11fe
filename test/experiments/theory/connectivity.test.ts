import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ConnectivityRow,
  connectivityAt,
  connectivityCheck,
  logSpaced,
} from '../../../src/experiments/theory/connectivity.ts';
import { linalg, tensor, tidy } from '../../../src/tensor/index.ts';
import { gaussianAugment, manifoldMixture } from '../../../src/theory/manifolds.ts';
import { assertClose } from '../../helpers/close.ts';

/**
 * The exact augmentation graph written out in plain TypeScript:
 * w(x, x′) ∝ Σ_l exp(−(‖x − x̄_l‖² + ‖x′ − x̄_l‖²)/(2σ²)) (constants dropped:
 * conductance and Ā are scale-free), via a log-sum-exp per pair, then scaled
 * so max = 1.
 */
function referenceWeights(vertices: number[][], natural: number[][], sigma: number): number[][] {
  const d2 = (a: number[], b: number[]) => a.reduce((s, v, i) => s + (v - (b[i] as number)) ** 2, 0);
  const b = vertices.map((x) => natural.map((xb) => -d2(x, xb) / (2 * sigma * sigma)));
  const logW = vertices.map((_, i) =>
    vertices.map((__, j) => {
      const t = (b[i] as number[]).map((v, l) => v + ((b[j] as number[])[l] as number));
      const m = Math.max(...t);
      return m + Math.log(t.reduce((s, v) => s + Math.exp(v - m), 0));
    }),
  );
  const top = Math.max(...logW.flat());
  return logW.map((row) => row.map((v) => Math.exp(v - top)));
}

/** φ(S) = w(S, V∖S)/Σ_{x∈S} w_x, summed directly over the dense matrix. */
function directConductance(w: number[][], inS: (i: number) => boolean): number {
  let cut = 0;
  let vol = 0;
  w.forEach((row, i) => {
    if (!inS(i)) return;
    row.forEach((v, j) => {
      vol += v;
      if (!inS(j)) cut += v;
    });
  });
  return cut / vol;
}

/** Minimum of φ(S) over all S ⊂ V with 0 < w(S) ≤ w(V)/2 (brute force over the 2^n subsets). */
function cheegerConstant(w: number[][]): number {
  const n = w.length;
  const deg = w.map((row) => row.reduce((s, v) => s + v, 0));
  const total = deg.reduce((s, v) => s + v, 0);
  let best = Number.POSITIVE_INFINITY;
  for (let mask = 1; mask < (1 << n) - 1; mask++) {
    let vol = 0;
    for (let i = 0; i < n; i++) if (mask & (1 << i)) vol += deg[i] as number;
    if (!(vol > 0 && vol <= total / 2)) continue;
    best = Math.min(
      best,
      directConductance(w, (i) => (mask & (1 << i)) !== 0),
    );
  }
  return best;
}

describe('connectivityAt', () => {
  it('conductance across and inside, λ₂ of each manifold and the spectrum match a direct computation', () => {
    const r = 2;
    const mixture = manifoldMixture({ manifolds: r, ambientDim: 3, separation: 1.5, seed: 4 });
    const sample = mixture.sample(24, 1);
    const sigma = 0.6;
    const row = connectivityAt({
      natural: sample.x,
      manifold: sample.manifold,
      sigma,
      manifolds: r,
      eigenvalues: 6,
      seed: 7,
    });
    const natural = tidy(() => chunk(sample.x.toArray(), 3));
    const vertices = tidy(() => {
      const { x } = gaussianAugment(sample.x, sigma, 1, 7);
      return chunk(x.toArray(), 3);
    });
    const w = referenceWeights(vertices, natural, sigma);
    const across = [0, 1].map((c) => directConductance(w, (i) => sample.manifold[i] === c));
    assertClose(row.across, across, { rtol: 1e-8 }, 'φ(S_c)');
    assert.equal(row.acrossConductance, Math.max(...row.across));
    assert.ok(row.acrossConductance > 1e-3, 'separation 1.5 leaks: the check is not vacuous');
    // Inside each manifold: λ₂ of the induced Ā, and the sweep conductance between h and Cheeger's bound.
    for (let c = 0; c < r; c++) {
      const ids = Array.from({ length: 24 }, (_, i) => i).filter((i) => sample.manifold[i] === c);
      const sub = ids.map((i) => ids.map((j) => (w[i] as number[])[j] as number));
      const deg = sub.map((rw) => rw.reduce((s, v) => s + v, 0));
      const abar = sub.flatMap((rw, i) => rw.map((v, j) => v / Math.sqrt((deg[i] as number) * (deg[j] as number))));
      const ev = tidy(() =>
        Array.from(
          linalg.eigh(tensor(Float64Array.from(abar), [ids.length, ids.length])).values.data() as Float64Array,
        ),
      );
      const lambda2 = ev.sort((a, b) => b - a)[1] as number;
      assertClose(row.insideLambda2[c] as number, lambda2, { atol: 1e-9 }, `λ₂ of manifold ${c}`);
      const h = cheegerConstant(sub);
      const found = row.inside[c] as number;
      assert.ok(found >= h - 1e-12, `sweep ${found} ≥ Cheeger constant ${h}`);
      assert.ok(found <= Math.sqrt(2 * (1 - lambda2)) + 1e-12, `sweep ${found} ≤ √(2(1 − λ₂))`);
    }
    assert.equal(row.insideConductance, Math.min(...row.inside));
    // Spectrum of Ā = D^-1/2 W D^-1/2 by dense eigh of the reference matrix.
    const n = 24;
    const deg = w.map((rw) => rw.reduce((s, v) => s + v, 0));
    const abar = w.flatMap((rw, i) => rw.map((v, j) => v / Math.sqrt((deg[i] as number) * (deg[j] as number))));
    const all = tidy(() =>
      Array.from(linalg.eigh(tensor(Float64Array.from(abar), [n, n])).values.data() as Float64Array),
    );
    const top = all.sort((a, b) => b - a).slice(0, 6);
    assertClose(row.eigenvalues, top, { atol: 1e-9 }, 'eigenvalues');
    assertClose(row.eigengap, (top[1] as number) - (top[2] as number), { atol: 1e-9 }, 'λ_r − λ_{r+1}');
    assert.equal(row.lambdaR, row.eigenvalues[1]);
    sample.x.dispose();
    sample.latent.dispose();
  });
});

describe('connectivityCheck', () => {
  it('shows the three regimes on two far-apart manifolds', () => {
    const res = connectivityCheck({ manifolds: 2, vertices: 160, separation: 8, seed: 1, sigmas: [0.005, 0.9, 20] });
    assert.deepEqual(
      res.rows.map((r) => r.sigma),
      [0.005, 0.9, 20],
    );
    const [tiny, medium, huge] = res.rows as [ConnectivityRow, ConnectivityRow, ConnectivityRow];
    // Too weak: augmentations of neighbouring points never overlap — every manifold falls apart, Ā ≈ I.
    assert.ok(tiny.insideConductance < 1e-3, `tiny σ: inside ${tiny.insideConductance}`);
    assert.ok((tiny.eigenvalues.at(-1) as number) > 0.999, `tiny σ: λ_10 = ${tiny.eigenvalues.at(-1)}`);
    // Medium: connected inside, disconnected across, a large gap after λ_r.
    assert.ok(medium.acrossConductance < 0.01, `medium σ: across ${medium.acrossConductance}`);
    assert.ok(medium.insideConductance > 0.1, `medium σ: inside ${medium.insideConductance}`);
    assert.ok(medium.lambdaR > 0.99, `medium σ: λ_r = ${medium.lambdaR}`);
    assert.ok(medium.eigengap > tiny.eigengap + 0.3, `gap ${medium.eigengap} vs tiny ${tiny.eigengap}`);
    // Too strong: the manifolds merge.
    assert.ok(huge.acrossConductance > 0.1, `huge σ: across ${huge.acrossConductance}`);
    assert.ok(huge.eigengap < medium.eigengap / 2, `gap ${huge.eigengap} vs medium ${medium.eigengap}`);
    assert.equal(res.bestSigma, 0.9);
    assert.equal(res.manifolds, 2);
    assert.ok(res.spacing > 0 && res.diameter > res.spacing);
  });

  it('rejects bad options', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [
        { manifolds: 1 },
        /theory connectivity: manifolds must be an integer ≥ 2 \(conductance across manifolds needs two\), got 1/,
      ],
      [{ vertices: 3, manifolds: 2 }, /vertices must be an integer in \[2r = 4, 4000\], got 3/],
      [{ vertices: 5000 }, /vertices must be an integer in \[2, 4000\], got 5000/],
      [{ sigmas: [] }, /sigmas must be a non-empty list of numbers in \(0, 1e100\], or null, got \[\]/],
      [{ sigmas: [0.1, -1] }, /sigmas must be .*, got \[0.1,-1\]/],
      [{ separation: -1 }, /separation must be a number in \[0, 1e100\] .*, got -1/],
      [{ eigenvalues: 2, manifolds: 2 }, /eigenvalues must be an integer ≥ r \+ 1 = 3, got 2/],
      [{ seed: 1.5 }, /seed must be a non-negative integer \(a seed\), got 1.5/],
      [{ sigma: 0.5 }, /unknown option 'sigma' \(did you mean 'sigmas'\?\)/],
    ];
    for (const [o, re] of bad) assert.throws(() => connectivityCheck(o as never), re, JSON.stringify(o));
    assertClose(logSpaced(1, 100, 3), [1, 10, 100], { rtol: 1e-12 });
  });
});

function chunk(flat: number[], d: number): number[][] {
  return Array.from({ length: flat.length / d }, (_, i) => flat.slice(i * d, (i + 1) * d));
}
