/**
 * fitClassifier: a seed makes the whole run reproducible (data order,
 * initialisation, every kernel), and it learns a task a linear head on random
 * features could not: class = which image quadrant is bright.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ImageSplit } from '../../src/data/index.ts';
import { Generator, randint, randn, tensor, tidy } from '../../src/tensor/index.ts';
import { fitClassifier } from '../../src/train/index.ts';

/** n 1×28×28 uint8 images: noise plus a bright 14×14 block in quadrant `label`. */
function quadrants(n: number, seed: number): ImageSplit {
  const g = new Generator(seed);
  return tidy(() => {
    const labels = randint(0, 4, [n], { generator: g });
    const lab = labels.toArray();
    const img = randn([n, 1, 28, 28], { generator: g }).mul(20).add(60).data() as Float32Array;
    for (let i = 0; i < n; i++) {
      const q = lab[i] as number;
      const [r0, c0] = [q < 2 ? 0 : 14, q % 2 === 0 ? 0 : 14];
      for (let r = r0; r < r0 + 14; r++) for (let c = c0; c < c0 + 14; c++) img[i * 784 + r * 28 + c] = 200;
    }
    const bytes = Uint8Array.from(img, (v) => Math.max(0, Math.min(255, Math.round(v))));
    return { images: tensor(bytes, [n, 1, 28, 28]), labels };
  });
}

test('the same seed gives the same run bit for bit; another seed does not', () => {
  const train = quadrants(256, 1);
  const testSplit = quadrants(128, 2);
  const run = (seed: number) =>
    fitClassifier({ train, test: testSplit, numClasses: 4, steps: 30, batchSize: 32, lr: 0.05, seed });
  const a = run(0);
  const b = run(0);
  const c = run(1);
  assert.equal(a.steps, 30);
  assert.equal(b.trainLoss, a.trainLoss);
  assert.equal(b.testAccuracy, a.testAccuracy);
  assert.notEqual(c.trainLoss, a.trainLoss);
  assert.ok(a.testAccuracy > 0.9, `quadrant task: test accuracy ${a.testAccuracy}`);
});
