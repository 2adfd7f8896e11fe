/**
 * Supervised training of an encoder with a linear head by cross-entropy,
 * the engine's end-to-end check on real images (and, later, the supervised
 * baseline's inner loop). Knows nothing about files or terminals: progress
 * goes to a callback.
 */

import { type ImageSplit, normalizeImages } from '../data/index.ts';
import { ConvNet, Linear, type Module } from '../nn/index.ts';
import { applySchedule, SGD, splitWeightDecay, warmupCosine } from '../optim/index.ts';
import { Generator, nnf, noGrad, randperm, tidy } from '../tensor/index.ts';

export interface FitClassifierOptions {
  train: ImageSplit;
  test: ImageSplit;
  numClasses: number;
  /**
   * Steps of SGD. With `maxSeconds`, the run is re-planned after 10 steps to
   * the number of steps that fit the budget (schedule included), and stops
   * when the budget is spent.
   */
  steps: number;
  maxSeconds?: number;
  batchSize?: number;
  lr?: number;
  seed?: number;
  /** Per-channel mean and std of pixel values in [0, 1]. */
  mean?: number[];
  std?: number[];
  onStep?: (s: { step: number; totalSteps: number; loss: number; imagesPerSecond: number; lr: number }) => void;
}

export interface FitClassifierResult {
  steps: number;
  seconds: number;
  imagesPerSecond: number;
  trainLoss: number;
  testAccuracy: number;
}

/** Top-1 accuracy of `model` (features) + `head` on a split, in eval mode, batched. */
export function classifierAccuracy(
  encoder: Module,
  head: Module,
  split: ImageSplit,
  mean: number[],
  std: number[],
  batchSize = 1000,
): number {
  encoder.eval();
  head.eval();
  const n = split.images.shape[0] as number;
  let correct = 0;
  noGrad(() => {
    for (let i = 0; i < n; i += batchSize) {
      correct += tidy(() => {
        const len = Math.min(batchSize, n - i);
        const x = normalizeImages(split.images.narrow(0, i, len), mean, std);
        const pred = head.forward(encoder.forward(x)).argmax(1);
        return pred
          .eq(split.labels.narrow(0, i, len))
          .sum()
          .item();
      });
    }
  });
  return correct / n;
}

/** Trains ConvNet + Linear head with SGD (momentum 0.9, wd 5e-4, warm-up + cosine) and reports test accuracy. */
export function fitClassifier(o: FitClassifierOptions): FitClassifierResult {
  const seed = o.seed ?? 0;
  const gen = new Generator(seed);
  const batch = o.batchSize ?? 256;
  const mean = o.mean ?? [0.1307];
  const std = o.std ?? [0.3081];
  const encoder = new ConvNet({ inChannels: o.train.images.shape[1] as number, generator: gen }).channelsLast();
  const head = new Linear(encoder.featureDim, o.numClasses, { generator: gen });
  const groups = [...splitWeightDecay(encoder, 5e-4), ...splitWeightDecay(head, 5e-4)];
  const opt = new SGD(groups, { lr: o.lr ?? 0.1, momentum: 0.9 });
  // The cosine must reach its end when the run does, or batch-norm running
  // statistics trail weights still moving at a high rate: under a time budget
  // the total is re-planned from the measured speed after the first steps.
  const warmupSteps = Math.max(1, Math.min(50, Math.floor(o.steps / 10)));
  const plan = (total: number) =>
    warmupCosine({ baseLr: o.lr ?? 0.1, warmupSteps: Math.min(warmupSteps, total - 1), totalSteps: total });
  let totalSteps = o.steps;
  let schedule = plan(totalSteps);
  const n = o.train.images.shape[0] as number;
  const start = performance.now();
  let perm = randperm(n, { generator: gen }).keep();
  let cursor = 0;
  let step = 0;
  let loss = Number.NaN;
  encoder.train();
  head.train();
  for (; step < totalSteps; step++) {
    if (o.maxSeconds !== undefined && step === 10) {
      const perStep = (performance.now() - start) / 1000 / step;
      const fit = Math.max(step + 2, Math.floor(o.maxSeconds / perStep));
      if (fit < totalSteps) {
        totalSteps = fit;
        schedule = plan(totalSteps);
      }
    }
    if (o.maxSeconds !== undefined && (performance.now() - start) / 1000 > o.maxSeconds) break;
    if (cursor + batch > n) {
      perm.dispose();
      perm = randperm(n, { generator: gen }).keep();
      cursor = 0;
    }
    const lr = applySchedule(opt, schedule, step);
    loss = tidy(() => {
      const idx = perm.narrow(0, cursor, batch);
      const x = normalizeImages(o.train.images.indexSelect(0, idx), mean, std);
      const y = o.train.labels.indexSelect(0, idx);
      const l = nnf.crossEntropy(head.forward(encoder.forward(x)), y);
      opt.zeroGrad();
      l.backward();
      opt.step();
      return l.item();
    });
    cursor += batch;
    if (!Number.isFinite(loss)) throw new Error(`fitClassifier: loss became ${loss} at step ${step}`);
    const seconds = (performance.now() - start) / 1000;
    o.onStep?.({ step: step + 1, totalSteps, loss, imagesPerSecond: ((step + 1) * batch) / seconds, lr });
  }
  const seconds = (performance.now() - start) / 1000;
  perm.dispose();
  const testAccuracy = classifierAccuracy(encoder, head, o.test, mean, std);
  encoder.dispose();
  head.dispose();
  return { steps: step, seconds, imagesPerSecond: (step * batch) / seconds, trainLoss: loss, testAccuracy };
}
