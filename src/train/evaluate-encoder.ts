/**
 * How good a representation is: a linear probe and a weighted kNN on frozen
 * features, beside the floors every table reports (raw pixels, a random-init
 * encoder of the same architecture). And the cheap kNN monitor run every epoch.
 */
import type { LabeledDataset, Normalization } from '../data/index.ts';
import { accuracy, extractFeatures, knnClassify, linearProbe, rawPixelFeatures } from '../eval/index.ts';
import type { ImageEncoder } from '../nn/index.ts';
import { Generator, keep, randperm, type Tensor, tidy } from '../tensor/index.ts';
import type { MonitorConfig } from './pretrain-config.ts';

export interface EncoderEvaluation {
  /** Linear-probe top-1 on the test split (logistic regression by L-BFGS on standardized features). */
  linearProbe: number;
  /** Weighted kNN top-1 on the test split (cosine, k = 200, τ = 0.1, bank = all training images). */
  knn: number;
}

/** Linear probe and kNN accuracy of given train/test features. */
export function evaluateFeatures(
  train: Tensor,
  trainLabels: Tensor,
  test: Tensor,
  testLabels: Tensor,
  numClasses: number,
): EncoderEvaluation {
  const probe = linearProbe({ trainFeatures: train, trainLabels, testFeatures: test, testLabels, numClasses });
  const knn = tidy(() =>
    accuracy(knnClassify(train, trainLabels, test, { k: 200, temperature: 0.1, numClasses }), testLabels),
  );
  return { linearProbe: probe.top1, knn };
}

/** Features of an encoder on the whole dataset, then `evaluateFeatures`. */
export function evaluateEncoder(encoder: ImageEncoder, data: LabeledDataset, norm: Normalization): EncoderEvaluation {
  return tidy(() => {
    const train = extractFeatures(encoder, data.train.images, norm);
    const test = extractFeatures(encoder, data.test.images, norm);
    return evaluateFeatures(train, data.train.labels, test, data.test.labels, data.classes.length);
  });
}

/** The floor: the same probe and kNN on standardized raw pixels. */
export function evaluatePixels(data: LabeledDataset, norm: Normalization): EncoderEvaluation {
  return tidy(() => {
    const train = rawPixelFeatures(data.train.images, norm);
    const test = rawPixelFeatures(data.test.images, norm);
    return evaluateFeatures(train, data.train.labels, test, data.test.labels, data.classes.length);
  });
}

/**
 * The per-epoch kNN monitor: a fixed seeded bank of training images and the
 * first test images; returns the monitor function (accuracy in [0, 1]) and a
 * dispose for its tensors.
 */
export function knnMonitor(
  data: LabeledDataset,
  cfg: MonitorConfig,
  norm: Normalization,
  seed: number,
): ((encoder: ImageEncoder) => number) & { dispose(): void } {
  const nTrain = data.train.images.shape[0] as number;
  const nTest = data.test.images.shape[0] as number;
  const held = tidy(() => {
    const idx = randperm(nTrain, { generator: new Generator(seed) }).narrow(0, 0, Math.min(cfg.bankSize, nTrain));
    const q = Math.min(cfg.querySize, nTest);
    return {
      bank: keep(data.train.images.indexSelect(0, idx)),
      bankLabels: keep(data.train.labels.indexSelect(0, idx)),
      query: keep(data.test.images.narrow(0, 0, q).clone()),
      queryLabels: keep(data.test.labels.narrow(0, 0, q).clone()),
    };
  });
  const fn = (encoder: ImageEncoder): number =>
    tidy(() => {
      const bank = extractFeatures(encoder, held.bank, norm);
      const query = extractFeatures(encoder, held.query, norm);
      const pred = knnClassify(bank, held.bankLabels, query, {
        k: cfg.k,
        temperature: cfg.temperature,
        numClasses: data.classes.length,
      });
      return accuracy(pred, held.queryLabels);
    });
  return Object.assign(fn, {
    dispose() {
      for (const t of Object.values(held)) t.dispose();
    },
  });
}
