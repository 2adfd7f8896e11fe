/**
 * Features of a frozen encoder (and the raw-pixel baseline) for the probes:
 * batched, without autograd, with memory bounded by one batch of activations
 * plus the N×d result.
 */

import { normalizeImages } from '../data/normalize-images.ts';
import type { ImageEncoder } from '../nn/index.ts';
import { cat, noGrad, type Tensor, tidy } from '../tensor/index.ts';
import type { EvalProgress } from './progress.ts';

export interface PixelNormalization {
  /** Per-channel mean of pixel values in [0, 1] (one value, or one per channel). */
  mean: number[];
  /** Per-channel standard deviation, > 0 (one value, or one per channel). */
  std: number[];
}

export interface FeatureOptions extends PixelNormalization {
  /** Images per forward pass. Default 512. */
  batchSize?: number;
  /** A 'features' event after every batch (done and total images). */
  onProgress?: (e: EvalProgress) => void;
}

/**
 * f(x) for every image: N×featureDim float32 features of uint8 N×C×H×W
 * `images`, normalized per channel as (x/255 − mean)/std. The encoder runs
 * in eval mode (BatchNorm uses its running statistics, as it would at test
 * time) under noGrad, `batchSize` images at a time; every module's training
 * flag is restored afterwards, even on error.
 */
export function extractFeatures(encoder: ImageEncoder, images: Tensor, o: FeatureOptions): Tensor {
  const c = checkImages(images, 'extractFeatures');
  if (c !== encoder.inChannels)
    throw new Error(`extractFeatures: the encoder takes ${encoder.inChannels}-channel images, got ${c} channels`);
  checkNormalization(o, c, 'extractFeatures');
  const modes = encoder.namedModules().map(([, m]) => [m, m.training] as const);
  encoder.eval();
  try {
    return noGrad(() =>
      batched(
        images,
        o.batchSize ?? 512,
        'extractFeatures',
        (x) => encoder.forward(normalizeImages(x, o.mean, o.std)).float(),
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

/** fn on consecutive batches of `images`, each in its own scope, concatenated once at the end. */
function batched(
  images: Tensor,
  batchSize: number,
  fn: string,
  f: (x: Tensor) => Tensor,
  onProgress?: (e: EvalProgress) => void,
): Tensor {
  if (!(Number.isInteger(batchSize) && batchSize >= 1))
    throw new Error(`${fn}: batchSize must be a positive integer, got ${batchSize}`);
  const n = images.size(0);
  const parts: Tensor[] = [];
  try {
    for (let i = 0; i < n; i += batchSize) {
      const len = Math.min(batchSize, n - i);
      parts.push(tidy(() => f(images.narrow(0, i, len))));
      onProgress?.({ phase: 'features', done: i + len, total: n });
    }
    if (parts.length === 0) return tidy(() => f(images)); // N = 0: an empty N×d tensor of the right d
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
