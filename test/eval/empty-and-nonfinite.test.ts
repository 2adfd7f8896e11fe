/**
 * The evaluations refuse what they cannot score, clearly and before the
 * work: an empty split (no test image), and features that are not finite
 * (an encoder whose weights went NaN), which used to give a chance-level kNN
 * accuracy as if it were a result, or an L-BFGS failure that said nothing
 * about the features.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LabeledDataset } from '../../src/data/index.ts';
import {
  compareWithBaselines,
  type EvalProgress,
  evaluateEncoder,
  extractFeatures,
  knnAccuracy,
  knnClassify,
  linearProbe,
  NonFiniteFeaturesError,
} from '../../src/eval/index.ts';
import { ConvNet } from '../../src/nn/index.ts';
import { Generator, noGrad, type Tensor, tensor } from '../../src/tensor/index.ts';
import { Rng } from '../helpers/prng.ts';
import { blobs, toTensors } from './blobs.ts';

const norm = { mean: [0.5], std: [0.25] };
const rng = new Rng(8);

/** `n` random uint8 1×8×8 images with labels i mod `classes`. */
function split(n: number, classes = 3): { images: Tensor; labels: Tensor } {
  return {
    images: tensor(
      Uint8Array.from({ length: n * 64 }, () => rng.int(0, 256)),
      [n, 1, 8, 8],
    ),
    labels: tensor(
      BigInt64Array.from({ length: n }, (_, i) => BigInt(i % classes)),
      [n],
    ),
  };
}
const dataset = (train: number, test: number): LabeledDataset => ({
  name: 'tiny',
  classes: ['a', 'b', 'c'],
  train: split(train),
  test: split(test),
});
const free = (d: LabeledDataset) => {
  for (const s of [d.train, d.test]) for (const t of [s.images, s.labels]) t.dispose();
};

test('extractFeatures of no images is a 0×featureDim tensor, channels-last too (no layer sees an empty batch)', () => {
  for (const channelsLast of [false, true]) {
    const enc = new ConvNet({ widths: [4, 8], generator: new Generator(0), channelsLast });
    const none = tensor(new Uint8Array(0), [0, 1, 8, 8]);
    const f = extractFeatures(enc, none, norm);
    assert.deepEqual(f.shape, [0, 8]);
    assert.equal(f.dtype, 'float32');
    for (const t of [f, none]) t.dispose();
    enc.dispose();
  }
});

test('an empty test split is refused before any feature is extracted', () => {
  const enc = new ConvNet({ widths: [4, 8], generator: new Generator(0) });
  const random = new ConvNet({ widths: [4, 8], generator: new Generator(1) });
  const data = dataset(12, 0);
  const events: EvalProgress[] = [];
  const onProgress = (e: EvalProgress) => events.push(e);
  assert.throws(
    () => evaluateEncoder(enc, data, norm, { onProgress }),
    /^Error: evaluateEncoder: the test split is empty \(0 images\): the probe and the kNN are scored on it, so it needs at least one$/,
  );
  assert.throws(
    () => compareWithBaselines({ encoder: enc, randomEncoder: random, data, norm, onProgress }),
    /compareWithBaselines: the test split is empty \(0 images\)/,
  );
  assert.equal(events.length, 0, 'no work was started');
  free(data);
  const noTrain = dataset(0, 5);
  assert.throws(
    () => evaluateEncoder(enc, noTrain, norm),
    /evaluateEncoder: the train split is empty \(0 images\): the probe is fitted on it/,
  );
  free(noTrain);
  enc.dispose();
  random.dispose();
});

test('linearProbe and knnAccuracy refuse an empty test set by name', () => {
  const b = toTensors(blobs(rng, { classes: 3, perClass: 5, dim: 4, spread: 3 }));
  const none = tensor(new Float32Array(0), [0, 4]);
  const noLabels = tensor(new BigInt64Array(0), [0]);
  assert.throws(
    () =>
      linearProbe({ trainFeatures: b.x, trainLabels: b.y, testFeatures: none, testLabels: noLabels, numClasses: 3 }),
    /linearProbe: testFeatures is empty \(0 rows\): it needs at least one example of the test split/,
  );
  assert.throws(
    () => knnAccuracy(b.x, b.y, none, noLabels, { numClasses: 3 }),
    /knnAccuracy: no query features \(0 rows\): the accuracy needs at least one labeled query/,
  );
  for (const t of [b.x, b.y, none, noLabels]) t.dispose();
});

/** 20×4 features with NaN at (2,0), (2,1), (5,3), (7,2) and +∞ at (9,1): 4 bad rows, 4 NaN, 1 infinite. */
function damaged(): { x: Tensor; y: Tensor } {
  const b = blobs(rng, { classes: 2, perClass: 10, dim: 4, spread: 3 });
  for (const [i, j, v] of [
    [2, 0, Number.NaN],
    [2, 1, Number.NaN],
    [5, 3, Number.NaN],
    [7, 2, Number.NaN],
    [9, 1, Number.POSITIVE_INFINITY],
  ] as const)
    (b.x[i] as number[])[j] = v;
  return toTensors(b);
}

test('non-finite features: linearProbe and the kNN say so and count them, instead of failing or guessing', () => {
  const bad = damaged();
  const good = toTensors(blobs(rng, { classes: 2, perClass: 10, dim: 4, spread: 3 }));
  const probe = () =>
    linearProbe({ trainFeatures: bad.x, trainLabels: bad.y, testFeatures: good.x, testLabels: good.y, numClasses: 2 });
  assert.throws(probe, (e: unknown) => {
    assert.ok(e instanceof NonFiniteFeaturesError);
    assert.equal(
      e.message,
      'linearProbe: trainFeatures are not finite: 4 of 20 rows hold NaN or infinite values (4 NaN, 1 infinite, of 80 values)',
    );
    assert.deepEqual([e.badRows, e.rows, e.nan, e.infinite, e.values], [4, 20, 4, 1, 80]);
    return true;
  });
  assert.throws(
    () => knnClassify(good.x, good.y, bad.x, { numClasses: 2 }),
    /knnClassify: query features are not finite: 4 of 20 rows/,
  );
  assert.throws(
    () => knnAccuracy(bad.x, bad.y, good.x, good.y, { numClasses: 2 }),
    /knnClassify: bank features are not finite: 4 of 20 rows/,
  );
  for (const t of [bad.x, bad.y, good.x, good.y]) t.dispose();
});

test('an encoder with NaN weights: extractFeatures stops at the first batch; the comparison names the encoder', () => {
  const enc = new ConvNet({ widths: [4, 8], generator: new Generator(0) });
  const random = new ConvNet({ widths: [4, 8], generator: new Generator(1) });
  noGrad(() => (enc.namedParameters()[0] as [string, Tensor])[1].fill_(Number.NaN));
  const data = dataset(20, 6);
  const events: EvalProgress[] = [];
  assert.throws(
    () => extractFeatures(enc, data.train.images, { ...norm, batchSize: 8, onProgress: (e) => events.push(e) }),
    (e: unknown) => {
      assert.ok(e instanceof NonFiniteFeaturesError);
      // Every feature of every image is NaN: 8 images × 8 features in the first batch.
      assert.equal(
        e.message,
        'extractFeatures: features are not finite: 8 of 8 images (0–7) hold NaN or infinite values (64 NaN, 0 infinite, of 64 values)',
      );
      return true;
    },
  );
  assert.equal(events.length, 0, 'stopped before the first batch was reported');
  assert.throws(
    () => compareWithBaselines({ encoder: enc, randomEncoder: random, data, norm, knn: { k: 5 } }),
    (e: unknown) => {
      assert.ok(e instanceof NonFiniteFeaturesError);
      assert.equal(e.features, 'encoder');
      assert.match(e.message, /^encoder features: extractFeatures: features are not finite: 20 of 20 images/);
      return true;
    },
  );
  free(data);
  enc.dispose();
  random.dispose();
});
