/** Batched, seeded augmentations on float32 B×C×H×W images in [0, 1]. */
export * from './color-jitter.ts';
export { adjustBrightness, adjustContrast, adjustHue, adjustSaturation, GRAY_WEIGHTS, gray } from './color-ops.ts';
export { deriveSeed } from './derive-seed.ts';
export * from './gaussian-blur.ts';
export * from './gaussian-noise.ts';
export * from './grayscale.ts';
export * from './horizontal-flip.ts';
export * from './normalize.ts';
export * from './pipeline.ts';
export { batchSeed, orderSeed, prepareViews } from './prepare-views.ts';
export * from './presets.ts';
export * from './random-affine.ts';
export * from './random-resized-crop.ts';
export * from './registry.ts';
export * from './solarize.ts';
export * from './transform.ts';
export { type ViewBatch, ViewLoader, type ViewLoaderOptions } from './view-loader.ts';
