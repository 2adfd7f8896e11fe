/**
 * Image folders written here with sharp from known pixels: PNG decodes
 * exactly (checked pixel by pixel in C×H×W order), JPEG closely; classes,
 * splits, greyscale, resizing and every error are checked.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { type ImageSplit, imageFolder, type LabeledDataset, unlabeledFolder } from '../../src/data/index.ts';
import { Rng } from '../helpers/prng.ts';

const tmp = mkdtempSync(join(tmpdir(), 'specl-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
let dirs = 0;
const fresh = (): string => {
  const d = join(tmp, `d${dirs++}`);
  mkdirSync(d);
  return d;
};
const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** An image as written: height, width, channels and its H×W×C bytes. */
interface Raw {
  h: number;
  w: number;
  ch: 1 | 3 | 4;
  hwc: Uint8Array;
}

function noise(rng: Rng, h: number, w: number, ch: 1 | 3 | 4 = 3): Raw {
  return { h, w, ch, hwc: Uint8Array.from({ length: h * w * ch }, () => rng.int(0, 256)) };
}

/** Writes `img` as PNG or JPEG (by extension) and returns it. */
async function save(path: string, img: Raw, quality = 95): Promise<Raw> {
  mkdirSync(dirname(path), { recursive: true });
  const s = sharp(Buffer.from(img.hwc), { raw: { width: img.w, height: img.h, channels: img.ch } });
  await (/\.jpe?g$/i.test(path) ? s.jpeg({ quality }) : s.png()).toFile(path);
  return img;
}

/** The C×H×W bytes of the RGB part of `img` (alpha dropped). */
function chw(img: Raw): number[] {
  const c = Math.min(img.ch, 3);
  const out: number[] = [];
  for (let k = 0; k < c; k++)
    for (let y = 0; y < img.h; y++)
      for (let x = 0; x < img.w; x++) out.push(img.hwc[(y * img.w + x) * img.ch + k] as number);
  return out;
}

/** Image i of a split as a flat C×H×W array. */
function imageAt(split: { images: ImageSplit['images'] }, i: number): number[] {
  const [, c, h, w] = split.images.shape as [number, number, number, number];
  const size = c * h * w;
  return Array.from((split.images.data() as Uint8Array).subarray(i * size, (i + 1) * size));
}

function dispose(d: LabeledDataset): void {
  for (const t of [d.train.images, d.train.labels, d.test.images, d.test.labels]) t.dispose();
}

test('classes are the sorted sub-folders; PNG decodes exactly in C×H×W; other and hidden files are ignored', async () => {
  const root = fresh();
  const rng = new Rng(1);
  // Created out of order: classes must come out sorted, files sorted inside each class.
  const written: Record<string, Raw[]> = { dog: [], cat: [], bird: [] };
  for (const cls of ['dog', 'cat', 'bird']) {
    for (const f of ['b.png', 'a.PNG', 'c.png'])
      (written[cls] as Raw[]).push(await save(join(root, cls, f), noise(rng, 8, 6)));
    writeFileSync(join(root, cls, 'notes.txt'), 'not an image');
    writeFileSync(join(root, cls, '.hidden.png'), 'not an image either');
  }
  mkdirSync(join(root, '.cache'));
  const d = await imageFolder(root, { testFraction: 0 });
  assert.deepEqual(d.classes, ['bird', 'cat', 'dog']);
  assert.deepEqual(d.train.images.shape, [9, 3, 8, 6]);
  assert.deepEqual(d.test.images.shape, [0, 3, 8, 6]);
  assert.deepEqual(d.test.labels.shape, [0]);
  assert.deepEqual(d.train.labels.toArray(), [0, 0, 0, 1, 1, 1, 2, 2, 2]);
  const order = [1, 0, 2]; // a.PNG, b.png, c.png
  d.classes.forEach((cls, c) => {
    order.forEach((k, j) => {
      assert.deepEqual(imageAt(d.train, c * 3 + j), chw((written[cls] as Raw[])[k] as Raw), `${cls} image ${j}`);
    });
  });
  dispose(d);
});

test('an RGBA or greyscale PNG gives its RGB values; channels: 1 gives ITU-R 601 luma', async () => {
  const root = fresh();
  const rng = new Rng(2);
  const rgba = await save(join(root, 'x', 'rgba.png'), noise(rng, 5, 4, 4));
  const grey = await save(join(root, 'y', 'grey.png'), noise(rng, 5, 4, 1));
  const d = await imageFolder(root, { testFraction: 0 });
  assert.deepEqual(imageAt(d.train, 0), chw(rgba));
  // A greyscale file becomes three equal channels.
  const g = chw(grey);
  assert.deepEqual(imageAt(d.train, 1), [...g, ...g, ...g]);
  dispose(d);

  const d1 = await imageFolder(root, { testFraction: 0, channels: 1 });
  assert.deepEqual(d1.train.images.shape, [2, 1, 5, 4]);
  const luma = imageAt(d1.train, 0);
  const rgb = chw(rgba);
  const plane = 20;
  for (let p = 0; p < plane; p++) {
    const want =
      0.299 * (rgb[p] as number) + 0.587 * (rgb[plane + p] as number) + 0.114 * (rgb[2 * plane + p] as number);
    assert.ok(Math.abs((luma[p] as number) - want) <= 0.51, `pixel ${p}: luma ${luma[p]}, expected ${want}`);
  }
  assert.deepEqual(imageAt(d1.train, 1), g, 'a greyscale file is unchanged');
  dispose(d1);
});

test('JPEG decodes close to the pixels written', async () => {
  const root = fresh();
  const [h, w] = [20, 24];
  const hwc = new Uint8Array(h * w * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) hwc.set([10 * x, 12 * y, 100 + 3 * (x + y)], (y * w + x) * 3);
  const img = await save(join(root, 'a', 'smooth.jpg'), { h, w, ch: 3, hwc });
  await save(join(root, 'b', 'other.JPEG'), noise(new Rng(3), h, w));
  const d = await imageFolder(root, { testFraction: 0 });
  const got = imageAt(d.train, 0);
  const want = chw(img);
  let max = 0;
  let sum = 0;
  want.forEach((v, i) => {
    const e = Math.abs((got[i] as number) - v);
    max = Math.max(max, e);
    sum += e;
  });
  assert.ok(max <= 16, `max error ${max}`);
  assert.ok(sum / want.length <= 3, `mean error ${sum / want.length}`);
  dispose(d);
});

test('the seeded split is deterministic, per class, and keeps every image exactly once', async () => {
  const root = fresh();
  const rng = new Rng(4);
  const byKey = new Map<string, number>(); // image bytes → class
  const sizes = { a: 8, b: 10, c: 3 };
  for (const [c, [cls, n]] of Object.entries(sizes).entries()) {
    for (let i = 0; i < n; i++) {
      const img = await save(join(root, cls, `${String(i).padStart(2, '0')}.png`), noise(rng, 4, 4));
      byKey.set(chw(img).join(','), c);
    }
  }
  const d1 = await imageFolder(root, { testFraction: 0.25, seed: 7 });
  const d2 = await imageFolder(root, { testFraction: 0.25, seed: 7 });
  const d3 = await imageFolder(root, { testFraction: 0.25, seed: 8 });
  const keys = (s: ImageSplit): string[] => Array.from({ length: s.images.size(0) }, (_, i) => imageAt(s, i).join(','));
  // round(0.25·n) per class: 2 of 8, 3 of 10 (2.5 rounds up), 1 of 3.
  assert.deepEqual(d1.test.labels.toArray(), [0, 0, 1, 1, 1, 2]);
  assert.equal(d1.train.images.size(0), 21 - 6);
  assert.deepEqual(keys(d2.test), keys(d1.test), 'same seed, same split');
  assert.deepEqual(keys(d2.train), keys(d1.train));
  assert.notDeepEqual(keys(d3.test), keys(d1.test), 'another seed, another split');
  for (const s of [d1.train, d1.test]) {
    const lab = s.labels.toArray();
    keys(s).forEach((k, i) => {
      assert.equal(byKey.get(k), lab[i], 'each image keeps its class');
    });
  }
  assert.equal(new Set([...keys(d1.train), ...keys(d1.test)]).size, byKey.size, 'every image exactly once');
  for (const d of [d1, d2, d3]) dispose(d);
});

test('train/ and test/ sub-folders are the split; their class sets must match', async () => {
  const root = fresh();
  const rng = new Rng(5);
  const a = await save(join(root, 'train', 'a', '1.png'), noise(rng, 3, 3));
  const b = await save(join(root, 'train', 'b', '1.png'), noise(rng, 3, 3));
  const t = await save(join(root, 'test', 'b', '1.png'), noise(rng, 3, 3));
  await save(join(root, 'test', 'a', '1.png'), noise(rng, 3, 3));
  const d = await imageFolder(root, { testFraction: 0.5 });
  assert.deepEqual(d.classes, ['a', 'b']);
  assert.deepEqual(d.train.labels.toArray(), [0, 1]);
  assert.deepEqual(d.test.labels.toArray(), [0, 1]);
  assert.deepEqual(imageAt(d.train, 0), chw(a));
  assert.deepEqual(imageAt(d.train, 1), chw(b));
  assert.deepEqual(imageAt(d.test, 1), chw(t));
  dispose(d);

  await save(join(root, 'test', 'c', '1.png'), noise(rng, 3, 3));
  await assert.rejects(
    imageFolder(root),
    new RegExp(
      `${esc(join(root, 'train'))} and ${esc(join(root, 'test'))} must hold the same class sub-folders.*only in test: \\[c\\]`,
    ),
  );
  rmSync(join(root, 'test', 'c'), { recursive: true });
  await save(join(root, 'test', 'b', '2.png'), noise(rng, 4, 3));
  await assert.rejects(
    imageFolder(root),
    /test[/\\]b[/\\]2\.png: image is 4×3 .*expected 3×3 like .*train[/\\]a[/\\]1\.png/,
  );
});

test('size resizes every image; without it a different size is an error naming the file and both sizes', async () => {
  const root = fresh();
  const rng = new Rng(6);
  await save(join(root, 'a', '1.png'), noise(rng, 8, 6));
  const flat = new Uint8Array(5 * 9 * 3);
  for (let i = 0; i < flat.length; i += 3) flat.set([200, 30, 90], i);
  await save(join(root, 'a', '2.png'), { h: 5, w: 9, ch: 3, hwc: flat });
  const bad = join(root, 'a', '2.png');
  await assert.rejects(
    imageFolder(root, { testFraction: 0 }),
    new RegExp(`${esc(bad)}: image is 5×9 \\(height×width\\), expected 8×6 .*pass size`),
  );
  const d = await imageFolder(root, { testFraction: 0, size: [4, 7] });
  assert.deepEqual(d.train.images.shape, [2, 3, 4, 7]);
  // A flat colour stays that colour whatever the interpolation.
  assert.deepEqual(imageAt(d.train, 1), [
    ...new Array(28).fill(200),
    ...new Array(28).fill(30),
    ...new Array(28).fill(90),
  ]);
  dispose(d);
});

test('an undecodable file, an empty class folder, an empty or missing folder are errors naming them', async () => {
  const root = fresh();
  await save(join(root, 'a', '1.png'), noise(new Rng(7), 3, 3));
  mkdirSync(join(root, 'b'));
  writeFileSync(join(root, 'b', 'fake.png'), 'this is text, not a PNG');
  // testFraction 0: one image per class leaves no test split, which is refused before any file is decoded.
  await assert.rejects(
    imageFolder(root, { testFraction: 0 }),
    new RegExp(`${esc(join(root, 'b', 'fake.png'))}: cannot decode image`),
  );
  rmSync(join(root, 'b', 'fake.png'));
  await assert.rejects(imageFolder(root), new RegExp(`${esc(join(root, 'b'))}: class folder holds no PNG/JPEG images`));
  const empty = fresh();
  await assert.rejects(imageFolder(empty), new RegExp(`${esc(empty)}: no class sub-folders`));
  await assert.rejects(unlabeledFolder(empty), new RegExp(`${esc(empty)}: no PNG/JPEG images`));
  const missing = join(tmp, 'missing');
  await assert.rejects(imageFolder(missing), new RegExp(`${esc(missing)}: image folder not found`));
  await assert.rejects(unlabeledFolder(missing), /not found/);
});

test('unlabeledFolder takes every image of the folder and its sub-folders, in sorted order', async () => {
  const root = fresh();
  const rng = new Rng(8);
  const top = await save(join(root, 'z.png'), noise(rng, 4, 5));
  const deep = await save(join(root, 'sub', 'inner', 'a.jpg'), noise(rng, 4, 5), 100);
  const mid = await save(join(root, 'sub', 'b.png'), noise(rng, 4, 5));
  writeFileSync(join(root, 'readme.md'), '#');
  await save(join(root, '.hidden', 'x.png'), noise(rng, 9, 9));
  const u = await unlabeledFolder(root);
  assert.equal(u.name, root.split(/[/\\]/).pop());
  assert.deepEqual(u.train.images.shape, [3, 3, 4, 5]);
  assert.equal('labels' in u.train, false);
  assert.deepEqual(imageAt(u.train, 0), chw(top));
  assert.deepEqual(imageAt(u.train, 1), chw(mid), 'files of a folder before its sub-folders');
  assert.equal(imageAt(u.train, 2).length, chw(deep).length);
  u.train.images.dispose();
  const g = await unlabeledFolder(root, { channels: 1, size: [2, 2] });
  assert.deepEqual(g.train.images.shape, [3, 1, 2, 2]);
  g.train.images.dispose();
});
