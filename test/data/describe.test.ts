/**
 * describeSplit against a plain two-pass loop over the bytes, across the
 * chunk boundary of its float64 accumulation, and against the well-known
 * MNIST normalization constants (mean 0.1307, std 0.3081).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeSplit, fromArrays, mnist } from '../../src/data/index.ts';
import { assertClose } from '../helpers/close.ts';
import { Rng } from '../helpers/prng.ts';

/** Per-channel mean and population std of [0, 1]-scaled pixels, two passes in float64. */
function reference(bytes: Uint8Array, n: number, c: number, plane: number): { mean: number[]; std: number[] } {
  const mean: number[] = [];
  const std: number[] = [];
  for (let k = 0; k < c; k++) {
    let s = 0;
    for (let i = 0; i < n; i++) for (let p = 0; p < plane; p++) s += (bytes[(i * c + k) * plane + p] as number) / 255;
    const m = s / (n * plane);
    let q = 0;
    for (let i = 0; i < n; i++)
      for (let p = 0; p < plane; p++) q += ((bytes[(i * c + k) * plane + p] as number) / 255 - m) ** 2;
    mean.push(m);
    std.push(Math.sqrt(q / (n * plane)));
  }
  return { mean, std };
}

test('per-channel mean/std, min/max and class counts match a plain loop over the bytes', () => {
  const rng = new Rng(21);
  const [n, c, h, w] = [50, 3, 7, 5];
  // Channels with different ranges, so a mixed-up channel axis shows.
  const bytes = new Uint8Array(n * c * h * w);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < c; k++)
      for (let p = 0; p < h * w; p++) bytes[(i * c + k) * h * w + p] = rng.int(10 + 40 * k, 120 + 60 * k);
  const labels = Array.from({ length: n }, () => rng.int(0, 4));
  const classes = ['a', 'b', 'c', 'd', 'e'];
  const split = fromArrays({ images: bytes, shape: [n, c, h, w], labels, classes });
  const d = describeSplit(split, classes);
  const ref = reference(bytes, n, c, h * w);
  assert.equal(d.n, n);
  assert.deepEqual(d.shape, [c, h, w]);
  assertClose(d.mean, ref.mean, { rtol: 1e-12, atol: 0 }, 'mean');
  assertClose(d.std, ref.std, { rtol: 1e-12, atol: 0 }, 'std');
  assert.equal(d.min, Math.min(...bytes) / 255);
  assert.equal(d.max, Math.max(...bytes) / 255);
  const counts = classes.map((_, k) => labels.filter((l) => l === k).length);
  assert.deepEqual(
    d.perClass,
    classes.map((name, k) => ({ name, count: counts[k] })),
  );
  assert.equal(d.perClass?.[4]?.count, 0, 'a class without images is listed with count 0');
  assert.deepEqual(
    describeSplit(split).perClass?.map((p) => p.name),
    ['0', '1', '2', '3'],
  );
  assert.equal(describeSplit({ images: split.images }).perClass, null, 'no labels, no class counts');
  assert.throws(() => describeSplit(split, ['a', 'b']), /label 3 is out of range 0…1/);
  split.images.dispose();
  split.labels.dispose();
});

test('statistics over more than one accumulation chunk (2^24 values) are exact', () => {
  const rng = new Rng(22);
  const [n, h, w] = [1_100_000, 4, 4];
  const bytes = new Uint8Array(n * h * w);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (rng.uniform() * rng.uniform() * 256) | 0;
  bytes[bytes.length - 1] = 255;
  const set = fromArrays({ images: bytes, shape: [n, 1, h, w] });
  const d = describeSplit(set);
  const ref = reference(bytes, n, 1, h * w);
  assertClose(d.mean, ref.mean, { rtol: 1e-10, atol: 0 }, 'mean');
  assertClose(d.std, ref.std, { rtol: 1e-10, atol: 0 }, 'std');
  assert.equal(d.max, 1, 'the last pixel, in the second chunk, is the maximum');
  set.images.dispose();
});

test('an empty set gives NaN statistics and zero counts', () => {
  const s = fromArrays({ images: new Uint8Array(0), shape: [0, 3, 2, 2], labels: [], classes: ['x', 'y'] });
  const d = describeSplit(s, ['x', 'y']);
  assert.equal(d.n, 0);
  assert.ok(d.mean.every(Number.isNaN) && d.std.every(Number.isNaN) && Number.isNaN(d.min));
  assert.deepEqual(d.perClass, [
    { name: 'x', count: 0 },
    { name: 'y', count: 0 },
  ]);
  s.images.dispose();
  s.labels.dispose();
});

test('MNIST train: mean 0.1307 and std 0.3081, the constants every MNIST Normalize uses', () => {
  const m = mnist();
  const d = describeSplit(m.train, m.classes);
  assertClose(d.mean, [0.1307], { atol: 5e-5, rtol: 0 }, 'MNIST mean');
  assertClose(d.std, [0.3081], { atol: 5e-5, rtol: 0 }, 'MNIST std');
  assert.equal(d.min, 0);
  assert.equal(d.max, 1);
  assert.deepEqual(
    d.perClass?.map((p) => p.count),
    [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949],
  );
  for (const t of [m.train.images, m.train.labels, m.test.images, m.test.labels]) t.dispose();
});
