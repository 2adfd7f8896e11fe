/** Every augmentation at zero strength returns its input (exactly, or to float rounding). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  applyTransform,
  ColorJitter,
  GaussianBlur,
  GaussianNoise,
  RandomAffine,
  RandomGrayscale,
  RandomHorizontalFlip,
  RandomResizedCrop,
  RandomSolarize,
  type Transform,
} from '../../src/augment/index.ts';
import { Generator, tensor, tidy } from '../../src/tensor/index.ts';
import { assertClose } from '../helpers/close.ts';
import { Rng } from '../helpers/prng.ts';

const [B, C, H, W] = [6, 3, 7, 9];
const rng = new Rng(3);
const input = Float32Array.from({ length: B * C * H * W }, () => rng.uniform());

const cases: [string, () => Transform, number][] = [
  [
    'RandomResizedCrop scale [1, 1], ratio W/H',
    () => new RandomResizedCrop({ size: [H, W], scale: [1, 1], ratio: [W / H, W / H] }),
    1e-6,
  ],
  ['RandomHorizontalFlip p = 0', () => new RandomHorizontalFlip({ p: 0 }), 0],
  ['ColorJitter all zero', () => new ColorJitter({ brightness: 0, contrast: 0, saturation: 0, hue: 0 }), 0],
  ['ColorJitter p = 0', () => new ColorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1, p: 0 }), 0],
  [
    'ColorJitter factors [1, 1], hue [0, 0] given as ranges',
    () => new ColorJitter({ brightness: [1, 1], hue: [0, 0] }),
    0,
  ],
  ['RandomGrayscale p = 0', () => new RandomGrayscale({ p: 0 }), 0],
  ['GaussianBlur p = 0', () => new GaussianBlur({ kernelSize: 5, p: 0 }), 0],
  ['RandomSolarize p = 0', () => new RandomSolarize({ p: 0 }), 0],
  ['RandomAffine all zero', () => new RandomAffine({}), 1e-6],
  ['GaussianNoise σ = 0', () => new GaussianNoise({ sigma: 0 }), 0],
];

describe('identity at zero strength', () => {
  for (const [name, make, atol] of cases) {
    test(name, () => {
      tidy(() => {
        const x = tensor(input, [B, C, H, W]);
        const y = applyTransform(make(), x, new Generator(5));
        assert.deepEqual(y.shape, [B, C, H, W]);
        assert.equal(y.dtype, 'float32');
        if (atol === 0) assert.deepEqual(y.data(), input, `${name}: not the input`);
        else assertClose(y.data() as Float32Array, input, { rtol: 0, atol }, name);
        assert.deepEqual(x.data(), input, `${name}: input modified`);
      });
    });
  }

  test('a result never aliases its input (writing to it leaves the input alone)', () => {
    tidy(() => {
      for (const [, make] of cases) {
        const x = tensor(input, [B, C, H, W]);
        applyTransform(make(), x, new Generator(1)).fill_(7);
        assert.deepEqual(x.data(), input);
      }
    });
  });
});
