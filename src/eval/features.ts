/**
 * Features of a frozen encoder (and the raw-pixel baseline) for the probes:
 * batched, without autograd, with memory bounded by one batch of activations
 * plus the N×d result.
 */

import { normalizeImages } from '../data/normalize-images.ts';
import type { ImageEncoder } from '../nn/index.ts';
import { cat, noGrad, type Tensor, tidy, zeros } from '../tensor/index.ts';
import { checkFiniteFeatures } from './finite.ts';
import type { EvalProgress } from './progress.ts';

export interface PixelNormalization {
  /** Per-channel mean of pixel values in [0, 1] (one value, or one per channel). */
  mean: number[];
  /** Per-channel standard deviation, > 0 (one value, or one per channel). */
  std: number[];
}

export interface FeatureOptions extends PixelNormalization {
  /**
   * Images per forward pass, and so per progress event. Default 128: a batch of the 512-d ConvNet on 28×28
   * takes about 0.3 s on a loaded 2-core machine, one of ResNet-18 on 32×32 about 15 times that.
   */
  batchSize?: number;
  /** A 'features' event after every batch (done and total images). */
  onProgress?: (e: EvalProgress) => void;
}

/**
 * f(x) for every image: N×featureDim float32 features of uint8 N×C×H×W
 * `images`, normalized per channel as (x/255 − mean)/std. The encoder runs
 * in eval mode (BatchNorm uses its running statistics, as it would at test
 * time) under noGrad, `batchSize` images at a time; every module's training
 * flag is restored afterwards, even on error. No images give a 0×featureDim
 * tensor. Features that are not finite (an encoder whose weights went NaN)
 * are an error (NonFiniteFeaturesError), raised at the first batch holding one.
 */
export function extractFeatures(encoder: ImageEncoder, images: Tensor, o: FeatureOptions): Tensor {
  const c = checkImages(images, 'extractFeatures');
  if (c !== encoder.inChannels)
    throw new Error(`extractFeatures: the encoder takes ${encoder.inChannels}-channel images, got ${c} channels`);
  checkNormalization(o, c, 'extractFeatures');
  const modes = encoder.namedModules().map(([, m]) => [m, m.training] as const);
  const batchSize = o.batchSize ?? 128;
  checkBatchSize(batchSize, 'extractFeatures');
  // Pooling layers cannot run on an empty batch, and there is nothing to compute.
  if (images.size(0) === 0) return zeros([0, encoder.featureDim]);
  encoder.eval();
  try {
    return noGrad(() =>
      batched(
        images,
        batchSize,
        'extractFeatures',
        (x, start) => {
          const f = encoder.forward(normalizeImages(x, o.mean, o.std)).float();
          checkFiniteFeatures(f, 'extractFeatures', 'features', `images (${start}–${start + x.size(0) - 1})`);
          return f;
        },
        o.onProgress,
      ),
    );
  } finally {
    for (const [m, training] of modes) m.training = training;
  }
}

/**
 * The raw-pixel baseline: each image's normalized pixels (x/255 − mean)/std,
 * flattened in C×H×W order, as an N×(C·H·W) float32 tensor. A linear probe on
 * these is the floor an encoder's features must beat.
 */
export function rawPixelFeatures(
  images: Tensor,
  o: PixelNormalization & { onProgress?: (e: EvalProgress) => void },
): Tensor {
  const c = checkImages(images, 'rawPixelFeatures');
  checkNormalization(o, c, 'rawPixelFeatures');
  return batched(
    images,
    4096,
    'rawPixelFeatures',
    (x) => normalizeImages(x, o.mean, o.std).contiguous().flatten(1),
    o.onProgress,
  );
}

function checkBatchSize(batchSize: number, fn: string): void {
  if (!(Number.isInteger(batchSize) && batchSize >= 1))
    throw new Error(`${fn}: batchSize must be a positive integer, got ${batchSize}`);
}

/** fn on consecutive batches of `images` (with the index of their first row), each in its own scope, concatenated once at the end. */
function batched(
  images: Tensor,
  batchSize: number,
  fn: string,
  f: (x: Tensor, start: number) => Tensor,
  onProgress?: (e: EvalProgress) => void,
): Tensor {
  checkBatchSize(batchSize, fn);
  const n = images.size(0);
  const parts: Tensor[] = [];
  try {
    for (let i = 0; i < n; i += batchSize) {
      const len = Math.min(batchSize, n - i);
      parts.push(tidy(() => f(images.narrow(0, i, len), i)));
      onProgress?.({ phase: 'features', done: i + len, total: n });
    }
    if (parts.length === 0) return tidy(() => f(images, 0)); // N = 0: an empty N×d tensor of the right d
    return parts.length === 1 ? (parts.pop() as Tensor) : cat(parts);
  } finally {
    for (const p of parts) p.dispose();
  }
}

function checkImages(images: Tensor, fn: string): number {
  if (images.ndim !== 4) throw new Error(`${fn}: images must be N×C×H×W, got shape [${images.shape}]`);
  if (images.dtype !== 'uint8') throw new Error(`${fn}: images must be uint8, got ${images.dtype}`);
  return images.size(1);
}

function checkNormalization(o: PixelNormalization, c: number, fn: string): void {
  for (const [field, values] of [
    ['mean', o.mean],
    ['std', o.std],
  ] as const) {
    if (!Array.isArray(values) || (values.length !== 1 && values.length !== c))
      throw new Error(`${fn}: ${field} must list 1 or ${c} values, got ${JSON.stringify(values)}`);
    if (!values.every((v) => Number.isFinite(v) && (field === 'mean' || v > 0)))
      throw new Error(`${fn}: ${field} values must be finite${field === 'std' ? ' and > 0' : ''}, got [${values}]`);
  }
}
