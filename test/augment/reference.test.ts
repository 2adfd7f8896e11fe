/**
 * Every batched augmentation equals a per-image reference written in plain
 * loops (naive-image.ts, from torchvision's formulas) on the very same
 * per-sample parameters, on small 7×9 images with gray, saturated and tied
 * pixels.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ColorJitter,
  type ColorJitterParams,
  GaussianBlur,
  GaussianNoise,
  Normalize,
  RandomAffine,
  RandomGrayscale,
  RandomHorizontalFlip,
  RandomResizedCrop,
  RandomSolarize,
  type Transform,
} from '../../src/augment/index.ts';
import { Generator, type Tensor, tensor, tidy } from '../../src/tensor/index.ts';
import { assertClose } from '../helpers/close.ts';
import { Rng } from '../helpers/prng.ts';
import * as naive from './naive-image.ts';
import { type Batch, testImages } from './naive-image.ts';

const [B, H, W] = [6, 7, 9];
const TOL = { rtol: 0, atol: 1e-5 };

function images(C: number, seed: number): { x: Tensor; ref: Batch } {
  const rng = new Rng(seed);
  const { data, batch } = testImages(B, C, H, W, () => rng.uniform());
  return { x: tensor(data, [B, C, H, W]), ref: batch };
}

/** Draws params for x from a generator, applies them, and returns both (host output). */
function run<P>(
  t: Transform<P>,
  x: Tensor,
  seed: number,
  fix?: (p: P) => void,
): { out: Float32Array; p: P; shape: number[] } {
  return tidy(() => {
    const [b, c, h, w] = x.shape as [number, number, number, number];
    const p = t.sample({ batch: b, channels: c, height: h, width: w }, new Generator(seed));
    fix?.(p);
    const y = t.applyWith(x, p);
    return { out: y.data() as Float32Array, p, shape: y.shape };
  });
}

function check(out: Float32Array, shape: number[], expected: Batch, what: string): void {
  assert.deepEqual(shape, expected.shape, `${what}: shape`);
  assertClose(out, expected.data, TOL, what);
}

describe('batched augmentations equal per-image references', () => {
  test('RandomResizedCrop = crop then F.interpolate(bilinear, align_corners=False), down- and upsampling', () => {
    for (const [C, size] of [
      [3, [5, 11]],
      [1, [12, 4]],
    ] as [number, [number, number]][]) {
      const { x, ref } = images(C, 11 + C);
      const t = new RandomResizedCrop({ size, scale: [0.08, 1] });
      for (const seed of [1, 2, 3]) {
        const { out, p, shape } = run(t, x, seed, (q) => {
          if (seed === 3) {
            // Edge cases: the whole image, a single pixel, a 1-pixel-wide strip at the corner.
            q.top.set([0, 6, 0]);
            q.left.set([0, 8, 8]);
            q.height.set([7, 1, 7]);
            q.width.set([9, 1, 1]);
          }
        });
        const expected = ref.map((b, src) =>
          naive.resizeBilinear(
            naive.crop(
              src.sample(b),
              p.top[b] as number,
              p.left[b] as number,
              p.height[b] as number,
              p.width[b] as number,
            ),
            size[0],
            size[1],
          ),
        );
        check(out, shape, expected, `crop C=${C} seed ${seed}`);
      }
      x.dispose();
    }
  });

  test('RandomHorizontalFlip mirrors exactly the selected samples', () => {
    const { x, ref } = images(3, 21);
    const t = new RandomHorizontalFlip({ p: 0.5 });
    const { out, p, shape } = run(t, x, 5, (q) => q.flip.set([1, 0, 1, 0, 0, 1]));
    check(
      out,
      shape,
      ref.map((b, src) => (p.flip[b] ? naive.hflip(src.sample(b)) : null)),
      'flip',
    );
    x.dispose();
  });

  const single: [string, Record<string, number>, (img: Batch, f: number) => Batch, keyof ColorJitterParams][] = [
    ['brightness', { brightness: 0.8 }, naive.brightness, 'brightness'],
    ['contrast', { contrast: 0.9 }, naive.contrast, 'contrast'],
    ['saturation', { saturation: 0.9 }, naive.saturation, 'saturation'],
    ['hue', { hue: 0.5 }, naive.hue, 'hue'],
  ];
  for (const [name, opts, ref1, key] of single) {
    test(`ColorJitter ${name} alone equals torchvision's adjust_${name}, C = 3 and C = 1`, () => {
      for (const C of [3, 1]) {
        const { x, ref } = images(C, 31 + C);
        const t = new ColorJitter({ ...opts, p: 0.7 });
        const { out, p, shape } = run(t, x, 9, (q) => q.apply.set([1, 1, 0, 1, 1, 1]));
        const factors = p[key] as Float64Array;
        check(
          out,
          shape,
          ref.map((b, src) => (p.apply[b] ? ref1(src.sample(b), factors[b] as number) : null)),
          `${name} C=${C}`,
        );
        x.dispose();
      }
    });
  }

  test('ColorJitter: all four ops in each sample’s own random order', () => {
    for (const C of [3, 1]) {
      const { x, ref } = images(C, 41 + C);
      const t = new ColorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1, p: 0.8 });
      for (const seed of [1, 2]) {
        const { out, p, shape } = run(t, x, seed, (q) => q.apply.set([1, 1, 0, 1, 1, 1]));
        const ops = [naive.brightness, naive.contrast, naive.saturation, naive.hue];
        const factors = [p.brightness, p.contrast, p.saturation, p.hue];
        const expected = ref.map((b, src) => {
          if (!p.apply[b]) return null;
          let img = src.sample(b);
          for (let s = 0; s < 4; s++) {
            const op = p.order[4 * b + s] as number;
            img = (ops[op] as (i: Batch, f: number) => Batch)(img, (factors[op] as Float64Array)[b] as number);
          }
          return img;
        });
        check(out, shape, expected, `jitter C=${C} seed ${seed}`);
      }
      x.dispose();
    }
  });

  test('RandomGrayscale replicates 0.299 R + 0.587 G + 0.114 B on the selected samples', () => {
    const { x, ref } = images(3, 51);
    const { out, p, shape } = run(new RandomGrayscale({ p: 0.5 }), x, 3, (q) => q.apply.set([0, 1, 1, 0, 1, 0]));
    check(
      out,
      shape,
      ref.map((b, src) => (p.apply[b] ? naive.grayscale(src.sample(b)) : null)),
      'grayscale',
    );
    x.dispose();
  });

  test('GaussianBlur = reflect-padded K×K Gaussian correlation with each sample’s σ', () => {
    for (const [C, K] of [
      [3, 5],
      [1, 7],
      [3, 3],
    ]) {
      const { x, ref } = images(C as number, 61 + (K as number));
      const t = new GaussianBlur({ kernelSize: K as number, sigma: [0.1, 2], p: 0.7 });
      const { out, p, shape } = run(t, x, 4, (q) => q.apply.set([1, 0, 1, 1, 1, 1]));
      const expected = ref.map((b, src) =>
        p.apply[b] ? naive.gaussianBlur(src.sample(b), K as number, p.sigma[b] as number) : null,
      );
      check(out, shape, expected, `blur C=${C} K=${K}`);
      x.dispose();
    }
  });

  test('RandomSolarize inverts pixels ≥ threshold on the selected samples', () => {
    const { x, ref } = images(3, 71);
    const t = new RandomSolarize({ threshold: 0.4, p: 0.5 });
    const { out, p, shape } = run(t, x, 6, (q) => q.apply.set([1, 0, 0, 1, 1, 0]));
    check(
      out,
      shape,
      ref.map((b, src) => (p.apply[b] ? naive.solarize(src.sample(b), 0.4) : null)),
      'solarize',
    );
    x.dispose();
  });

  for (const mode of ['bilinear', 'nearest'] as const) {
    test(`RandomAffine (${mode}) = inverse map about the centre, zeros padding, mask and fill`, () => {
      for (const [C, fill] of [
        [3, [0.2, 0.5, 0.7]],
        [1, [0]],
      ] as [number, number[]][]) {
        const { x, ref } = images(C, 81 + C);
        const t = new RandomAffine({
          degrees: 30,
          translate: [0.2, 0.3],
          scale: [0.7, 1.3],
          fill: C === 3 ? fill : 0,
          interpolation: mode,
        });
        const { out, p, shape } = run(t, x, 7);
        assert.ok(p.tx.some((v) => v !== 0) && p.ty.some((v) => v !== 0), 'some shifts drawn');
        const expected = ref.map((b, src) =>
          naive.affine(
            src.sample(b),
            p.angle[b] as number,
            p.tx[b] as number,
            p.ty[b] as number,
            p.scale[b] as number,
            fill,
            mode,
          ),
        );
        check(out, shape, expected, `affine ${mode} C=${C}`);
        x.dispose();
      }
    });
  }

  test('GaussianNoise adds σ·ε with the ε it drew (and clamps when asked)', () => {
    const { x, ref } = images(3, 91);
    for (const clamp of [false, true]) {
      const t = new GaussianNoise({ sigma: 0.3, clamp });
      tidy(() => {
        const p = t.sample({ batch: B, channels: 3, height: H, width: W }, new Generator(8));
        const eps = p.noise.data() as Float32Array;
        const y = t.applyWith(x, p);
        const expected = ref.data.map((v, i) => {
          const z = v + 0.3 * (eps[i] as number);
          return clamp ? Math.min(1, Math.max(0, z)) : z;
        });
        assertClose(y.data() as Float32Array, expected, TOL, `noise clamp=${clamp}`);
      });
    }
    x.dispose();
  });

  test('Normalize: (x_c − mean_c)/std_c', () => {
    const { x, ref } = images(3, 101);
    const mean = [0.4914, 0.4822, 0.4465];
    const std = [0.2023, 0.1994, 0.201];
    const { out, shape } = run(new Normalize({ mean, std }), x, 0);
    const plane = H * W;
    const expected = ref.data.map((v, i) => {
      const c = Math.floor(i / plane) % 3;
      return (v - (mean[c] as number)) / (std[c] as number);
    });
    assert.deepEqual(shape, [B, 3, H, W]);
    assertClose(out, expected, { rtol: 0, atol: 5e-5 }, 'normalize');
    x.dispose();
  });
});
