/**
 * The checks every labeled dataset passes when it is loaded, whatever its
 * format: both splits hold images, the images are big enough to crop, train
 * and test images have one shape, and every image has one label in range.
 * Loaders call them with the file or folder each split came from, so a bad
 * dataset is refused at load time, before any training, with the path, what
 * was found and what is needed.
 */
import { type Tensor, tidy } from '../tensor/index.ts';
import type { ImageSplit, LabeledDataset } from './dataset.ts';

/**
 * The smallest height and width a dataset's images may have: a crop of a
 * 1×1 image is the image itself, so an augmentation cannot make two views of
 * it differ (and every encoder's pooling needs more).
 */
export const MIN_IMAGE_SIDE = 2;

/** Where each split of a dataset came from (a file or folder), for the messages. */
export interface SplitSources {
  train: string;
  test: string;
}

/** "1×28×28": channels × height × width of an N×C×H×W shape. */
export function imageShape(images: Tensor): string {
  return images.shape.slice(1).join('×');
}

/**
 * Throws unless images are at least `minSide`×`minSide` pixels: N×C×H×W
 * `images`, or their [height, width]. `where` (a file or folder) starts the
 * message; `why` says what needs the size.
 */
export function checkImageSide(
  images: Tensor | readonly [number, number],
  where: string,
  minSide = MIN_IMAGE_SIDE,
  why?: string,
): void {
  const [h, w] = Array.isArray(images) ? images : ((images as Tensor).shape.slice(2) as [number, number]);
  if (h >= minSide && w >= minSide) return;
  const reason =
    why ?? (minSide === MIN_IMAGE_SIDE ? 'an augmentation cannot crop anything out of a 1×1 image' : undefined);
  throw new Error(
    `${where}: images are ${h}×${w} (height×width): expected at least ${minSide}×${minSide} pixels` +
      (reason ? ` (${reason})` : ''),
  );
}

function checkSplit(split: ImageSplit, which: 'training' | 'test', where: string, numClasses: number): void {
  const { images, labels } = split;
  if (images.ndim !== 4) throw new Error(`${where}: ${which} images must be N×C×H×W, got shape [${images.shape}]`);
  const n = images.size(0);
  if (labels.ndim !== 1 || labels.size(0) !== n)
    throw new Error(`${where}: ${which} split has ${n} images but labels of shape [${labels.shape}]`);
  if (n === 0) {
    throw new Error(
      which === 'training'
        ? `${where}: the training split is empty: expected at least one image`
        : `${where}: the test split is empty: the linear probe and the kNN score on it, so it needs at least one image`,
    );
  }
  const [lo, hi] = tidy(() => [labels.min().item(), labels.max().item()]);
  if (lo < 0 || hi >= numClasses)
    throw new Error(
      `${where}: ${which} label ${lo < 0 ? lo : hi} is out of range 0…${numClasses - 1} (${numClasses} classes)`,
    );
}

/**
 * Checks a labeled dataset as it is loaded: both splits hold at least one
 * image, each image has one label in 0…classes.length−1, images are at least
 * MIN_IMAGE_SIDE pixels high and wide, and test images have the channels ×
 * height × width of the training images. Each message begins with the file
 * or folder in `from` the bad split came from. Returns `data`.
 */
export function checkLabeledDataset(data: LabeledDataset, from: SplitSources): LabeledDataset {
  const k = data.classes.length;
  checkSplit(data.train, 'training', from.train, k);
  checkSplit(data.test, 'test', from.test, k);
  checkImageSide(data.train.images, from.train);
  const trainShape = imageShape(data.train.images);
  const testShape = imageShape(data.test.images);
  if (testShape !== trainShape) {
    throw new Error(
      `${from.test}: test images are ${testShape} (channels×height×width), but the training images in ` +
        `${from.train} are ${trainShape}: both splits need the same shape`,
    );
  }
  return data;
}

/** Frees every tensor of a dataset. */
export function disposeDataset(data: LabeledDataset): void {
  for (const s of [data.train, data.test]) for (const t of [s.images, s.labels]) t.dispose();
}

/** checkLabeledDataset, freeing `data` when it fails (for loaders that own what they loaded). */
export function checkedDataset(data: LabeledDataset, from: SplitSources): LabeledDataset {
  try {
    return checkLabeledDataset(data, from);
  } catch (e) {
    disposeDataset(data);
    throw e;
  }
}
