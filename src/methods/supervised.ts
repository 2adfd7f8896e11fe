/**
 * The supervised baseline on the same pipeline: a linear classifier on the
 * encoder's features, trained by cross-entropy on one view with labels.
 */
import { Linear } from '../nn/index.ts';
import { type Tensor, tidy } from '../tensor/index.ts';
import { exampleWeights } from './batch.ts';
import { defineMethod } from './define.ts';
import { crossEntropyLoss } from './losses.ts';

/** Checks that `labels` are int64 class indices 0…classes−1, one per image of `x`. */
function checkLabels(labels: Tensor | null, x: Tensor, classes: number): Tensor {
  if (!labels) throw new Error('supervised: batches must carry labels (batch.labels is null)');
  const b = x.shape[0] as number;
  if (labels.dtype !== 'int64' || labels.ndim !== 1 || labels.shape[0] !== b) {
    throw new Error(`supervised: labels must be int64 of shape [${b}], got ${labels.dtype} [${labels.shape}]`);
  }
  const [lo, hi] = tidy(() => [labels.min().item(), labels.max().item()]);
  if ((lo as number) < 0 || (hi as number) >= classes) {
    throw new Error(`supervised: labels must be in 0…${classes - 1}, got values from ${lo} to ${hi}`);
  }
  return labels;
}

/**
 * Supervised baseline. Heads: `classifier` Linear(d→numClasses) (numClasses
 * from deps). Loss: cross-entropy of the logits of view 0 (with per-example
 * weights, rwSAM's, Σᵢ wᵢℓᵢ / Σᵢ wᵢ); the embedding is the logits.
 * Optimizer: SGD, lr 0.1·B/256 (Goyal et al. 2017's linear scaling of He et
 * al.'s 0.1 at B = 256), wd 5e-4 (the usual CIFAR ResNet value), momentum
 * 0.9, no warm-up.
 */
export const supervised = defineMethod<Record<string, never>>({
  name: 'supervised',
  summary: 'cross-entropy with the labels, the baseline on the same pipeline',
  options: {},
  recipe: { optimizer: 'sgd', baseLr: 0.1, weightDecay: 5e-4, momentum: 0.9, warmupFraction: 0 },
  batchSize: 256,
  views: 1,
  needsLabels: true,
  weightedLoss: true,
  build(_o, deps) {
    const classes = deps.numClasses;
    if (classes === undefined || !Number.isInteger(classes) || classes < 2) {
      throw new Error(`supervised: deps.numClasses must be an integer ≥ 2, got ${classes}`);
    }
    const classifier = new Linear(deps.encoder.featureDim, classes, { generator: deps.generator });
    return {
      heads: { classifier },
      forward(encoder, batch) {
        const x = batch.views[0];
        if (!x) throw new Error('supervised: a batch must have 1 view, got 0');
        const labels = checkLabels(batch.labels, x, classes);
        const features = encoder.forward(x);
        const weights = exampleWeights('supervised', batch, features);
        const logits = classifier.forward(features);
        return { loss: crossEntropyLoss(logits, labels, weights), embedding: logits.detach() };
      },
    };
  },
});
