/**
 * The cheap kNN monitor a training loop runs every epoch: weighted kNN
 * accuracy of a fixed, seeded bank of training images on the first test
 * images, so successive epochs are comparable.
 */
import type { LabeledDataset } from '../data/index.ts';
import type { ImageEncoder } from '../nn/index.ts';
import { Generator, keep, randperm, tidy } from '../tensor/index.ts';
import { accuracy } from './accuracy.ts';
import { extractFeatures, type PixelNormalization } from './features.ts';
import { knnClassify } from './knn.ts';

export interface KnnMonitorSettings {
  /** Training images in the bank (a fixed seeded subset; all of them when larger than the split). */
  bankSize: number;
  /** Test images classified (the first ones of the split). */
  querySize: number;
  /** Neighbours per query. */
  k: number;
  /** τ of the weights exp(sim/τ). */
  temperature: number;
}

/** A monitor: the kNN accuracy in [0, 1] of an encoder, and a dispose for the images it holds. */
export type KnnMonitor = ((encoder: ImageEncoder) => number) & { dispose(): void };

/**
 * The per-epoch kNN monitor of `data`: the bank is `bankSize` training
 * images drawn by a permutation seeded with `seed`, the queries the first
 * `querySize` test images; both are copied once, here. Each call extracts
 * their features with the encoder (eval mode, `norm`) and returns the
 * weighted kNN accuracy (knnClassify with `k` and `temperature`).
 */
export function knnMonitor(
  data: LabeledDataset,
  settings: KnnMonitorSettings,
  norm: PixelNormalization,
  seed: number,
): KnnMonitor {
  const nTrain = data.train.images.shape[0] as number;
  const nTest = data.test.images.shape[0] as number;
  const held = tidy(() => {
    const idx = randperm(nTrain, { generator: new Generator(seed) }).narrow(0, 0, Math.min(settings.bankSize, nTrain));
    const q = Math.min(settings.querySize, nTest);
    return {
      bank: keep(data.train.images.indexSelect(0, idx)),
      bankLabels: keep(data.train.labels.indexSelect(0, idx)),
      query: keep(data.test.images.narrow(0, 0, q).clone()),
      queryLabels: keep(data.test.labels.narrow(0, 0, q).clone()),
    };
  });
  const norms = { mean: norm.mean, std: norm.std };
  const fn = (encoder: ImageEncoder): number =>
    tidy(() => {
      const bank = extractFeatures(encoder, held.bank, norms);
      const query = extractFeatures(encoder, held.query, norms);
      const pred = knnClassify(bank, held.bankLabels, query, {
        k: settings.k,
        temperature: settings.temperature,
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
