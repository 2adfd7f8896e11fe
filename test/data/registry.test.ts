/**
 * loadDataset: each spec form reaches its loader (checked by what it
 * returns), and a wrong or incomplete spec says what is accepted.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { DATASET_FORMS, DATASET_NAMES, type LabeledDataset, loadDataset } from '../../src/data/index.ts';
import { Rng } from '../helpers/prng.ts';
import { writeCifar10, writeCifar100 } from './cifar-writer.ts';

const tmp = mkdtempSync(join(tmpdir(), 'specl-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function dispose(d: LabeledDataset): void {
  for (const t of [d.train.images, d.train.labels, d.test.images, d.test.labels]) t.dispose();
}

/** Runs `fn` with SPECL_DATA_DIR set to `value` (or unset), restoring it after. */
async function withDataDir<T>(value: string | undefined, fn: () => Promise<T>): Promise<T> {
  const saved = process.env.SPECL_DATA_DIR;
  if (value === undefined) delete process.env.SPECL_DATA_DIR;
  else process.env.SPECL_DATA_DIR = value;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env.SPECL_DATA_DIR;
    else process.env.SPECL_DATA_DIR = saved;
  }
}

test('mnist and fashion-mnist resolve to the real datasets', async () => {
  for (const [spec, name] of [
    ['mnist', 'mnist'],
    ['Fashion-MNIST', 'fashion-mnist'],
  ] as const) {
    const d = await loadDataset(spec);
    assert.equal(d.name, name);
    assert.deepEqual(d.train.images.shape, [60000, 1, 28, 28]);
    assert.equal(d.test.labels.size(0), 10000);
    dispose(d);
  }
});

test('cifar10/cifar100/cifar100-coarse take DIR from the spec, opts.root or SPECL_DATA_DIR', async () => {
  const root = join(tmp, 'data');
  const c10 = writeCifar10(root, new Rng(1), { train: [2, 1, 1, 1, 1], test: 2 });
  const c100 = writeCifar100(root, new Rng(2), { train: 3, test: 2 });
  const a = await loadDataset(`cifar10:${root}`);
  assert.equal(a.name, 'cifar10');
  assert.equal(a.train.images.size(0), 6);
  assert.deepEqual(
    a.test.labels.toArray(),
    c10.test.map((r) => r.labels[0]),
  );
  dispose(a);
  const b = await loadDataset('cifar100', { root });
  assert.equal(b.name, 'cifar100');
  assert.deepEqual(
    b.train.labels.toArray(),
    c100.train.map((r) => r.labels[1]),
  );
  dispose(b);
  const c = await withDataDir(root, () => loadDataset('cifar100-coarse'));
  assert.equal(c.name, 'cifar100-coarse');
  assert.deepEqual(
    c.train.labels.toArray(),
    c100.train.map((r) => r.labels[0]),
  );
  dispose(c);
});

test('cifar10 without a folder says how to give one and where to download it', async () => {
  await withDataDir(undefined, () =>
    assert.rejects(loadDataset('cifar10'), (e: Error) => {
      assert.match(e.message, /needs the CIFAR-10 folder: give it as cifar10:DIR/);
      assert.match(e.message, /SPECL_DATA_DIR/);
      assert.match(e.message, /https:\/\/www\.cs\.toronto\.edu\/~kriz\/cifar\.html/);
      return true;
    }),
  );
});

test('folder:DIR loads an image folder', async () => {
  const root = join(tmp, 'pics');
  const rng = new Rng(3);
  for (const cls of ['x', 'y']) {
    mkdirSync(join(root, cls), { recursive: true });
    for (let i = 0; i < 2; i++) {
      const px = Buffer.from(Uint8Array.from({ length: 12 }, () => rng.int(0, 256)));
      await sharp(px, { raw: { width: 2, height: 2, channels: 3 } })
        .png()
        .toFile(join(root, cls, `${i}.png`));
    }
  }
  const d = await loadDataset(`folder:${root}`, { folder: { testFraction: 0.5, seed: 3 } });
  assert.equal(d.name, 'pics');
  assert.deepEqual(d.classes, ['x', 'y']);
  assert.deepEqual(d.train.images.shape, [2, 3, 2, 2]);
  assert.deepEqual(d.test.labels.toArray(), [0, 1]);
  dispose(d);
});

test('an unknown name or a malformed spec lists the accepted forms', async () => {
  await assert.rejects(
    loadDataset('imagenet'),
    /unknown dataset 'imagenet': expected one of mnist, fashion-mnist\[:DIR\], cifar10\[:DIR\], cifar100\[:DIR\], cifar100-coarse\[:DIR\], folder:DIR/,
  );
  await assert.rejects(loadDataset('folder'), /give the folder as folder:DIR/);
  await assert.rejects(loadDataset('cifar10:'), /empty DIR/);
  await assert.rejects(loadDataset('mnist:/x'), /mnist takes no DIR/);
  assert.deepEqual(DATASET_NAMES, [
    'mnist',
    'fashion-mnist',
    'cifar10',
    'cifar100',
    'cifar100-coarse',
    'folder',
    'two-part',
    'two-part-probe',
    'two-part-rare',
    'shift',
    'union',
    'subpop',
  ]);
  assert.equal(DATASET_FORMS.length, DATASET_NAMES.length);
});
