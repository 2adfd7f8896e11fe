/**
 * The views of one batch, computed the same way inline and in the loader's
 * worker thread: the batch's generator is seeded from (run seed, epoch, batch)
 * only, and the views are drawn one after the other from it.
 */
import { Generator, type Tensor } from '../tensor/index.ts';
import { deriveSeed } from './derive-seed.ts';
import type { Pipeline } from './pipeline.ts';

/** Seed of the shuffling permutation of `epoch`. */
export const orderSeed = (seed: number, epoch: number): number => deriveSeed(seed, 0, epoch);
/** Seed of the augmentation draws of batch `index` of `epoch`. */
export const batchSeed = (seed: number, epoch: number, index: number): number => deriveSeed(seed, 1, epoch, index);

/** `count` augmented views (float32) of the uint8 batch `images`. */
export function prepareViews(
  pipeline: Pipeline,
  images: Tensor,
  count: number,
  seed: number,
  epoch: number,
  index: number,
): Tensor[] {
  const g = new Generator(batchSeed(seed, epoch, index));
  return pipeline.views(images, g, count);
}
