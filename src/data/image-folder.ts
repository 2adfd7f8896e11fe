/**
 * Datasets from folders of PNG/JPEG files, decoded with sharp (libvips):
 * one sub-folder per class (the layout of torchvision's ImageFolder), with an
 * optional `train/` + `test/` split, or a plain folder of unlabeled images.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import sharp from 'sharp';
import { checked, intAtLeast, listOf, oneOf, unitInterval } from '../options/index.ts';
import { Generator, randperm, type Tensor, tensor, tidy } from '../tensor/index.ts';
import { checkedDataset, checkImageSide, MIN_IMAGE_SIDE } from './check-dataset.ts';
import type { ImageSplit, LabeledDataset, LoadProgress, UnlabeledDataset } from './dataset.ts';

/** How images are decoded. */
export interface DecodeOptions {
  /**
   * Resize every image to [height, width] (sharp `fit: 'fill'`: the aspect ratio is not kept).
   * Default: no resize, and all images must have one size.
   */
  size?: [number, number];
  /** 3 (RGB, default) or 1 (greyscale, ITU-R 601 luma as PIL's `convert('L')`). */
  channels?: 1 | 3;
  /** Called after every decoded image: images done and the total of the folder (both splits). */
  onProgress?: (p: LoadProgress) => void;
}

/** Options of {@link imageFolder}. */
export interface ImageFolderOptions extends DecodeOptions {
  /** Fraction of each class held out for test when the folder has no `train/`+`test/` split (default 0.2). */
  testFraction?: number;
  /** Seed of that random split (default 0). */
  seed?: number;
}

const IMAGE_FILE = /\.(png|jpe?g)$/i;
/** Files decoded at once: enough to keep sharp's threads busy, few enough to bound memory. */
const CONCURRENCY = 8;

const isDir = (p: string): boolean => existsSync(p) && statSync(p).isDirectory();
const visible = (name: string): boolean => !name.startsWith('.');
/** Code-unit order, the order of Python's sorted() that torchvision uses. */
const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const SIZE = listOf(intAtLeast(MIN_IMAGE_SIDE), { min: 2, max: 2 });

/** The decoding options' values, checked before any file is read. */
function checkDecodeOptions(fn: string, opts: DecodeOptions): void {
  if (opts.channels !== undefined) checked(fn, 'channels', oneOf([1, 3]), opts.channels);
  if (opts.size !== undefined) checked(fn, 'size', SIZE, opts.size);
}

function requireDir(dir: string, what: string): void {
  if (!isDir(dir)) throw new Error(`${dir}: ${what} not found (expected a folder)`);
}

/** Sub-folder names of `dir` (hidden ones skipped), sorted. */
function subfolders(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && visible(e.name))
    .map((e) => e.name)
    .sort(byName);
}

/** Image files directly in `dir` (PNG/JPEG by extension, any case; hidden files skipped), sorted, as paths. */
function imageFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => !e.isDirectory() && visible(e.name) && IMAGE_FILE.test(e.name))
    .map((e) => e.name)
    .sort(byName)
    .map((n) => join(dir, n));
}

/** Image files in `dir` and all its (non-hidden) sub-folders, in sorted depth-first order. */
function imageFilesDeep(dir: string): string[] {
  return [...imageFiles(dir), ...subfolders(dir).flatMap((s) => imageFilesDeep(join(dir, s)))];
}

/** Class folders of `dir` with their image files; a class folder without images is an error. */
function classFiles(dir: string): { classes: string[]; files: string[][] } {
  const classes = subfolders(dir);
  if (classes.length === 0)
    throw new Error(`${dir}: no class sub-folders (expected one sub-folder of PNG/JPEG images per class)`);
  const files = classes.map((c) => {
    const f = imageFiles(join(dir, c));
    if (f.length === 0) throw new Error(`${join(dir, c)}: class folder holds no PNG/JPEG images`);
    return f;
  });
  return { classes, files };
}

interface Decoded {
  data: Uint8Array;
  height: number;
  width: number;
}

/** Decodes one file to 8-bit RGB (H×W×3), resized when `size` is given. */
async function decodeRgb(path: string, size: [number, number] | undefined): Promise<Decoded> {
  try {
    let img = sharp(path).removeAlpha().toColourspace('srgb');
    if (size) img = img.resize(size[1], size[0], { fit: 'fill' });
    const { data, info } = await img.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`);
    return { data, height: info.height, width: info.width };
  } catch (e) {
    throw new Error(`${path}: cannot decode image (${(e as Error).message})`);
  }
}

/** `fn` over `items` with at most `limit` calls in flight; results in input order. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Decodes `paths` into one uint8 N×C×H×W tensor. Without `size`, every image
 * must have the size of the first one. Greyscale is ITU-R 601-2 luma,
 * L = (19595·R + 38470·G + 7471·B + 2¹⁵) >> 16, the integer formula of PIL's
 * `convert('L')` (torchvision's Grayscale weights 0.299/0.587/0.114).
 * `like` gives the expected size (and the file that set it) for a second split.
 */
async function decodeAll(
  paths: string[],
  opts: DecodeOptions,
  like?: { height: number; width: number; from: string },
  tick: () => void = counter(opts, paths.length),
): Promise<Tensor> {
  const channels = opts.channels ?? 3;
  const size = opts.size;
  let h = size?.[0] ?? 0;
  let w = size?.[1] ?? 0;
  let first = '';
  let hwc: Uint8Array | null = null;
  // Decoded images are checked and copied as they arrive, in any order, so the reference size must be
  // known first: paths[0] is decoded before the rest.
  const place = (d: Decoded, i: number, path: string): void => {
    if (d.height !== h || d.width !== w) {
      throw new Error(
        `${path}: image is ${d.height}×${d.width} (height×width), expected ${h}×${w} like ${first}; ` +
          'pass size: [height, width] to resize all images',
      );
    }
    const plane = h * w;
    const out = hwc as Uint8Array;
    if (channels === 3) {
      out.set(d.data, i * plane * 3);
    } else {
      const src = d.data;
      const at = i * plane;
      for (let p = 0; p < plane; p++) {
        const r = src[3 * p] as number;
        const g = src[3 * p + 1] as number;
        const b = src[3 * p + 2] as number;
        out[at + p] = (19595 * r + 38470 * g + 7471 * b + 0x8000) >>> 16;
      }
    }
    tick();
  };
  const head = await decodeRgb(paths[0] as string, size);
  // Without `size` every image must match the first; `like` was checked when its split was read.
  if (!like) checkImageSide([head.height, head.width], paths[0] as string);
  first = like?.from ?? (paths[0] as string);
  h = like?.height ?? head.height;
  w = like?.width ?? head.width;
  hwc = new Uint8Array(paths.length * h * w * channels);
  place(head, 0, paths[0] as string);
  await mapLimit(paths.slice(1), CONCURRENCY, async (p, i) => place(await decodeRgb(p, size), i + 1, p));
  const data = hwc;
  return tidy(() => tensor(data, [paths.length, h, w, channels]).permute(0, 3, 1, 2).contiguous());
}

/** A function to call once per decoded image, reporting done of `total` to `opts.onProgress`. */
function counter(opts: DecodeOptions, total: number): () => void {
  const report = opts.onProgress;
  let done = 0;
  return report ? () => report({ done: ++done, total }) : () => {};
}

/** A split of the decoded `images` (N×C×H×W) picking rows `index`, with `labels`. */
function pick(images: Tensor, index: number[], labels: number[]): ImageSplit {
  return tidy(() => {
    const idx = tensor(BigInt64Array.from(index, BigInt), [index.length]);
    return {
      images: images.indexSelect(0, idx),
      labels: tensor(BigInt64Array.from(labels, BigInt), [labels.length]),
    };
  });
}

/** Decodes the class folders listed by classFiles into one split. */
async function loadClassFolders(
  { classes, files }: { classes: string[]; files: string[][] },
  opts: DecodeOptions,
  tick: () => void,
  like?: { height: number; width: number; from: string },
): Promise<{ classes: string[]; files: string[]; split: ImageSplit }> {
  const labels = files.flatMap((f, c) => f.map(() => c));
  const images = await decodeAll(files.flat(), opts, like, tick);
  return {
    classes,
    files: files.flat(),
    split: { images, labels: tensor(BigInt64Array.from(labels, BigInt), [labels.length]) },
  };
}

/**
 * A labeled dataset from a folder with one sub-folder of PNG/JPEG images per
 * class (class names = sorted sub-folder names; other and hidden files are
 * ignored). If `dir` holds `train/` and `test/`, each with the same class
 * sub-folders, those are the split; otherwise each class is split at random
 * (seeded by `seed`): min(round(testFraction·n_c), n_c − 1) of its n_c images
 * go to test, so every class keeps a training image; when that leaves the
 * test split empty (too few images per class) it is an error, unless
 * testFraction is 0, which asks for no test split. Images are at least 2×2,
 * uint8 N×C×H×W, ordered by class, then file name.
 */
export async function imageFolder(dir: string, opts: ImageFolderOptions = {}): Promise<LabeledDataset> {
  checkDecodeOptions('imageFolder', opts);
  requireDir(dir, 'image folder');
  const name = basename(resolve(dir));
  const trainDir = join(dir, 'train');
  const testDir = join(dir, 'test');
  if (isDir(trainDir) && isDir(testDir) && subfolders(trainDir).length > 0 && subfolders(testDir).length > 0) {
    const trainClasses = subfolders(trainDir);
    const testClasses = subfolders(testDir);
    if (trainClasses.join('\0') !== testClasses.join('\0')) {
      const onlyTrain = trainClasses.filter((c) => !testClasses.includes(c));
      const onlyTest = testClasses.filter((c) => !trainClasses.includes(c));
      throw new Error(
        `${trainDir} and ${testDir} must hold the same class sub-folders: ` +
          `only in train: [${onlyTrain.join(', ')}], only in test: [${onlyTest.join(', ')}]`,
      );
    }
    const trainList = classFiles(trainDir);
    const testList = classFiles(testDir);
    const tick = counter(opts, trainList.files.flat().length + testList.files.flat().length);
    const train = await loadClassFolders(trainList, opts, tick);
    try {
      // Test images must have the size of the train images (unless `size` resizes both).
      const [, , height, width] = train.split.images.shape as [number, number, number, number];
      const test = await loadClassFolders(testList, opts, tick, { height, width, from: train.files[0] as string });
      return checkedDataset(
        { name, classes: train.classes, train: train.split, test: test.split },
        { train: trainDir, test: testDir },
      );
    } catch (e) {
      train.split.images.dispose();
      train.split.labels.dispose();
      throw e;
    }
  }

  const testFraction = checked('imageFolder', 'testFraction', unitInterval, opts.testFraction ?? 0.2);
  const { classes, files } = classFiles(dir);
  // Every class keeps a training image, so too few images leave the test split empty: refuse that before
  // decoding (testFraction 0 asks for no test split, and gets none).
  const testCount = (n: number) => Math.min(Math.round(testFraction * n), n - 1);
  if (testFraction > 0 && files.every((f) => testCount(f.length) === 0))
    throw new Error(emptyTestSplit(dir, classes, files, testFraction));
  const images = await decodeAll(files.flat(), opts);
  const g = new Generator(opts.seed ?? 0);
  const trainIdx: number[] = [];
  const trainLab: number[] = [];
  const testIdx: number[] = [];
  const testLab: number[] = [];
  let offset = 0;
  files.forEach((f, c) => {
    const n = f.length;
    // At least one training image per class: a class seen only at test time cannot be learned.
    const nTest = testCount(n);
    const perm = tidy(() => randperm(n, { generator: g }).toArray());
    const isTest = new Uint8Array(n);
    for (let j = 0; j < nTest; j++) isTest[perm[j] as number] = 1;
    // Keep file order inside each side of the split.
    for (let j = 0; j < n; j++) {
      if (isTest[j]) {
        testIdx.push(offset + j);
        testLab.push(c);
      } else {
        trainIdx.push(offset + j);
        trainLab.push(c);
      }
    }
    offset += n;
  });
  try {
    return { name, classes, train: pick(images, trainIdx, trainLab), test: pick(images, testIdx, testLab) };
  } finally {
    images.dispose();
  }
}

/** Why the random split of `dir` puts no image in test, and what would. */
function emptyTestSplit(dir: string, classes: string[], files: string[][], testFraction: number): string {
  const largest = files.reduce((best, f, c) => (f.length > (files[best] as string[]).length ? c : best), 0);
  const most = (files[largest] as string[]).length;
  const layout = 'or split the images yourself into train/ and test/ sub-folders with the same class folders';
  // The smallest class size n with min(round(testFraction·n), n − 1) ≥ 1.
  let need = 2;
  while (Math.min(Math.round(testFraction * need), need - 1) < 1) need++;
  return (
    `${dir}: the test split is empty: each class keeps at least one training image, and with testFraction ` +
    `${testFraction} a class needs at least ${need} images to give one to test; the largest class, ` +
    `'${classes[largest]}', has ${most}. Add images, ${layout}`
  );
}

/**
 * An unlabeled dataset from every PNG/JPEG file in `dir` and its sub-folders
 * (hidden files and folders skipped), in sorted depth-first order, as uint8
 * N×C×H×W.
 */
export async function unlabeledFolder(dir: string, opts: DecodeOptions = {}): Promise<UnlabeledDataset> {
  checkDecodeOptions('unlabeledFolder', opts);
  requireDir(dir, 'image folder');
  const files = imageFilesDeep(dir);
  if (files.length === 0) throw new Error(`${dir}: no PNG/JPEG images in this folder or its sub-folders`);
  return { name: basename(resolve(dir)), train: { images: await decodeAll(files, opts) } };
}
