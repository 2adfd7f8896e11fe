/**
 * Class-balanced labeled subsets: exactly m per class, nested in m for one
 * seed, deterministic, and clear errors; on a synthetic split whose images
 * encode their own index, and on MNIST.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ImageSplit } from '../../src/data/dataset.ts';
import { labeledSubset } from '../../src/data/labeled-subset.ts';
import { mnist } from '../../src/data/mnist.ts';
import { classCounts, subsetOf } from '../../src/data/subset.ts';
import { tensor } from '../../src/tensor/index.ts';
import { Rng } from '../helpers/prng.ts';

const CLASS_SIZES = [30, 25, 40, 12, 20];

/** A shuffled split with CLASS_SIZES[c] images of class c; image i is 2×2 pixels all equal to i (i < 256). */
function syntheticSplit(): { split: ImageSplit; labels: number[] } {
  const labels = new Rng(5).permutation(CLASS_SIZES.reduce((a, b) => a + b, 0)).map((p) => {
    let c = 0;
    let acc = CLASS_SIZES[0] as number;
    while (p >= acc) acc += CLASS_SIZES[++c] as number;
    return c;
  });
  const n = labels.length;
  const px = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) px.fill(i, 4 * i, 4 * i + 4);
  return {
    split: { images: tensor(px, [n, 1, 2, 2]), labels: tensor(BigInt64Array.from(labels, BigInt), [n]) },
    labels,
  };
}

function perClass(labels: number[], C: number): number[] {
  const k = new Array(C).fill(0);
  for (const y of labels) k[y]++;
  return k;
}

describe('labeledSubset', () => {
  const { split, labels } = syntheticSplit();

  test('the synthetic split has the intended class sizes', () => {
    assert.deepEqual(perClass(labels, 5), CLASS_SIZES);
  });

  test('exactly m images of each class, distinct ascending indices, labels and images at the indices', () => {
    for (const m of [1, 5, 12]) {
      const res = labeledSubset(split, { perClass: m, seed: 9 });
      const idx = res.indices.toArray();
      assert.equal(idx.length, 5 * m);
      for (let i = 1; i < idx.length; i++) assert.ok(idx[i] > idx[i - 1], `ascending, distinct at ${i}`);
      const subLabels = res.split.labels.toArray();
      assert.deepEqual(
        subLabels,
        idx.map((i) => labels[i]),
      );
      assert.deepEqual(perClass(subLabels, 5), [m, m, m, m, m]);
      // image k of the subset is the image whose pixels all equal its original index
      const px = res.split.images.toArray();
      idx.forEach((i, k) => {
        assert.deepEqual(px.slice(4 * k, 4 * k + 4), [i, i, i, i], `image ${k}`);
      });
    }
  });

  test('nested in m for one seed; deterministic; another seed differs', () => {
    const sets = [1, 3, 7, 12].map((m) => labeledSubset(split, { perClass: m, seed: 42 }).indices.toArray());
    for (let j = 1; j < sets.length; j++) {
      const bigger = new Set(sets[j]);
      for (const i of sets[j - 1] as number[])
        assert.ok(bigger.has(i), `index ${i} of m-subset ${j - 1} missing in ${j}`);
    }
    assert.deepEqual(labeledSubset(split, { perClass: 7, seed: 42 }).indices.toArray(), sets[2]);
    assert.notDeepEqual(labeledSubset(split, { perClass: 7, seed: 43 }).indices.toArray(), sets[2]);
  });

  test('errors: a class with fewer than m images (named with its count), bad m, labels out of range', () => {
    assert.throws(
      () => labeledSubset(split, { perClass: 13, seed: 0 }),
      /class 3 needs 13 images but the split has only 12/,
    );
    assert.throws(() => labeledSubset(split, { perClass: 0, seed: 0 }), /perClass must be a positive integer/);
    assert.throws(() => labeledSubset(split, { perClass: 2.5, seed: 0 }), /perClass must be a positive integer/);
    assert.throws(
      () => labeledSubset(split, { perClass: 1, seed: 0, numClasses: 6 }),
      /class 5 needs 1 images but the split has only 0/,
    );
    assert.throws(
      () => labeledSubset(split, { perClass: 1, seed: 0, numClasses: 4 }),
      /label 4 at index \d+ is out of range 0…3/,
    );
  });

  test('MNIST test split: 10 per class', () => {
    const ds = mnist();
    const res = labeledSubset(ds.test, { perClass: 10, seed: 1 });
    const all = ds.test.labels.toArray();
    const idx = res.indices.toArray();
    assert.deepEqual(perClass(res.split.labels.toArray(), 10), new Array(10).fill(10));
    assert.deepEqual(
      res.split.labels.toArray(),
      idx.map((i) => all[i]),
    );
    assert.deepEqual(res.split.images.shape, [100, 1, 28, 28]);
    for (const t of [ds.train.images, ds.train.labels, ds.test.images, ds.test.labels, res.indices]) t.dispose();
  });
});

describe('subsetOf and classCounts', () => {
  const { split, labels } = syntheticSplit();

  test('subsetOf selects images and labels in the given order (number[] or int tensor), repeats allowed', () => {
    for (const idx of [[5, 0, 5, 99], tensor(Int32Array.from([5, 0, 5, 99]))]) {
      const sub = subsetOf(split, idx);
      assert.deepEqual(sub.labels.toArray(), [labels[5], labels[0], labels[5], labels[99]]);
      assert.deepEqual(sub.images.toArray(), [5, 5, 5, 5, 0, 0, 0, 0, 5, 5, 5, 5, 99, 99, 99, 99]);
    }
    assert.deepEqual(subsetOf(split, []).images.shape, [0, 1, 2, 2]);
  });

  test('subsetOf rejects out-of-range, fractional and non-integer indices', () => {
    assert.throws(() => subsetOf(split, [0, 127]), /index 127 at position 1 is out of range 0…126/);
    assert.throws(() => subsetOf(split, [-1]), /index -1 at position 0 is out of range/);
    assert.throws(() => subsetOf(split, [1.5]), /index 1.5 at position 0/);
    assert.throws(() => subsetOf(split, tensor([1, 2])), /indices must have an integer dtype, got float32/);
    assert.throws(() => subsetOf(split, tensor(BigInt64Array.from([3n, 127n]))), /index 127 is out of range 0…126/);
  });

  test('classCounts counts each class and rejects labels out of range', () => {
    assert.deepEqual(classCounts(split.labels, 5), CLASS_SIZES);
    assert.deepEqual(classCounts(split.labels, 7), [...CLASS_SIZES, 0, 0]);
    assert.throws(() => classCounts(split.labels, 3), /classCounts: label [34] at index \d+ is out of range 0…2/);
  });
});
