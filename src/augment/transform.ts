/**
 * What every augmentation is: a batched, seeded map on float images.
 *
 * An augmentation draws per-sample random parameters from a seeded
 * `Generator` (`sample`), then applies them to the whole batch at once
 * (`applyWith`). Keeping the two apart lets tests check the parameter
 * statistics and compare the batched result with a per-image reference on the
 * very same parameters. Each transform is built from plain JSON options and
 * exposes them as `spec`, so a pipeline can be rebuilt in a worker thread.
 */
import type { Generator, Tensor } from '../tensor/index.ts';

/** JSON description of a transform: its kind plus its options. */
export interface TransformSpec {
  kind: string;
  [option: string]: unknown;
}

/** Shape of the batch a transform is about to see. */
export interface BatchShape {
  batch: number;
  channels: number;
  height: number;
  width: number;
}

/**
 * A batched augmentation on float32 B×C×H×W images in [0, 1] (C = 1 or 3).
 * `P` holds the per-sample random parameters (tensors or host arrays, one entry per sample).
 */
export interface Transform<P = unknown> {
  /** JSON options this transform was built from (`transformFromSpec(t.spec)` rebuilds it). */
  readonly spec: TransformSpec;
  /** Draws one set of random parameters per sample from `g`. */
  sample(shape: BatchShape, g: Generator): P;
  /** Applies the parameters to the batch; returns a new tensor and leaves `x` untouched. */
  applyWith(x: Tensor, params: P): Tensor;
}

/** `t.applyWith(x, t.sample(shape(x), g))`. */
export function applyTransform<P>(t: Transform<P>, x: Tensor, g: Generator): Tensor {
  const [batch, channels, height, width] = x.shape as [number, number, number, number];
  return t.applyWith(x, t.sample({ batch, channels, height, width }, g));
}
