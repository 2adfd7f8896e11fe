/** A cell's evaluation subset: balanced, the same images every time, refused where a class is too small. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluationSubset, specFrom } from '../../src/experiments/index.ts';
import { type Tensor, tidy } from '../../src/tensor/index.ts';
import { smallMnist } from '../train/fixtures/small-mnist.ts';

/** Each image's pixel sum (a fingerprint of which images a split holds). */
const imageSums = (t: Tensor): number[] =>
  tidy(() => Array.from(t.sum([1, 2, 3]).data() as ArrayLike<number | bigint>, Number));

const counts = (labels: BigInt64Array) => {
  const c = new Array<number>(10).fill(0);
  for (const y of labels) c[Number(y)]++;
  return c;
};

test('evaluation.subset: exactly trainPerClass and testPerClass images of each class, the same on every call', () => {
  const data = smallMnist(2000, 1000);
  const a = evaluationSubset(data, { trainPerClass: 50, testPerClass: 20 });
  const b = evaluationSubset(data, { trainPerClass: 50, testPerClass: 20 });
  assert.deepEqual(counts(a.train.labels.data() as BigInt64Array), new Array(10).fill(50));
  assert.deepEqual(counts(a.test.labels.data() as BigInt64Array), new Array(10).fill(20));
  assert.deepEqual(imageSums(a.train.images), imageSums(b.train.images));
  assert.throws(
    () => evaluationSubset(data, { trainPerClass: 5000, testPerClass: 1 }),
    /evaluation\.subset on mnist \(train\): labeledSubset: class 0 needs 5000 images/,
  );
  for (const d of [a, b, data]) for (const s of [d.train, d.test]) for (const t of [s.images, s.labels]) t.dispose();
  assert.throws(
    () => specFrom({ name: 'x', evaluation: { subset: { trainPerClass: 0, testPerClass: 1 } } }, 'x.yaml'),
    /x\.yaml: evaluation\.subset must be null or \{trainPerClass, testPerClass\}, both positive integers/,
  );
});
