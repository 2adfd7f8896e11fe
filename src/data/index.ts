/** Datasets and loaders. */

export type { ImageSet, ImageSplit, LabeledDataset, UnlabeledDataset } from './dataset.ts';
export { type IdxArray, readIdx } from './idx.ts';
export { loadIdxSplit, mnist } from './mnist.ts';
