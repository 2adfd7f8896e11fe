/**
 * The per-sample random parameters have the distributions torchvision's
 * transforms draw from, checked over N = 20,000 samples with tolerances of
 * about 4 standard errors.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ColorJitter,
  GaussianBlur,
  GaussianNoise,
  RandomAffine,
  RandomGrayscale,
  RandomHorizontalFlip,
  RandomResizedCrop,
  RandomSolarize,
} from '../../src/augment/index.ts';
import { Generator, tidy } from '../../src/tensor/index.ts';
import { Rng } from '../helpers/prng.ts';

const N = 20_000;
const shape = (height = 32, width = 32, channels = 3) => ({ batch: N, channels, height, width });
const mean = (xs: ArrayLike<number>): number => Array.from(xs).reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: ArrayLike<number>): number => {
  const m = mean(xs);
  return Math.sqrt(Array.from(xs).reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
};

/** |fraction of ones − p| within 4 binomial standard errors. */
function assertFraction(mask: ArrayLike<number>, p: number, what: string): void {
  const f = mean(mask);
  const se = Math.sqrt((p * (1 - p)) / mask.length);
  assert.ok(Math.abs(f - p) <= 4 * se + 1e-12, `${what}: fraction ${f}, expected ${p} ± ${4 * se}`);
}

/** Python's round (halves to even). */
const pyRound = (v: number): number => {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

/** torchvision's RandomResizedCrop.get_params, written out again with an independent PRNG. */
function torchvisionCrop(rng: Rng, H: number, W: number, scale: number[], ratio: number[]): number[] {
  const area = H * W;
  for (let a = 0; a < 10; a++) {
    const target = area * (scale[0]! + (scale[1]! - scale[0]!) * rng.uniform());
    const logr = [Math.log(ratio[0]!), Math.log(ratio[1]!)];
    const aspect = Math.exp(logr[0]! + (logr[1]! - logr[0]!) * rng.uniform());
    const w = pyRound(Math.sqrt(target * aspect));
    const h = pyRound(Math.sqrt(target / aspect));
    if (w > 0 && w <= W && h > 0 && h <= H) return [rng.int(0, H - h + 1), rng.int(0, W - w + 1), h, w];
  }
  return [0, 0, H, W];
}

describe('parameter statistics over 20,000 samples', () => {
  test('flip, grayscale, solarize and blur selection fractions ≈ p', () => {
    const g = new Generator(1);
    assertFraction(new RandomHorizontalFlip({ p: 0.3 }).sample(shape(), g).flip, 0.3, 'flip');
    assertFraction(new RandomHorizontalFlip().sample(shape(), g).flip, 0.5, 'flip default');
    assertFraction(new RandomGrayscale({ p: 0.2 }).sample(shape(), g).apply, 0.2, 'grayscale');
    assertFraction(new RandomSolarize({ p: 0.2 }).sample(shape(), g).apply, 0.2, 'solarize');
    const blur = new GaussianBlur({ kernelSize: 3, sigma: [0.1, 2], p: 0.5 }).sample(shape(), g);
    assertFraction(blur.apply, 0.5, 'blur');
    assert.ok(
      blur.sigma.every((s) => s >= 0.1 && s <= 2),
      'σ in [0.1, 2]',
    );
    assert.ok(Math.abs(mean(blur.sigma) - 1.05) < 4 * (1.9 / Math.sqrt(12 * N)), `mean σ ${mean(blur.sigma)}`);
  });

  test('crop boxes: inside the image, area and aspect within the ranges (up to rounding), as torchvision draws them', () => {
    const [H, W] = [32, 40];
    const scale = [0.2, 1];
    const ratio = [3 / 4, 4 / 3];
    const p = new RandomResizedCrop({ size: 32, scale: [0.2, 1] }).sample(shape(H, W), new Generator(2));
    const areas: number[] = [];
    const aspects: number[] = [];
    const offsets: number[] = [];
    for (let b = 0; b < N; b++) {
      const [i, j, h, w] = [p.top[b]!, p.left[b]!, p.height[b]!, p.width[b]!];
      assert.ok(i >= 0 && j >= 0 && h >= 1 && w >= 1 && i + h <= H && j + w <= W, `box ${b} inside`);
      // Some real (w′, h′) within ½ of the rounded (w, h) has the area and ratio in range.
      assert.ok((w + 0.5) * (h + 0.5) >= scale[0]! * H * W && (w - 0.5) * (h - 0.5) <= scale[1]! * H * W, `area ${b}`);
      assert.ok((w + 0.5) / (h - 0.5) >= ratio[0]! && (w - 0.5) / (h + 0.5) <= ratio[1]!, `ratio ${b}`);
      areas.push((h * w) / (H * W));
      aspects.push(Math.log(w / h));
      if (H > h) offsets.push((i + 0.5) / (H - h + 1));
    }
    // The same statistics from torchvision's algorithm run with an independent PRNG.
    const rng = new Rng(7);
    const refAreas: number[] = [];
    const refAspects: number[] = [];
    for (let b = 0; b < N; b++) {
      const [, , h, w] = torchvisionCrop(rng, H, W, scale, ratio);
      refAreas.push((h! * w!) / (H * W));
      refAspects.push(Math.log(w! / h!));
    }
    const tol = (xs: number[]) => 4 * Math.SQRT2 * (sd(xs) / Math.sqrt(N));
    assert.ok(Math.abs(mean(areas) - mean(refAreas)) < tol(areas), `mean area ${mean(areas)} vs ${mean(refAreas)}`);
    assert.ok(Math.abs(sd(areas) - sd(refAreas)) < 0.01, `sd area ${sd(areas)} vs ${sd(refAreas)}`);
    assert.ok(Math.abs(mean(aspects) - mean(refAspects)) < tol(aspects), `mean log-aspect ${mean(aspects)}`);
    assert.ok(Math.abs(mean(offsets) - 0.5) < 4 * (0.29 / Math.sqrt(offsets.length)), `offsets ${mean(offsets)}`);
  });

  test('color jitter: factors in range with mean at the centre, the 24 orders uniform, p honoured', () => {
    const p = new ColorJitter({ brightness: 0.4, contrast: 0.3, saturation: 0.8, hue: 0.1, p: 0.8 }).sample(
      shape(),
      new Generator(3),
    );
    assertFraction(p.apply, 0.8, 'apply');
    for (const [name, xs, lo, hi] of [
      ['brightness', p.brightness, 0.6, 1.4],
      ['contrast', p.contrast, 0.7, 1.3],
      ['saturation', p.saturation, 0.2, 1.8],
      ['hue', p.hue, -0.1, 0.1],
    ] as [string, Float64Array, number, number][]) {
      assert.ok(
        xs.every((v) => v >= lo && v <= hi),
        `${name} in [${lo}, ${hi}]`,
      );
      const se = (hi - lo) / Math.sqrt(12 * N);
      assert.ok(Math.abs(mean(xs) - (lo + hi) / 2) < 4 * se, `${name} mean ${mean(xs)}`);
      assert.ok(Math.abs(sd(xs) - (hi - lo) / Math.sqrt(12)) < 0.02 * (hi - lo), `${name} sd ${sd(xs)}`);
    }
    const counts = new Map<string, number>();
    for (let b = 0; b < N; b++) {
      const perm = Array.from(p.order.subarray(4 * b, 4 * b + 4));
      assert.deepEqual([...perm].sort(), [0, 1, 2, 3], `order ${b} is a permutation`);
      counts.set(perm.join(), (counts.get(perm.join()) ?? 0) + 1);
    }
    assert.equal(counts.size, 24);
    const e = N / 24;
    const chi2 = [...counts.values()].reduce((a, c) => a + (c - e) ** 2 / e, 0);
    assert.ok(chi2 < 55, `χ² ${chi2} over 23 degrees of freedom (p ≈ 1e-4 at 55)`);
    // Brightness 1.0 ± B never goes below 0.
    const strong = new ColorJitter({ brightness: 2 }).sample(shape(), new Generator(4));
    assert.ok(strong.brightness.every((v) => v >= 0 && v <= 3));
  });

  test('affine: angle, shifts and scale in range and centred', () => {
    const [H, W] = [28, 20];
    const p = new RandomAffine({ degrees: 10, translate: [0.1, 0.2], scale: [0.9, 1.1] }).sample(
      shape(H, W, 1),
      new Generator(5),
    );
    assert.ok(p.angle.every((a) => a >= -10 && a <= 10));
    assert.ok(Math.abs(mean(p.angle)) < 4 * (20 / Math.sqrt(12 * N)), `mean angle ${mean(p.angle)}`);
    assert.ok(p.scale.every((s) => s >= 0.9 && s <= 1.1));
    assert.ok(p.tx.every((t) => Math.abs(t) <= 2) && p.ty.every((t) => Math.abs(t) <= 6), 'shifts ≤ round(t·size)');
    assert.ok(Math.abs(mean(p.tx)) < 0.05 && Math.abs(mean(p.ty)) < 0.1, `mean shifts ${mean(p.tx)}, ${mean(p.ty)}`);
    // round(U(−5.6, 5.6)): the extreme ±6 appear (|u| > 5.5) about 0.1/11.2 of the time each.
    const six = Array.from(p.ty).filter((t) => Math.abs(t) === 6).length / N;
    assert.ok(Math.abs(six - 0.2 / 11.2) < 0.006, `P(|ty| = 6) = ${six}`);
  });

  test('Gaussian noise: mean ≈ 0 and standard deviation ≈ σ', () => {
    tidy(() => {
      const p = new GaussianNoise({ sigma: 0.25 }).sample(
        { batch: 20, channels: 1, height: 32, width: 32 },
        new Generator(6),
      );
      const eps = Array.from(p.noise.data() as Float32Array, (v) => 0.25 * v);
      const n = eps.length;
      assert.ok(Math.abs(mean(eps)) < 4 * (0.25 / Math.sqrt(n)), `mean ${mean(eps)}`);
      assert.ok(Math.abs(sd(eps) - 0.25) < 4 * (0.25 / Math.sqrt(2 * n)), `sd ${sd(eps)}`);
    });
  });
});
