/**
 * Label-efficiency curves: exactly m labeled examples per class in every run,
 * the same draws as data/labeledSubset, mean and sample std recomputed here,
 * and accuracy that does not drop as labels are added on easy blobs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { labeledSubset } from '../../src/data/index.ts';
import { labelEfficiency } from '../../src/eval/index.ts';
import { tensor } from '../../src/tensor/index.ts';
import { assertClose } from '../helpers/close.ts';
import { Rng } from '../helpers/prng.ts';
import { blobs, toTensors } from './blobs.ts';

test('m per class in every run, labeledSubset draws, mean and sample std of the runs', () => {
  const rng = new Rng(51);
  const C = 4;
  const trainData = blobs(rng, { classes: C, perClass: 120, dim: 6, spread: 3 });
  const train = toTensors(trainData);
  const test = toTensors(blobs(rng, { classes: C, perClass: 100, dim: 6, spread: 3 }));
  const seen: { perClass: number | 'all'; seed: number; indices: number[]; top1: number }[] = [];
  const rows = labelEfficiency({
    trainFeatures: train.x,
    trainLabels: train.y,
    testFeatures: test.x,
    testLabels: test.y,
    numClasses: C,
    perClass: [1, 5, 20, 'all'],
    seeds: [0, 1, 2],
    onRun: ({ perClass, seed, indices, result }) => seen.push({ perClass, seed, indices, top1: result.top1 }),
  });
  assert.deepEqual(
    rows.map((r) => r.perClass),
    [1, 5, 20, 'all'],
  );
  assert.equal(seen.length, 12);
  for (const run of seen) {
    const counts = new Array<number>(C).fill(0);
    for (const i of run.indices) counts[trainData.y[i]!]!++;
    const m = run.perClass === 'all' ? 120 : run.perClass;
    assert.deepEqual(counts, new Array(C).fill(m), `m = ${run.perClass}, seed ${run.seed}`);
    assert.equal(new Set(run.indices).size, run.indices.length, 'no repeats');
    if (run.perClass !== 'all') {
      const { indices } = labeledSubset(
        { images: train.x, labels: train.y },
        { perClass: run.perClass, seed: run.seed, numClasses: C },
      );
      assert.deepEqual(indices.toArray(), run.indices, 'the subset labeledSubset draws');
    }
  }
  for (const row of rows) {
    const runs = seen.filter((s) => s.perClass === row.perClass).map((s) => s.top1);
    assert.deepEqual(row.runs, runs);
    const mean = (runs[0]! + runs[1]! + runs[2]!) / 3;
    const std = Math.sqrt(((runs[0]! - mean) ** 2 + (runs[1]! - mean) ** 2 + (runs[2]! - mean) ** 2) / 2);
    assertClose(row.mean, mean, { rtol: 1e-12 }, `mean at m = ${row.perClass}`);
    assertClose(row.std, std, { rtol: 1e-9, atol: 1e-15 }, `std at m = ${row.perClass}`);
  }
  const all = rows[3]!;
  assert.equal(all.std, 0, "'all' is deterministic");
  assert.ok(rows[0]!.std > 0, 'one label per class: the draw matters');
  // Easy blobs: more labels never hurt the mean (allowing 1% of test noise).
  for (let i = 1; i < rows.length; i++) {
    assert.ok(rows[i]!.mean >= rows[i - 1]!.mean - 0.01, `m = ${rows[i]!.perClass}: ${rows.map((r) => r.mean)}`);
  }
  assert.ok(all.mean > 0.9, `all labels: ${all.mean}`);
  for (const t of [train.x, train.y, test.x, test.y]) t.dispose();
});

test('one seed gives std 0; a class with too few examples is an error naming it', () => {
  const rng = new Rng(52);
  const train = toTensors(blobs(rng, { classes: 2, perClass: 10, dim: 3, spread: 4 }));
  const rows = labelEfficiency({
    trainFeatures: train.x,
    trainLabels: train.y,
    testFeatures: train.x,
    testLabels: train.y,
    numClasses: 2,
    perClass: [2],
    seeds: [7],
  });
  assert.equal(rows[0]!.std, 0);
  assert.equal(rows[0]!.runs.length, 1);
  assert.throws(
    () =>
      labelEfficiency({
        trainFeatures: train.x,
        trainLabels: train.y,
        testFeatures: train.x,
        testLabels: train.y,
        numClasses: 2,
        perClass: [11],
      }),
    /class 0 needs 11 images but the split has only 10/,
  );
  assert.throws(
    () =>
      labelEfficiency({
        trainFeatures: train.x,
        trainLabels: tensor(
          BigInt64Array.from({ length: 20 }, () => 0n),
          [20],
        ),
        testFeatures: train.x,
        testLabels: train.y,
        numClasses: 2,
        perClass: [0],
      }),
    /perClass entries must be positive integers/,
  );
  train.x.dispose();
  train.y.dispose();
});
