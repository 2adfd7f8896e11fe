/**
 * Fashion-MNIST (Xiao, Rasul, Vollgraf 2017): 28×28 greyscale images of 10
 * kinds of clothing, 60,000 for training and 10,000 for test, in the IDX
 * format of MNIST. Debian ships it as `dataset-fashion-mnist`.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { LabeledDataset } from './dataset.ts';
import { loadIdxDataset } from './mnist.ts';

/** Where the Debian package `dataset-fashion-mnist` installs the files. */
export const FASHION_MNIST_DEFAULT_DIR = '/usr/share/datasets/fashion-mnist';

/** Class names of Fashion-MNIST, index = label (the order of the official README). */
export const FASHION_MNIST_CLASSES: readonly string[] = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

const FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** How to get the files, with the names the loader looks for. */
function howToGet(): string {
  const names = Object.values(FILES)
    .map((f) => `${f}.gz`)
    .join(', ');
  return (
    'Install it with `sudo apt-get install dataset-fashion-mnist` (Debian/Ubuntu; files go to ' +
    `${FASHION_MNIST_DEFAULT_DIR}), or download the four files ${names} from the official Fashion-MNIST page ` +
    '(https://github.com/zalandoresearch/fashion-mnist) into a folder and set SPECL_FASHION_MNIST to it or pass ' +
    'the folder. Un-gzipped files with the same names without `.gz` are accepted too.'
  );
}

/** The path of `base` in `dir`, gzipped (`base.gz`, as shipped) or not. */
function findIdx(dir: string, base: string): string {
  for (const name of [`${base}.gz`, base]) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  throw new Error(`Fashion-MNIST: ${join(dir, `${base}.gz`)} not found (nor ${base}). ${howToGet()}`);
}

/**
 * Loads Fashion-MNIST: uint8 N×1×28×28 images, int64 labels 0–9 with the
 * official 60,000/10,000 split.
 *
 * @param dir folder holding `train-images-idx3-ubyte.gz`, `train-labels-idx1-ubyte.gz`,
 *   `t10k-images-idx3-ubyte.gz`, `t10k-labels-idx1-ubyte.gz` (or the same names un-gzipped);
 *   default `$SPECL_FASHION_MNIST`, else `/usr/share/datasets/fashion-mnist`.
 */
export function fashionMnist(dir = process.env.SPECL_FASHION_MNIST ?? FASHION_MNIST_DEFAULT_DIR): LabeledDataset {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new Error(`Fashion-MNIST: folder ${dir} not found. ${howToGet()}`);
  const paths = {
    trainImages: findIdx(dir, FILES.trainImages),
    trainLabels: findIdx(dir, FILES.trainLabels),
    testImages: findIdx(dir, FILES.testImages),
    testLabels: findIdx(dir, FILES.testLabels),
  };
  return loadIdxDataset('fashion-mnist', [...FASHION_MNIST_CLASSES], paths);
}
