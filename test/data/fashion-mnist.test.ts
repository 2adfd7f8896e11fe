/**
 * Fashion-MNIST from the Debian package and MNIST from npm, checked against
 * the official figures (split sizes, images per class) and against bytes
 * read straight from the files.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { FASHION_MNIST_DEFAULT_DIR, fashionMnist, type LabeledDataset, mnist } from '../../src/data/index.ts';
import type { Tensor } from '../../src/tensor/index.ts';
import { idx } from './idx-writer.ts';

const tmp = mkdtempSync(join(tmpdir(), 'specl-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function dispose(d: LabeledDataset): void {
  for (const t of [d.train.images, d.train.labels, d.test.images, d.test.labels]) t.dispose();
}

/** Images per label, counted with a plain loop over the label values. */
function counts(labels: Tensor, k: number): number[] {
  const c = new Array<number>(k).fill(0);
  for (const v of labels.data() as BigInt64Array) c[Number(v)] = (c[Number(v)] as number) + 1;
  return c;
}

test('Fashion-MNIST: official 60,000/10,000 split, 6,000/1,000 images per class, pixels as in the files', () => {
  const d = fashionMnist();
  try {
    assert.equal(d.name, 'fashion-mnist');
    assert.deepEqual(d.classes, [
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
    ]);
    assert.deepEqual(d.train.images.shape, [60000, 1, 28, 28]);
    assert.deepEqual(d.test.images.shape, [10000, 1, 28, 28]);
    assert.equal(d.train.images.dtype, 'uint8');
    assert.equal(d.train.labels.dtype, 'int64');
    assert.deepEqual(counts(d.train.labels, 10), new Array(10).fill(6000));
    assert.deepEqual(counts(d.test.labels, 10), new Array(10).fill(1000));

    // IDX: images start after a 16-byte header (magic, count, rows, cols), labels after 8 bytes.
    const imgBytes = gunzipSync(readFileSync(join(FASHION_MNIST_DEFAULT_DIR, 'train-images-idx3-ubyte.gz')));
    const labBytes = gunzipSync(readFileSync(join(FASHION_MNIST_DEFAULT_DIR, 'train-labels-idx1-ubyte.gz')));
    assert.equal(imgBytes.readUInt32BE(0), 0x803);
    const all = d.train.images.data() as Uint8Array;
    for (const i of [0, 1, 31337, 59999]) {
      const want = imgBytes.subarray(16 + i * 784, 16 + (i + 1) * 784);
      assert.deepEqual(Array.from(all.subarray(i * 784, (i + 1) * 784)), Array.from(want), `train image ${i}`);
    }
    const labels = d.train.labels.toArray();
    assert.deepEqual(labels.slice(0, 20), Array.from(labBytes.subarray(8, 28)));
    // The first training image is an ankle boot (label 9), as in the dataset's README figure.
    assert.equal(labels[0], 9);
  } finally {
    dispose(d);
  }
});

test('MNIST: the official images per class of the train and test splits', () => {
  const d = mnist();
  try {
    assert.deepEqual(d.train.images.shape, [60000, 1, 28, 28]);
    assert.deepEqual(d.test.images.shape, [10000, 1, 28, 28]);
    assert.deepEqual(counts(d.train.labels, 10), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    assert.deepEqual(counts(d.test.labels, 10), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  } finally {
    dispose(d);
  }
});

test('SPECL_FASHION_MNIST points to another folder; un-gzipped files are accepted', () => {
  const dir = join(tmp, 'fm');
  mkdirSync(dir);
  const img = Uint8Array.from({ length: 3 * 4 * 5 }, (_, i) => (i * 7) % 256);
  writeFileSync(join(dir, 'train-images-idx3-ubyte'), idx([3, 4, 5], img));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idx([3], Uint8Array.from([9, 0, 4])));
  writeFileSync(join(dir, 't10k-images-idx3-ubyte'), idx([1, 4, 5], img.subarray(0, 20)));
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idx([1], Uint8Array.from([2])));
  const saved = process.env.SPECL_FASHION_MNIST;
  process.env.SPECL_FASHION_MNIST = dir;
  try {
    const d = fashionMnist();
    assert.deepEqual(d.train.images.shape, [3, 1, 4, 5]);
    assert.deepEqual(Array.from(d.train.images.data() as Uint8Array), Array.from(img));
    assert.deepEqual(d.train.labels.toArray(), [9, 0, 4]);
    assert.deepEqual(d.test.labels.toArray(), [2]);
    dispose(d);
  } finally {
    if (saved === undefined) delete process.env.SPECL_FASHION_MNIST;
    else process.env.SPECL_FASHION_MNIST = saved;
  }
});

test('a missing folder or file says how to get Fashion-MNIST', () => {
  const missing = join(tmp, 'no-such-dir');
  assert.throws(
    () => fashionMnist(missing),
    (e: Error) => {
      assert.match(e.message, /no-such-dir not found/);
      assert.match(e.message, /sudo apt-get install dataset-fashion-mnist/);
      assert.match(e.message, /github\.com\/zalandoresearch\/fashion-mnist/);
      assert.match(e.message, /SPECL_FASHION_MNIST/);
      for (const f of ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz'])
        assert.match(e.message, new RegExp(f.replace(/\./g, '\\.')));
      return true;
    },
  );
  assert.throws(() => fashionMnist(tmp), /train-images-idx3-ubyte\.gz not found[\s\S]*apt-get install/);
});
