/**
 * Feature extraction: the same numbers as one eval-mode forward pass over
 * the whole batch (with the pixel normalization computed here by hand),
 * training flags restored, batch-norm statistics untouched; and the
 * raw-pixel baseline against a plain-TypeScript normalization.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { extractFeatures, rawPixelFeatures } from '../../src/eval/index.ts';
import { ConvNet } from '../../src/nn/index.ts';
import { Generator, noGrad, type Tensor, tensor, tidy } from '../../src/tensor/index.ts';
import { assertClose } from '../helpers/close.ts';
import { Rng } from '../helpers/prng.ts';

/** uint8 N×C×H×W images from the test PRNG, with their host bytes. */
function images(rng: Rng, n: number, c: number, h: number, w: number): { t: Tensor; bytes: Uint8Array } {
  const bytes = Uint8Array.from({ length: n * c * h * w }, () => rng.int(0, 256));
  return { t: tensor(bytes, [n, c, h, w]), bytes };
}

/** (x/255 − mean_c)/std_c by loops, N×C×H×W row-major, float32. */
function normalizeByHand(bytes: Uint8Array, c: number, hw: number, mean: number[], std: number[]): Float32Array {
  return Float32Array.from(bytes, (v, i) => {
    const ch = Math.floor(i / hw) % c;
    return (v / 255 - mean[ch]!) / std[ch]!;
  });
}

test('extractFeatures equals one eval-mode forward over the whole batch and restores the modes', () => {
  const rng = new Rng(21);
  const n = 150;
  const { t: imgs, bytes } = images(rng, n, 1, 28, 28);
  const encoder = new ConvNet({ widths: [8, 16], generator: new Generator(0) });
  // Give batch norm running statistics that differ from batch statistics, so eval mode shows.
  tidy(() => noGrad(() => encoder.forward(tensor(normalizeByHand(bytes, 1, 784, [0.2], [0.5]), [n, 1, 28, 28]))));
  encoder.child('features').child('1').eval(); // mixed modes must come back as they were
  const modesBefore = encoder.namedModules().map(([name, m]) => [name, m.training]);
  const statsBefore = encoder.namedBuffers().map(([name, b]) => [name, b.toArray()]);

  const mean = [0.1307];
  const std = [0.3081];
  const feats = extractFeatures(encoder, imgs, { mean, std, batchSize: 64 }); // 64 + 64 + 22
  assert.deepEqual(feats.shape, [n, 16]);
  assert.equal(feats.dtype, 'float32');
  assert.equal(feats.requiresGrad, false);
  assert.deepEqual(
    encoder.namedModules().map(([name, m]) => [name, m.training]),
    modesBefore,
  );
  assert.deepEqual(
    encoder.namedBuffers().map(([name, b]) => [name, b.toArray()]),
    statsBefore,
    'running statistics untouched',
  );

  encoder.eval();
  const expected = tidy(() =>
    noGrad(() => encoder.forward(tensor(normalizeByHand(bytes, 1, 784, mean, std), [n, 1, 28, 28])).toArray()),
  );
  assertClose(feats.toArray(), expected, { rtol: 1e-5, atol: 1e-6 }, 'features');
  encoder.train();
  const trainMode = tidy(() =>
    noGrad(() => encoder.forward(tensor(normalizeByHand(bytes, 1, 784, mean, std), [n, 1, 28, 28])).toArray()),
  );
  assert.ok(
    trainMode.some((v, i) => Math.abs(v - expected[i]!) > 1e-3),
    'train mode gives other numbers',
  );
  feats.dispose();
  imgs.dispose();
  encoder.dispose();
});

test('restores the modes when the forward pass throws, and checks its input', () => {
  const pooled = new ConvNet({ widths: [4, 4] });
  const tiny = tensor(new Uint8Array(2), [2, 1, 1, 1]); // too small for the 2×2 max-pool
  assert.throws(() => extractFeatures(pooled, tiny, { mean: [0.5], std: [0.5] }));
  assert.equal(pooled.training, true);
  assert.ok(pooled.namedModules().every(([, m]) => m.training));
  pooled.dispose();

  const encoder = new ConvNet({ widths: [4], inChannels: 3 });
  const bad = tensor(new Uint8Array(2 * 1 * 8 * 8), [2, 1, 8, 8]);
  assert.throws(
    () => extractFeatures(encoder, bad, { mean: [0.5], std: [0.5] }),
    /encoder takes 3-channel images, got 1/,
  );
  assert.equal(encoder.training, true);
  const imgs = tensor(new Uint8Array(2 * 3 * 8 * 8), [2, 3, 8, 8]);
  assert.throws(() => extractFeatures(encoder, imgs, { mean: [0.5, 0.5], std: [0.5] }), /mean must list 1 or 3 values/);
  assert.throws(() => extractFeatures(encoder, imgs, { mean: [0.5], std: [0] }), /std values must be finite and > 0/);
  assert.throws(() => extractFeatures(encoder, imgs.float(), { mean: [0.5], std: [1] }), /images must be uint8/);
  encoder.dispose();
});

test('rawPixelFeatures: per-channel normalized pixels flattened in C×H×W order', () => {
  const rng = new Rng(22);
  const { t: imgs, bytes } = images(rng, 5, 3, 4, 6);
  const mean = [0.4914, 0.4822, 0.4465];
  const std = [0.247, 0.243, 0.261];
  const x = rawPixelFeatures(imgs, { mean, std });
  assert.deepEqual(x.shape, [5, 72]);
  assertClose(x.toArray(), normalizeByHand(bytes, 3, 24, mean, std), { rtol: 1e-5, atol: 1e-5 }, 'pixels');
  x.dispose();
  imgs.dispose();
});
