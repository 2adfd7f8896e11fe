/**
 * CIFAR-10/100 binary loaders against small files in the official layout
 * written here: every pixel and label is checked against the bytes written,
 * and corrupt or missing files give errors that say what is wrong and where.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  CIFAR10_CLASSES,
  CIFAR100_COARSE_CLASSES,
  CIFAR100_FINE_CLASSES,
  cifar10,
  cifar100,
  type LabeledDataset,
} from '../../src/data/index.ts';
import { Rng } from '../helpers/prng.ts';
import { batchBytes, type CifarRecord, randomRecords, writeCifar10, writeCifar100 } from './cifar-writer.ts';

const tmp = mkdtempSync(join(tmpdir(), 'specl-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let dirs = 0;
const fresh = (): string => {
  const d = join(tmp, `d${dirs++}`);
  mkdirSync(d);
  return d;
};
const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

function dispose(d: LabeledDataset): void {
  for (const t of [d.train.images, d.train.labels, d.test.images, d.test.labels]) t.dispose();
}

/** Checks images (pixel (c, y, x) of record k = byte c·1024 + y·32 + x of its pixels) and labels, per pixel. */
function checkSplit(split: LabeledDataset['train'], records: CifarRecord[], labelByte: number, what: string): void {
  assert.deepEqual(split.images.shape, [records.length, 3, 32, 32], `${what} images shape`);
  assert.equal(split.images.dtype, 'uint8');
  assert.equal(split.labels.dtype, 'int64');
  assert.deepEqual(
    split.labels.toArray(),
    records.map((r) => r.labels[labelByte]),
    `${what} labels`,
  );
  const got = split.images.data() as Uint8Array;
  records.forEach((r, k) => {
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < 32; y++)
        for (let x = 0; x < 32; x++) {
          const want = r.pixels[c * 1024 + y * 32 + x];
          const at = ((k * 3 + c) * 32 + y) * 32 + x;
          if (got[at] !== want)
            assert.fail(`${what}: record ${k} pixel (${c}, ${y}, ${x}) is ${got[at]}, wrote ${want}`);
        }
  });
}

test('CIFAR-10: five train batches in order, test batch, names from batches.meta.txt', () => {
  const root = fresh();
  const w = writeCifar10(root, new Rng(1), { train: [3, 2, 4, 1, 2], test: 3 });
  for (const dir of [w.folder, root]) {
    const d = cifar10(dir);
    assert.equal(d.name, 'cifar10');
    assert.deepEqual(
      d.classes,
      Array.from({ length: 10 }, (_, i) => `class-${i}`),
    );
    checkSplit(d.train, w.train, 0, 'train');
    checkSplit(d.test, w.test, 0, 'test');
    dispose(d);
  }
});

test('CIFAR-10: the standard class names when batches.meta.txt is absent', () => {
  const w = writeCifar10(fresh(), new Rng(2), { names: null });
  const d = cifar10(w.folder);
  assert.deepEqual(d.classes, [
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
  ]);
  assert.deepEqual(d.classes, [...CIFAR10_CLASSES]);
  dispose(d);
});

test('CIFAR-100: fine labels by default, coarse on request, names from the name files, parent folder found', () => {
  const root = fresh();
  const w = writeCifar100(root, new Rng(3), { train: 5, test: 4 });
  const fine = cifar100(root);
  assert.equal(fine.name, 'cifar100');
  assert.deepEqual(fine.classes, w.fine);
  checkSplit(fine.train, w.train, 1, 'fine train');
  checkSplit(fine.test, w.test, 1, 'fine test');
  dispose(fine);
  const coarse = cifar100(w.folder, { labels: 'coarse' });
  assert.equal(coarse.name, 'cifar100-coarse');
  assert.deepEqual(coarse.classes, w.coarse);
  checkSplit(coarse.train, w.train, 0, 'coarse train');
  checkSplit(coarse.test, w.test, 0, 'coarse test');
  dispose(coarse);
});

test('CIFAR-100 standard name lists have 100 fine and 20 coarse distinct names', () => {
  assert.equal(new Set(CIFAR100_FINE_CLASSES).size, 100);
  assert.equal(new Set(CIFAR100_COARSE_CLASSES).size, 20);
  assert.equal(CIFAR100_FINE_CLASSES[0], 'apple');
  assert.equal(CIFAR100_FINE_CLASSES[99], 'worm');
  assert.equal(CIFAR100_COARSE_CLASSES[19], 'vehicles_2');
});

test('a truncated batch names the file, its size, the record size and the complete records', () => {
  const w = writeCifar10(fresh(), new Rng(4));
  const path = join(w.folder, 'data_batch_3.bin');
  truncateSync(path, 2 * 3073 + 100);
  assert.throws(
    () => cifar10(w.folder),
    new RegExp(`${esc(path)}: 6246 bytes is not a whole number of 3073-byte records \\(2 complete records`),
  );
});

test('a label out of range names the file, the record and the label', () => {
  const w = writeCifar10(fresh(), new Rng(5));
  const recs = randomRecords(new Rng(6), 3, [10]);
  (recs[1] as CifarRecord).labels[0] = 10;
  const path = join(w.folder, 'test_batch.bin');
  writeFileSync(path, batchBytes(recs));
  assert.throws(() => cifar10(w.folder), new RegExp(`${esc(path)}: label 10 at record 1 is out of range 0…9`));

  const w100 = writeCifar100(fresh(), new Rng(7));
  const bad = randomRecords(new Rng(8), 2, [20, 100]);
  (bad[0] as CifarRecord).labels[1] = 100;
  writeFileSync(join(w100.folder, 'train.bin'), batchBytes(bad));
  assert.throws(() => cifar100(w100.folder), /train\.bin: fine label 100 at record 0 is out of range 0…99/);
  (bad[0] as CifarRecord).labels = [20, 5];
  writeFileSync(join(w100.folder, 'train.bin'), batchBytes(bad));
  // Coarse labels are checked even when fine labels are used.
  assert.throws(() => cifar100(w100.folder), /train\.bin: coarse label 20 at record 0 is out of range 0…19/);
});

test('an empty batch file is an error', () => {
  const w = writeCifar10(fresh(), new Rng(9));
  const path = join(w.folder, 'data_batch_5.bin');
  writeFileSync(path, Buffer.alloc(0));
  assert.throws(() => cifar10(w.folder), new RegExp(`${esc(path)}: empty file`));
});

test('a missing folder or file points to the official download page and shows the layout', () => {
  const missing = join(tmp, 'nowhere');
  assert.throws(
    () => cifar10(missing),
    (e: Error) => {
      assert.match(e.message, new RegExp(esc(missing)));
      assert.match(e.message, /CIFAR-10 binary version \(suitable for C programs\)/);
      assert.match(e.message, /https:\/\/www\.cs\.toronto\.edu\/~kriz\/cifar\.html/);
      assert.match(
        e.message,
        /cifar-10-batches-bin\/\n.*batches\.meta\.txt[\s\S]*data_batch_1\.bin[\s\S]*test_batch\.bin/,
      );
      return true;
    },
  );
  const empty = fresh();
  assert.throws(() => cifar100(empty), /neither cifar-100-binary\/ nor test\.bin[\s\S]*CIFAR-100 binary version/);
  const w = writeCifar10(fresh(), new Rng(10));
  rmSync(join(w.folder, 'data_batch_2.bin'));
  assert.throws(
    () => cifar10(w.folder),
    new RegExp(`${esc(join(w.folder, 'data_batch_2.bin'))} not found[\\s\\S]*kriz/cifar\\.html`),
  );
});

test('a names file with the wrong number of names is an error naming it', () => {
  const w = writeCifar10(fresh(), new Rng(11), { names: ['a', 'b', 'c'] });
  assert.throws(() => cifar10(w.folder), /batches\.meta\.txt: 3 class names, expected 10/);
});
