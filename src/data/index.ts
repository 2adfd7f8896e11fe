/** Datasets and loaders. */
export { type IdxArray, readIdx } from './idx.ts';
export { type ImageSplit, type LabeledDataset, loadIdxSplit, mnist } from './mnist.ts';
