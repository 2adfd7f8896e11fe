/**
 * The one shape every dataset has in specl: images as a uint8 N×C×H×W tensor
 * (values 0–255, channels first), int64 labels where they are known, class
 * names, and a train/test split.
 */
import type { Tensor } from '../tensor/index.ts';

/** Images without labels (an unlabeled folder, or the input of pretraining). */
export interface ImageSet {
  /** uint8 N×C×H×W, values 0–255. */
  images: Tensor;
}

/** Images with one int64 label per image, each in 0…classes.length−1. */
export interface ImageSplit extends ImageSet {
  /** int64 N. */
  labels: Tensor;
}

/** A labeled dataset with its official (or user-given) train/test split. */
export interface LabeledDataset {
  /** Short name: `mnist`, `fashion-mnist`, `cifar10`, `cifar100`, or the folder's name. */
  name: string;
  /** Class names, index = label. */
  classes: string[];
  train: ImageSplit;
  test: ImageSplit;
}

/** An unlabeled dataset: one set of images. */
export interface UnlabeledDataset {
  name: string;
  train: ImageSet;
}

/** How far a dataset has loaded: images read (or decoded) so far of the total. */
export interface LoadProgress {
  done: number;
  total: number;
}
