/**
 * Datasets from memory: values arrive unchanged (uint8) or converted by the
 * documented rule (float → round(x·255) clamped), and bad shapes, lengths and
 * labels are errors that say what was expected.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromArrays, type ImageSplit, labeledDataset } from '../../src/data/index.ts';
import { tensor } from '../../src/tensor/index.ts';
import { Rng } from '../helpers/prng.ts';

const rng = new Rng(11);

function free(...splits: { images: { dispose(): void }; labels?: { dispose(): void } }[]): void {
  for (const s of splits) {
    s.images.dispose();
    s.labels?.dispose();
  }
}

test('uint8 arrays and plain labels become a uint8 N×C×H×W / int64 split with the same values', () => {
  const bytes = Uint8Array.from({ length: 4 * 3 * 2 * 5 }, () => rng.int(0, 256));
  const s = fromArrays({ images: bytes, shape: [4, 3, 2, 5], labels: [2, 0, 1, 2], classes: ['a', 'b', 'c'] });
  assert.deepEqual(s.images.shape, [4, 3, 2, 5]);
  assert.equal(s.images.dtype, 'uint8');
  assert.deepEqual(Array.from(s.images.data() as Uint8Array), Array.from(bytes));
  assert.equal(s.labels.dtype, 'int64');
  assert.deepEqual(s.labels.toArray(), [2, 0, 1, 2]);
  free(s);

  const set = fromArrays({ images: bytes, shape: [8, 1, 3, 5] });
  assert.equal('labels' in set, false);
  assert.deepEqual(set.images.shape, [8, 1, 3, 5]);
  set.images.dispose();
});

test('float images in [0, 1] become round(x·255), clamped to 0…255', () => {
  const n = 2 * 1 * 4 * 4;
  const xs = Float32Array.from({ length: n }, () => rng.uniform() * 1.4 - 0.2);
  xs[0] = 0;
  xs[1] = 1;
  xs[2] = -0.5;
  xs[3] = 7;
  const want = Array.from(xs, (x) => Math.min(255, Math.max(0, Math.round(Math.fround(x * 255)))));
  const s = fromArrays({ images: xs, shape: [2, 1, 4, 4], labels: new Int32Array([0, 1]) });
  assert.equal(s.images.dtype, 'uint8');
  assert.deepEqual(Array.from(s.images.data() as Uint8Array), want);
  free(s);

  const f64 = Float64Array.from({ length: n }, () => rng.uniform());
  const t = tensor(f64, [2, 1, 4, 4]);
  const s2 = fromArrays({ images: t, labels: tensor(new Int32Array([1, 0]), [2]) });
  t.dispose();
  assert.deepEqual(
    Array.from(s2.images.data() as Uint8Array),
    Array.from(f64, (x) => Math.round(x * 255)),
  );
  assert.equal(s2.labels.dtype, 'int64');
  assert.deepEqual(s2.labels.toArray(), [1, 0]);
  free(s2);

  const nan = new Float32Array(n);
  nan[5] = Number.NaN;
  assert.throws(
    () => fromArrays({ images: nan, shape: [2, 1, 4, 4], name: 'synthetic' }),
    /synthetic: images hold NaN/,
  );
});

test('a uint8 tensor is taken without copying, under a handle of its own', () => {
  const bytes = Uint8Array.from({ length: 2 * 3 * 2 * 2 }, () => rng.int(0, 256));
  const t = tensor(bytes, [2, 3, 2, 2]);
  const s = fromArrays({ images: t, labels: BigInt64Array.from([0n, 4n]) });
  t.dispose();
  assert.deepEqual(Array.from(s.images.data() as Uint8Array), Array.from(bytes));
  free(s);
});

test('bad shapes, lengths and labels are errors saying what was expected', () => {
  const bytes = new Uint8Array(2 * 28 * 28);
  assert.throws(
    () => fromArrays({ images: bytes, shape: [2, 28, 28] as never }),
    /arrays: images must have 4 dimensions/,
  );
  assert.throws(() => fromArrays({ images: bytes, shape: [1, 2, 28, 28] }), /must have 1 or 3 channels \(C\), got 2/);
  assert.throws(
    () => fromArrays({ images: bytes, shape: [3, 1, 28, 28] }),
    /images hold 1568 values, shape \[3, 1, 28, 28\] needs 2352/,
  );
  assert.throws(() => fromArrays({ images: bytes }), /shape \[N, C, H, W\] is required/);
  const ok = { images: bytes, shape: [2, 1, 28, 28] as [number, number, number, number], name: 'toy' };
  assert.throws(() => fromArrays({ ...ok, labels: [0, 1, 2] }), /toy: 3 labels for 2 images/);
  assert.throws(
    () => fromArrays({ ...ok, labels: [0, 5], classes: ['a', 'b'] }),
    /toy: label 5 at index 1 is out of range: expected in range 0…1/,
  );
  assert.throws(() => fromArrays({ ...ok, labels: [-1, 0] }), /toy: label -1 at index 0 is out of range: expected ≥ 0/);
  assert.throws(() => fromArrays({ ...ok, labels: [0, 1.5] }), /toy: label 1.5 at index 1 is not an integer/);
  const floatLabels = tensor(new Float32Array([0, 1]), [2]);
  assert.throws(
    () => fromArrays({ ...ok, labels: floatLabels }),
    /labels tensor must have an integer dtype, got float32/,
  );
  floatLabels.dispose();
  const int32Images = tensor(new Int32Array(2 * 784), [2, 1, 28, 28]);
  assert.throws(() => fromArrays({ images: int32Images }), /images tensor must be uint8 .* got int32/);
  int32Images.dispose();
});

test('labeledDataset checks both splits agree and infers class names from the largest label', () => {
  const split = (n: number, c: number, h: number, w: number, labels: number[]): ImageSplit =>
    fromArrays({ images: new Uint8Array(n * c * h * w), shape: [n, c, h, w], labels });
  const train = split(3, 3, 4, 4, [0, 2, 1]);
  const test = split(2, 3, 4, 4, [4, 0]);
  const d = labeledDataset('toy', undefined, train, test);
  assert.deepEqual(d.classes, ['0', '1', '2', '3', '4']);
  assert.equal(d.name, 'toy');
  assert.throws(
    () => labeledDataset('toy', ['a', 'b', 'c'], train, test),
    /toy \(test\): label 4 at index 0 is out of range/,
  );
  const other = split(2, 3, 4, 5, [0, 1]);
  assert.throws(
    () => labeledDataset('toy', undefined, train, other),
    /toy: train images are 3×4×4 \(C×H×W\) but test images are 3×4×5/,
  );
  free(train, test, other);
});
