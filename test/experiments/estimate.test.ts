/**
 * `--dry-run`'s estimate of a cell, against hand-computed sums: steps × batch
 * × the measured seconds per image (twice for SAM), plus 28 s per full
 * evaluation scaled by the share of the 70,000 images an evaluation subset keeps.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cellConfigOn, estimateSeconds, expandGrid, specFrom } from '../../src/experiments/index.ts';
import { smallMnist } from '../train/fixtures/small-mnist.ts';

test('estimateSeconds: training at the measured pace plus the evaluation, SAM twice, subsets scaled', () => {
  const data = smallMnist(2000, 500);
  try {
    const spec = (evaluation: object, extra: object = {}) =>
      specFrom(
        {
          name: 'e',
          base: { trainSize: 1000, epochs: 2, batchSize: 100, ...extra },
          axes: [{ name: 'method', values: ['spectral', 'pixels'] }],
          evaluation,
        },
        'e.yaml',
      );
    const pace = new Map([['spectral', 0.01]]);
    const estimate = (s: ReturnType<typeof spec>) =>
      expandGrid(s).map((c) => estimateSeconds(c, cellConfigOn(c, data), 2000, s.evaluation, pace));
    // 2 epochs × ⌊1000 / 100⌋ steps × 100 images × 0.01 s = 20 s, plus one full evaluation of 28 s.
    assert.deepEqual(estimate(spec({})), [20 + 28, 28]);
    // A transfer probe is a second evaluation; label efficiency adds 3 s per fit (2 m × 2 seeds).
    assert.deepEqual(estimate(spec({ transfer: ['fashion-mnist'] })), [20 + 56, 56]);
    assert.deepEqual(estimate(spec({ labelEfficiency: { perClass: [1, 10], seeds: [0, 1] } })), [20 + 40, 40]);
    // A subset of 100 + 50 images per class evaluates 1,500 of 70,000 images.
    const share = 1500 / 70_000;
    const sub = estimate(spec({ subset: { trainPerClass: 100, testPerClass: 50 } }));
    assert.ok(
      Math.abs((sub[0] as number) - (20 + 28 * share)) < 1e-9 && Math.abs((sub[1] as number) - 28 * share) < 1e-9,
    );
    // SAM: two forward and backward passes per step.
    assert.deepEqual(estimate(spec({}, { sam: { rho: 0.05 } })), [40 + 28, 28]);
  } finally {
    for (const s of [data.train, data.test]) for (const t of [s.images, s.labels]) t.dispose();
  }
});
