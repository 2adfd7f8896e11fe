/**
 * Datasets refused at load time, with the file or folder and what was
 * expected: IDX folders whose test images differ in shape from the training
 * images, empty splits, images of 0×0 or 1×1 pixels, label files that do not
 * match; image folders too small to leave a test split; each written here as
 * real files.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { checkImageSide, disposeDataset, fashionMnist, imageFolder, loadDataset } from '../../src/data/index.ts';
import { tensor } from '../../src/tensor/index.ts';
import { Rng } from '../helpers/prng.ts';
import { idx } from './idx-writer.ts';

const tmp = mkdtempSync(join(tmpdir(), 'specl-checks-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let dirs = 0;
const fresh = (): string => {
  const d = join(tmp, `d${dirs++}`);
  mkdirSync(d);
  return d;
};
const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/** An error whose message (not its "Error: " string) matches `re`, for anchored patterns. */
const message = (re: RegExp) => (e: unknown) => {
  assert.match((e as Error).message, re);
  return true;
};
const rng = new Rng(14);

interface IdxSplitSpec {
  /** N, H, W of the images file. */
  images: [number, number, number];
  /** Labels written (default: N labels i mod 10). */
  labels?: number[];
}

/** A Fashion-MNIST-layout folder (un-gzipped names) with the given splits; returns it and its four paths. */
function idxFolder(train: IdxSplitSpec, test: IdxSplitSpec) {
  const dir = fresh();
  const paths = {
    trainImages: join(dir, 'train-images-idx3-ubyte'),
    trainLabels: join(dir, 'train-labels-idx1-ubyte'),
    testImages: join(dir, 't10k-images-idx3-ubyte'),
    testLabels: join(dir, 't10k-labels-idx1-ubyte'),
  };
  for (const [s, images, labels] of [
    [train, paths.trainImages, paths.trainLabels],
    [test, paths.testImages, paths.testLabels],
  ] as const) {
    const [n, h, w] = s.images;
    writeFileSync(
      images,
      idx(
        [n, h, w],
        Uint8Array.from({ length: n * h * w }, () => rng.int(0, 256)),
      ),
    );
    const ys = s.labels ?? Array.from({ length: n }, (_, i) => i % 10);
    writeFileSync(labels, idx([ys.length], Uint8Array.from(ys)));
  }
  return { dir, ...paths };
}

test('IDX: test images of another shape than the training images are refused, naming both files and shapes', async () => {
  const f = idxFolder({ images: [30, 28, 28] }, { images: [10, 14, 56] });
  const expected = new RegExp(
    `^${esc(f.testImages)}: test images are 1×14×56 \\(channels×height×width\\), but the training images in ` +
      `${esc(f.trainImages)} are 1×28×28: both splits need the same shape$`,
  );
  assert.throws(() => fashionMnist(f.dir), message(expected));
  await assert.rejects(loadDataset(`fashion-mnist:${f.dir}`), message(expected));
});

test('IDX: a good pair of splits loads (2×2 images are the smallest allowed)', () => {
  const f = idxFolder({ images: [12, 2, 2] }, { images: [5, 2, 2] });
  const d = fashionMnist(f.dir);
  assert.deepEqual(d.train.images.shape, [12, 1, 2, 2]);
  assert.deepEqual(d.test.images.shape, [5, 1, 2, 2]);
  assert.deepEqual(d.test.labels.toArray(), [0, 1, 2, 3, 4]);
  disposeDataset(d);
});

test('IDX: an empty training or test split is refused, naming its images file', () => {
  const a = idxFolder({ images: [0, 28, 28] }, { images: [10, 28, 28] });
  assert.throws(
    () => fashionMnist(a.dir),
    message(new RegExp(`^${esc(a.trainImages)}: the training split is empty: expected at least one image$`)),
  );
  const b = idxFolder({ images: [30, 28, 28] }, { images: [0, 28, 28] });
  assert.throws(
    () => fashionMnist(b.dir),
    message(new RegExp(`^${esc(b.testImages)}: the test split is empty: the linear probe and the kNN score on it`)),
  );
});

test('IDX: 0×0 and 1×1 images are refused, naming the file, the size and the minimum', () => {
  for (const side of [0, 1]) {
    const f = idxFolder({ images: [30, side, side] }, { images: [10, side, side] });
    assert.throws(
      () => fashionMnist(f.dir),
      message(
        new RegExp(
          `^${esc(f.trainImages)}: images are ${side}×${side} \\(height×width\\): expected at least 2×2 pixels`,
        ),
      ),
    );
  }
});

test('IDX: a label count that differs from the image count, or a label out of range, names the files', () => {
  const count = idxFolder({ images: [30, 28, 28] }, { images: [10, 28, 28], labels: [0, 1, 2] });
  assert.throws(
    () => fashionMnist(count.dir),
    message(new RegExp(`^${esc(count.testLabels)}: 3 labels for 10 images in ${esc(count.testImages)}$`)),
  );
  const range = idxFolder({ images: [3, 28, 28], labels: [0, 10, 2] }, { images: [10, 28, 28] });
  assert.throws(
    () => fashionMnist(range.dir),
    message(new RegExp(`^${esc(range.trainLabels)}: label 10 at index 1 is out of range 0…9$`)),
  );
});

/** Writes `perClass` random RGB PNGs of h×w into DIR/CLASS/ for each class; returns the paths, by class. */
async function pngFolder(dir: string, classes: string[], perClass: number[], h: number, w: number) {
  const out: string[][] = [];
  for (const [c, cls] of classes.entries()) {
    const files: string[] = [];
    for (let i = 0; i < (perClass[c] as number); i++) {
      const p = join(dir, cls, `${i}.png`);
      mkdirSync(dirname(p), { recursive: true });
      const px = Buffer.from(Uint8Array.from({ length: h * w * 3 }, () => rng.int(0, 256)));
      await sharp(px, { raw: { width: w, height: h, channels: 3 } })
        .png()
        .toFile(p);
      files.push(p);
    }
    out.push(files);
  }
  return out;
}

test('image folder: one image per class leaves no test image: refused before decoding, saying what is needed', async () => {
  const dir = fresh();
  await pngFolder(dir, ['a', 'b', 'c'], [1, 1, 1], 8, 8);
  // min(round(0.2·n), n − 1) ≥ 1 first holds at n = 3 (round(0.6) = 1); with 0.5 at n = 2.
  await assert.rejects(
    imageFolder(dir),
    message(
      new RegExp(
        `^${esc(dir)}: the test split is empty: each class keeps at least one training image, and with ` +
          `testFraction 0\\.2 a class needs at least 3 images to give one to test; the largest class, 'a', has 1\\. ` +
          'Add images, or split the images yourself into train/ and test/ sub-folders',
      ),
    ),
  );
  await assert.rejects(
    loadDataset(`folder:${dir}`, { folder: { testFraction: 0.5 } }),
    /with testFraction 0\.5 a class needs at least 2 images to give one to test; the largest class, 'a', has 1/,
  );
  // Two images in one class are enough at testFraction 0.5: the split is no longer empty.
  const more = fresh();
  await pngFolder(more, ['a', 'b'], [2, 1], 8, 8);
  const d = await loadDataset(`folder:${more}`, { folder: { testFraction: 0.5 } });
  assert.deepEqual([d.train.images.size(0), d.test.images.size(0)], [2, 1]);
  disposeDataset(d);
});

test('image folder: testFraction 0 asks imageFolder for no test split; loadDataset refuses such a dataset', async () => {
  const dir = fresh();
  await pngFolder(dir, ['a', 'b'], [2, 2], 4, 4);
  const d = await imageFolder(dir, { testFraction: 0 });
  assert.deepEqual([d.train.images.size(0), d.test.images.size(0)], [4, 0]);
  disposeDataset(d);
  await assert.rejects(
    loadDataset(`folder:${dir}`, { folder: { testFraction: 0 } }),
    message(new RegExp(`^${esc(dir)}: the test split is empty`)),
  );
});

test('image folder: 1×1 images, or resizing to less than 2×2, are refused naming the file or option', async () => {
  const dir = fresh();
  const [files] = await pngFolder(dir, ['a', 'b'], [3, 3], 1, 1);
  await assert.rejects(
    imageFolder(dir),
    message(
      new RegExp(`^${esc((files as string[])[0] as string)}: images are 1×1 \\(height×width\\): expected at least 2×2`),
    ),
  );
  const ok = fresh();
  await pngFolder(ok, ['a', 'b'], [3, 3], 6, 6);
  await assert.rejects(imageFolder(ok, { size: [1, 4] }), /imageFolder: size must be a list of 2 of integers ≥ 2/);
});

test('checkImageSide: the minimum an encoder needs, with its reason', () => {
  const x = tensor(new Uint8Array(2 * 3 * 3), [2, 1, 3, 3]);
  checkImageSide(x, 'data', 2);
  assert.throws(
    () => checkImageSide(x, 'DIR', 4, 'the ConvNet halves them twice'),
    /^Error: DIR: images are 3×3 \(height×width\): expected at least 4×4 pixels \(the ConvNet halves them twice\)$/,
  );
  x.dispose();
});
