/**
 * Supervised training of an encoder with a linear head by cross-entropy,
 * the engine's end-to-end check on real images (and, later, the supervised
 * baseline's inner loop). Knows nothing about files or terminals: progress
 * goes to a callback.
 */

import type { ImageSplit } from '../data/index.ts';
import { ConvNet, Linear, type Module } from '../nn/index.ts';
import { applySchedule, SGD, splitWeightDecay, warmupCosine } from '../optim/index.ts';
import { Generator, nnf, noGrad, randperm, type Tensor, tensor, tidy } from '../tensor/index.ts';

export interface FitClassifierOptions {
  train: ImageSplit;
  test: ImageSplit;
  numClasses: number;
  /** Steps of SGD; the run also stops when `maxSeconds` is spent. */
  steps: number;
  maxSeconds?: number;
  batchSize?: number;
  lr?: number;
  seed?: number;
  /** Per-channel mean and std of pixel values in [0, 1]. */
  mean?: number[];
  std?: number[];
  onStep?: (s: { step: number; loss: number; imagesPerSecond: number; lr: number }) => void;
}

export interface FitClassifierResult {
  steps: number;
  seconds: number;
  imagesPerSecond: number;
  trainLoss: number;
  testAccuracy: number;
}

/** Scales uint8 images to standardized float32: (x/255 − mean)/std per channel, channels-last. */
export function standardize(images: Tensor, mean: number[], std: number[]): Tensor {
  return tidy(() => {
    const c = images.shape[1] as number;
    const m = mean.length === c ? mean : Array(c).fill(mean[0]);
    const s = std.length === c ? std : Array(c).fill(std[0]);
    const scale = tensorOf(
      s.map((v) => 1 / (255 * v)),
      c,
    );
    const shift = tensorOf(
      m.map((v, i) => -v / (s[i] as number)),
      c,
    );
    return images.float().mul(scale).add(shift).channelsLast();
  });
}

/** A 1×C×1×1 float32 tensor of per-channel constants. */
const tensorOf = (values: number[], c: number): Tensor => tensor(Float32Array.from(values), [1, c, 1, 1]);

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
        const x = standardize(split.images.narrow(0, i, len), mean, std);
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
  const schedule = warmupCosine({ baseLr: o.lr ?? 0.1, warmupSteps: Math.min(50, o.steps - 1), totalSteps: o.steps });
  const n = o.train.images.shape[0] as number;
  const start = performance.now();
  let perm = randperm(n, { generator: gen }).keep();
  let cursor = 0;
  let step = 0;
  let loss = Number.NaN;
  encoder.train();
  head.train();
  for (; step < o.steps; step++) {
    if (o.maxSeconds !== undefined && (performance.now() - start) / 1000 > o.maxSeconds) break;
    if (cursor + batch > n) {
      perm.dispose();
      perm = randperm(n, { generator: gen }).keep();
      cursor = 0;
    }
    const lr = applySchedule(opt, schedule, step);
    loss = tidy(() => {
      const idx = perm.narrow(0, cursor, batch);
      const x = standardize(o.train.images.indexSelect(0, idx), mean, std);
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
    o.onStep?.({ step: step + 1, loss, imagesPerSecond: ((step + 1) * batch) / seconds, lr });
  }
  const seconds = (performance.now() - start) / 1000;
  perm.dispose();
  const testAccuracy = classifierAccuracy(encoder, head, o.test, mean, std);
  encoder.dispose();
  head.dispose();
  return { steps: step, seconds, imagesPerSecond: (step * batch) / seconds, trainLoss: loss, testAccuracy };
}
