/**
 * The supervised baseline on the same pipeline: a linear classifier on the
 * encoder's features, trained by cross-entropy on one view with labels.
 */

import type { EncoderScale, ImageEncoder } from '../nn/index.ts';
import { Linear } from '../nn/index.ts';
import { nnf, type Tensor, tidy } from '../tensor/index.ts';
import { ModuleDict } from './heads.ts';
import type { Method, MethodBatch, MethodDeps, MethodOutput } from './method.ts';
import { type OptionSpecs, type RecipeOptions, recipeSpecs, resolveOptions, scaledRecipe } from './options.ts';
import { expectNoState } from './state.ts';

export type SupervisedConfig = { name: 'supervised' } & RecipeOptions;

/**
 * Defaults: SGD, lr 0.1·B/256 (Goyal et al. 2017's linear scaling of He et
 * al.'s 0.1 at B = 256), wd 5e-4 (the usual CIFAR ResNet value), momentum
 * 0.9, no warm-up. The same for every encoder.
 */
export function supervisedDefaults(_scale: EncoderScale): SupervisedConfig {
  return {
    name: 'supervised',
    optimizer: 'sgd',
    baseLr: 0.1,
    weightDecay: 5e-4,
    optimizerMomentum: 0.9,
    warmupFraction: 0,
  };
}

function specs(scale: EncoderScale): OptionSpecs<Omit<SupervisedConfig, 'name'>> {
  return recipeSpecs(supervisedDefaults(scale));
}

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
 * from deps). Loss: cross-entropy of the logits of view 0; the embedding is
 * the logits.
 */
export function supervised(options: Partial<SupervisedConfig>, deps: MethodDeps): Method {
  const featureDim = deps.encoder.featureDim;
  const o = resolveOptions('supervised', options, specs(deps.encoder.scale));
  const classes = deps.numClasses;
  if (classes === undefined || !Number.isInteger(classes) || classes < 2) {
    throw new Error(`supervised: deps.numClasses must be an integer ≥ 2, got ${classes}`);
  }
  const classifier = new Linear(featureDim, classes, { generator: deps.generator });
  const heads = new ModuleDict({ classifier });
  return {
    name: 'supervised',
    config: { name: 'supervised', ...o } satisfies SupervisedConfig,
    views: 1,
    needsLabels: true,
    heads,
    recipe: (batchSize) => scaledRecipe('supervised', o, batchSize),
    forward(encoder: ImageEncoder, batch: MethodBatch): MethodOutput {
      const x = batch.views[0];
      if (!x) throw new Error('supervised: a batch must have 1 view, got 0');
      const labels = checkLabels(batch.labels, x, classes);
      return tidy(() => {
        const logits = classifier.forward(encoder.forward(x));
        return { loss: nnf.crossEntropy(logits, labels), embedding: logits.detach() };
      });
    },
    afterStep() {},
    stateTensors: () => ({}),
    loadStateTensors: (state) => expectNoState('supervised', state),
    dispose: () => heads.dispose(),
  };
}
