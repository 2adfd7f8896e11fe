/** Datasets and loaders. */

export {
  checkedDataset,
  checkImageSide,
  checkLabeledDataset,
  disposeDataset,
  imageShape,
  MIN_IMAGE_SIDE,
  type SplitSources,
} from './check-dataset.ts';
export {
  CIFAR10_CLASSES,
  CIFAR100_COARSE_CLASSES,
  CIFAR100_FINE_CLASSES,
  type Cifar100Options,
  cifar10,
  cifar100,
  cifarDownloadHint,
} from './cifar.ts';
export type { ImageSet, ImageSplit, LabeledDataset, LoadProgress, UnlabeledDataset } from './dataset.ts';
export { describeSplit, type SplitDescription } from './describe.ts';
export {
  type DomainShiftKind,
  type DomainShiftOptions,
  domainPair,
  domainShift,
  invertImages,
  proceduralTextures,
  rotateImages,
  type TextureOptions,
  textureBackground,
  tintImages,
} from './domain-shift.ts';
export {
  type DomainUnion,
  domainMember,
  formatShiftSpec,
  formatUnionSpec,
  isDomainUnion,
  parseNumber,
  parseOptionList,
  parseShiftSpec,
  parseUnionSpec,
  resolveShiftSpec,
  SHIFT_DEFAULTS,
  SHIFT_KINDS,
  type ShiftSpec,
  shiftDataset,
  splitSpec,
  type UnionDomains,
  type UnionSpec,
  unionDatasets,
} from './domain-spec.ts';
export { FASHION_MNIST_CLASSES, FASHION_MNIST_DEFAULT_DIR, fashionMnist } from './fashion-mnist.ts';
export { type IdxArray, readIdx } from './idx.ts';
export { type DecodeOptions, type ImageFolderOptions, imageFolder, unlabeledFolder } from './image-folder.ts';
export { type LabeledSubsetOptions, labeledSubset } from './labeled-subset.ts';
export {
  imbalanceRatio,
  type LongTailCountOptions,
  type LongTailMaxOptions,
  type LongTailProfile,
  type LongTailSubset,
  type LongTailSubsetOptions,
  longTailCounts,
  longTailCountsFromMax,
  longTailSubset,
  longTailWeights,
  relativeGap,
} from './long-tail.ts';
export { type IdxFiles, loadIdxDataset, loadIdxSplit, mnist } from './mnist.ts';
export { type Normalization, normalizationStats } from './normalization.ts';
export { normalizeImages } from './normalize-images.ts';
export { DATASET_FORMS, DATASET_NAMES, type LoadDatasetOptions, loadDataset } from './registry.ts';
export {
  type BuiltInGrouping,
  DEFAULT_GROUPINGS,
  defaultGroupingKey,
  formatSubpopSpec,
  parseSubpopSpec,
  resolveSubpopGrouping,
  SUBPOP_PARTS,
  type SubpopGrouping,
  type SubpopOptions,
  type SubpopPart,
  type SubpopSpec,
  type SubpopulationDataset,
  type SubpopulationUnion,
  subpopulationDataset,
} from './subpopulation.ts';
export { classCounts, drawPerClass, indicesByClass, subsetOf } from './subset.ts';
export {
  type ArraysSource,
  fromArrays,
  type ImagesInput,
  type LabeledArraysSource,
  type LabelsInput,
  labeledDataset,
} from './tensor-source.ts';
export {
  type RareClassDataset,
  type RareProbeOptions,
  type ResolvedTwoPartOptions,
  rareOnlyDataset,
  rareProbeSet,
  resolveTwoPartOptions,
  type TwoPartDataset,
  type TwoPartOptions,
  type TwoPartSelection,
  type TwoPartSources,
  twoPartDataset,
  twoPartSelection,
} from './two-part.ts';
export {
  formatClassList,
  formatTwoPartSpec,
  isTwoPartSpec,
  parseTwoPartSpec,
  TWO_PART_KINDS,
  type TwoPartKind,
  type TwoPartSpec,
} from './two-part-spec.ts';
