/** Bad options fail at construction with a RangeError naming the transform, the option and the expected range. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  applyTransform,
  ColorJitter,
  GaussianBlur,
  GaussianNoise,
  Normalize,
  RandomAffine,
  RandomGrayscale,
  RandomHorizontalFlip,
  RandomResizedCrop,
  RandomSolarize,
  transformFromSpec,
} from '../../src/augment/index.ts';
import { Generator, tidy, zeros } from '../../src/tensor/index.ts';

type Make = () => unknown;
const bad: [string, Make, RegExp][] = [
  [
    'crop size 0',
    () => new RandomResizedCrop({ size: 0 }),
    /RandomResizedCrop: option size must be a positive integer/,
  ],
  ['crop size 2.5', () => new RandomResizedCrop({ size: [2.5, 3] as [number, number] }), /option size/],
  ['crop no size', () => new RandomResizedCrop({} as never), /option size/],
  [
    'crop scale > 1',
    () => new RandomResizedCrop({ size: 8, scale: [0.5, 1.2] }),
    /option scale must be \[lo, hi\] with 0 < lo ≤ hi ≤ 1, got \[0.5,1.2\]/,
  ],
  ['crop scale 0', () => new RandomResizedCrop({ size: 8, scale: [0, 1] }), /option scale/],
  ['crop scale reversed', () => new RandomResizedCrop({ size: 8, scale: [0.9, 0.5] }), /option scale/],
  [
    'crop ratio',
    () => new RandomResizedCrop({ size: 8, ratio: [-1, 2] }),
    /RandomResizedCrop: option ratio must be \[lo, hi\] with 0 < lo/,
  ],
  [
    'crop unknown option',
    () => new RandomResizedCrop({ size: 8, scales: [0.2, 1] } as never),
    /RandomResizedCrop: unknown option scales/,
  ],
  [
    'flip p',
    () => new RandomHorizontalFlip({ p: 1.5 }),
    /RandomHorizontalFlip: option p must be a probability in \[0, 1\], got 1.5/,
  ],
  ['flip p NaN', () => new RandomHorizontalFlip({ p: Number.NaN }), /option p/],
  [
    'jitter brightness < 0',
    () => new ColorJitter({ brightness: -0.1 }),
    /ColorJitter: option brightness must be a number ≥ 0/,
  ],
  [
    'jitter contrast pair',
    () => new ColorJitter({ contrast: [-1, 1] }),
    /ColorJitter: option contrast must be \[lo, hi\] with 0 ≤ lo/,
  ],
  ['jitter hue 0.6', () => new ColorJitter({ hue: 0.6 }), /ColorJitter: option hue must be a number in \[0, 0.5\]/],
  ['jitter hue pair', () => new ColorJitter({ hue: [-0.6, 0] }), /option hue must be \[lo, hi\] with -0.5 ≤ lo/],
  ['jitter p', () => new ColorJitter({ p: -0.1 }), /ColorJitter: option p must be a probability/],
  ['jitter string', () => new ColorJitter({ saturation: '0.4' as never }), /option saturation.*got '0.4'/],
  ['grayscale p', () => new RandomGrayscale({ p: 2 }), /RandomGrayscale: option p/],
  [
    'blur even kernel',
    () => new GaussianBlur({ kernelSize: 4 }),
    /GaussianBlur: option kernelSize must be an odd positive integer, got 4/,
  ],
  [
    'blur sigma 0',
    () => new GaussianBlur({ kernelSize: 3, sigma: 0 }),
    /GaussianBlur: option sigma must be a number > 0/,
  ],
  [
    'blur sigma pair',
    () => new GaussianBlur({ kernelSize: 3, sigma: [0, 1] }),
    /option sigma must be \[lo, hi\] with 0 < lo/,
  ],
  [
    'solarize threshold',
    () => new RandomSolarize({ threshold: 1.5 }),
    /RandomSolarize: option threshold must be a number in \[0, 1\]/,
  ],
  [
    'affine degrees',
    () => new RandomAffine({ degrees: -10 }),
    /RandomAffine: option degrees must be a number in \[0, 360\]/,
  ],
  [
    'affine translate',
    () => new RandomAffine({ translate: [0.1, 1.5] }),
    /RandomAffine: option translate must be a number in \[0, 1\] or a pair/,
  ],
  ['affine scale', () => new RandomAffine({ scale: [0, 1] }), /RandomAffine: option scale/],
  [
    'affine interpolation',
    () => new RandomAffine({ interpolation: 'bicubic' as never }),
    /option interpolation must be one of bilinear, nearest, got 'bicubic'/,
  ],
  ['noise sigma', () => new GaussianNoise({ sigma: -1 }), /GaussianNoise: option sigma must be a number ≥ 0, got -1/],
  [
    'noise clamp',
    () => new GaussianNoise({ sigma: 1, clamp: 1 as never }),
    /GaussianNoise: option clamp must be true or false/,
  ],
  [
    'normalize std 0',
    () => new Normalize({ mean: [0.5], std: [0] }),
    /Normalize: option std must be a non-empty list of numbers > 0/,
  ],
  [
    'normalize lengths',
    () => new Normalize({ mean: [0.5, 0.5], std: [1] }),
    /Normalize: options mean and std must have the same length/,
  ],
  [
    'spec with bad option',
    () => transformFromSpec({ kind: 'randomHorizontalFlip', p: 3 }),
    /RandomHorizontalFlip: option p/,
  ],
];

describe('bad options', () => {
  for (const [name, make, message] of bad) {
    test(name, () => {
      assert.throws(make, (e: unknown) => {
        assert.ok(e instanceof RangeError, `${name}: ${String(e)} is not a RangeError`);
        assert.match(e.message, message);
        return true;
      });
    });
  }

  test('images that do not fit the transform are rejected with the reason', () => {
    tidy(() => {
      const g = new Generator(0);
      assert.throws(
        () => applyTransform(new ColorJitter({ hue: 0.1 }), zeros([2, 2, 5, 5]), g),
        /ColorJitter: images must have 1 or 3 channels, got 2/,
      );
      assert.throws(
        () => applyTransform(new GaussianBlur({ kernelSize: 9 }), zeros([2, 3, 4, 4]), g),
        /GaussianBlur: reflect padding/,
      );
      assert.throws(
        () => applyTransform(new Normalize({ mean: [0, 0], std: [1, 1] }), zeros([2, 3, 4, 4]), g),
        /Normalize: 2 means/,
      );
      assert.throws(() => applyTransform(new RandomHorizontalFlip(), zeros([2, 4, 4]), g), /float32 B×C×H×W/);
      const crop = new RandomResizedCrop({ size: 4 });
      const p = crop.sample({ batch: 3, channels: 1, height: 8, width: 8 }, g);
      assert.throws(() => crop.applyWith(zeros([2, 1, 8, 8]), p), /drawn for 3 samples, the batch has 2/);
      p.top[0] = 7;
      assert.throws(() => crop.applyWith(zeros([3, 1, 8, 8]), p), /crop 0 .* outside the 8×8 image/);
    });
  });
});
