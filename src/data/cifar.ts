/**
 * CIFAR-10 and CIFAR-100 (Krizhevsky 2009) from their official binary
 * versions ("suitable for C programs", https://www.cs.toronto.edu/~kriz/cifar.html).
 * A record is its label byte(s) then 3072 pixel bytes: the 1024 red, then
 * 1024 green, then 1024 blue values of a 32×32 image, each plane row-major;
 * that is already C×H×W order, so records are copied, never re-ordered.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { tensor } from '../tensor/index.ts';
import { checkedDataset } from './check-dataset.ts';
import type { ImageSplit, LabeledDataset } from './dataset.ts';

const PIXELS = 3 * 32 * 32;

/** The standard CIFAR-10 class names (used when `batches.meta.txt` is absent). */
export const CIFAR10_CLASSES: readonly string[] = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
];

/** The standard CIFAR-100 fine class names (used when `fine_label_names.txt` is absent). */
export const CIFAR100_FINE_CLASSES: readonly string[] = (
  'apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus butterfly camel can castle ' +
  'caterpillar cattle chair chimpanzee clock cloud cockroach couch crab crocodile cup dinosaur dolphin elephant ' +
  'flatfish forest fox girl hamster house kangaroo keyboard lamp lawn_mower leopard lion lizard lobster man ' +
  'maple_tree motorcycle mountain mouse mushroom oak_tree orange orchid otter palm_tree pear pickup_truck pine_tree ' +
  'plain plate poppy porcupine possum rabbit raccoon ray road rocket rose sea seal shark shrew skunk skyscraper snail ' +
  'snake spider squirrel streetcar sunflower sweet_pepper table tank telephone television tiger tractor train trout ' +
  'tulip turtle wardrobe whale willow_tree wolf woman worm'
).split(' ');

/** The standard CIFAR-100 coarse (superclass) names (used when `coarse_label_names.txt` is absent). */
export const CIFAR100_COARSE_CLASSES: readonly string[] = (
  'aquatic_mammals fish flowers food_containers fruit_and_vegetables household_electrical_devices ' +
  'household_furniture insects large_carnivores large_man-made_outdoor_things large_natural_outdoor_scenes ' +
  'large_omnivores_and_herbivores medium_mammals non-insect_invertebrates people reptiles small_mammals trees ' +
  'vehicles_1 vehicles_2'
).split(' ');

interface Layout {
  title: string;
  folder: string;
  archive: string;
  train: string[];
  test: string;
  meta: string[];
}

const CIFAR10: Layout = {
  title: 'CIFAR-10',
  folder: 'cifar-10-batches-bin',
  archive: 'cifar-10-binary.tar.gz',
  train: [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`),
  test: 'test_batch.bin',
  meta: ['batches.meta.txt'],
};

const CIFAR100: Layout = {
  title: 'CIFAR-100',
  folder: 'cifar-100-binary',
  archive: 'cifar-100-binary.tar.gz',
  train: ['train.bin'],
  test: 'test.bin',
  meta: ['coarse_label_names.txt', 'fine_label_names.txt'],
};

/** Where to get a CIFAR binary version and the folder layout the loader expects. */
export function cifarDownloadHint(which: 10 | 100): string {
  const l = which === 10 ? CIFAR10 : CIFAR100;
  const files = [...l.meta, ...(which === 10 ? ['data_batch_1.bin … data_batch_5.bin'] : l.train), l.test];
  return (
    `Download the "${l.title} binary version (suitable for C programs)" from the official page ` +
    `https://www.cs.toronto.edu/~kriz/cifar.html, extract it (tar xzf ${l.archive}), and pass the extracted ` +
    `folder or its parent. Expected layout:\n  ${l.folder}/\n${files.map((f) => `    ${f}`).join('\n')}`
  );
}

const isDir = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();

/** The extracted folder: `dir` itself, or its sub-folder with the official name. */
function resolveFolder(dir: string, l: Layout, which: 10 | 100): string {
  const sub = join(dir, l.folder);
  if (isDir(sub)) return sub;
  if (isDir(dir) && (basename(dir) === l.folder || existsSync(join(dir, l.test)))) return dir;
  const what = isDir(dir) ? `${dir} holds neither ${l.folder}/ nor ${l.test}` : `folder ${dir} not found`;
  throw new Error(`${l.title}: ${what}. ${cifarDownloadHint(which)}`);
}

function requireFile(folder: string, name: string, which: 10 | 100): string {
  const p = join(folder, name);
  if (!existsSync(p)) {
    const l = which === 10 ? CIFAR10 : CIFAR100;
    throw new Error(`${l.title}: ${p} not found. ${cifarDownloadHint(which)}`);
  }
  return p;
}

/** Class names from a names file (one per line, blank lines ignored), or the standard ones if it is absent. */
function readNames(path: string, standard: readonly string[]): string[] {
  if (!existsSync(path)) return [...standard];
  const names = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (names.length !== standard.length)
    throw new Error(`${path}: ${names.length} class names, expected ${standard.length} (one per line)`);
  return names;
}

/**
 * Reads the records of several binary batch files into one uint8 N×3×32×32
 * tensor and one int64 label tensor. Each record holds `labelBytes` label
 * bytes; `labelIndex` picks the one used and `limits[i]` bounds label byte i.
 */
function readBatches(paths: string[], labelBytes: number, labelIndex: number, limits: number[]): ImageSplit {
  const record = labelBytes + PIXELS;
  const buffers = paths.map((p) => {
    const buf = readFileSync(p);
    if (buf.length === 0) throw new Error(`${p}: empty file, expected records of ${record} bytes`);
    if (buf.length % record !== 0) {
      throw new Error(
        `${p}: ${buf.length} bytes is not a whole number of ${record}-byte records ` +
          `(${Math.floor(buf.length / record)} complete records and ${buf.length % record} bytes left over): ` +
          'the file is truncated or not a CIFAR binary batch',
      );
    }
    const n = buf.length / record;
    for (let i = 0; i < n; i++) {
      for (let b = 0; b < labelBytes; b++) {
        const v = buf[i * record + b] as number;
        const limit = limits[b] as number;
        if (v >= limit) {
          const which = labelBytes === 1 ? 'label' : b === 0 ? 'coarse label' : 'fine label';
          throw new Error(`${p}: ${which} ${v} at record ${i} is out of range 0…${limit - 1}`);
        }
      }
    }
    return buf;
  });
  const n = buffers.reduce((s, b) => s + b.length / record, 0);
  const images = new Uint8Array(n * PIXELS);
  const labels = new BigInt64Array(n);
  let k = 0;
  for (const buf of buffers) {
    const m = buf.length / record;
    for (let i = 0; i < m; i++, k++) {
      const at = i * record;
      labels[k] = BigInt(buf[at + labelIndex] as number);
      images.set(buf.subarray(at + labelBytes, at + record), k * PIXELS);
    }
  }
  return { images: tensor(images, [n, 3, 32, 32]), labels: tensor(labels, [n]) };
}

/** Reads train and test, freeing train if test fails. */
function readSplits(train: () => ImageSplit, test: () => ImageSplit): { train: ImageSplit; test: ImageSplit } {
  const tr = train();
  try {
    return { train: tr, test: test() };
  } catch (e) {
    tr.images.dispose();
    tr.labels.dispose();
    throw e;
  }
}

/**
 * CIFAR-10 from the binary version: uint8 N×3×32×32 images (RGB), int64
 * labels 0–9; train = `data_batch_1.bin` … `data_batch_5.bin` (50,000),
 * test = `test_batch.bin` (10,000). Class names from `batches.meta.txt`, or
 * the standard ones if it is absent.
 *
 * @param dir the extracted `cifar-10-batches-bin` folder, or its parent.
 */
export function cifar10(dir: string): LabeledDataset {
  const folder = resolveFolder(dir, CIFAR10, 10);
  const trainPaths = CIFAR10.train.map((f) => requireFile(folder, f, 10));
  const testPath = requireFile(folder, CIFAR10.test, 10);
  const classes = readNames(join(folder, 'batches.meta.txt'), CIFAR10_CLASSES);
  const splits = readSplits(
    () => readBatches(trainPaths, 1, 0, [10]),
    () => readBatches([testPath], 1, 0, [10]),
  );
  return checkedDataset({ name: 'cifar10', classes, ...splits }, { train: folder, test: testPath });
}

/** Options of {@link cifar100}. */
export interface Cifar100Options {
  /** `fine` (100 classes, default) or `coarse` (the 20 superclasses). */
  labels?: 'fine' | 'coarse';
}

/**
 * CIFAR-100 from the binary version: uint8 N×3×32×32 images (RGB), int64
 * labels; train = `train.bin` (50,000), test = `test.bin` (10,000). A record
 * is coarse label byte, fine label byte, 3072 pixel bytes. With
 * `labels: 'coarse'` the dataset is named `cifar100-coarse` and has the 20
 * superclasses. Names from `fine_label_names.txt` / `coarse_label_names.txt`,
 * or the standard ones if absent.
 *
 * @param dir the extracted `cifar-100-binary` folder, or its parent.
 */
export function cifar100(dir: string, opts: Cifar100Options = {}): LabeledDataset {
  const kind = opts.labels ?? 'fine';
  if (kind !== 'fine' && kind !== 'coarse')
    throw new Error(`cifar100: labels must be 'fine' or 'coarse', got '${String(kind)}'`);
  const folder = resolveFolder(dir, CIFAR100, 100);
  const trainPath = requireFile(folder, 'train.bin', 100);
  const testPath = requireFile(folder, 'test.bin', 100);
  const classes =
    kind === 'fine'
      ? readNames(join(folder, 'fine_label_names.txt'), CIFAR100_FINE_CLASSES)
      : readNames(join(folder, 'coarse_label_names.txt'), CIFAR100_COARSE_CLASSES);
  const pick = kind === 'coarse' ? 0 : 1;
  const limits = [CIFAR100_COARSE_CLASSES.length, CIFAR100_FINE_CLASSES.length];
  const splits = readSplits(
    () => readBatches([trainPath], 2, pick, limits),
    () => readBatches([testPath], 2, pick, limits),
  );
  return checkedDataset(
    { name: kind === 'fine' ? 'cifar100' : 'cifar100-coarse', classes, ...splits },
    { train: trainPath, test: testPath },
  );
}
