/**
 * SimSiam (Chen & He 2021): encoder plus projector, and a predictor that
 * predicts one view's projection from the other's, with a stop-gradient on
 * the target; no negatives, no momentum encoder.
 */

import type { EncoderScale, ImageEncoder } from '../nn/index.ts';
import { MLP } from '../nn/index.ts';
import { tidy } from '../tensor/index.ts';
import { twoViews } from './batch.ts';
import { ModuleDict, mlpHead } from './heads.ts';
import { negativeCosineLoss } from './losses.ts';
import type { Method, MethodBatch, MethodDeps, MethodOutput } from './method.ts';
import {
  isSmallScale,
  type OptionSpecs,
  oneOf,
  positiveInt,
  type RecipeOptions,
  recipeSpecs,
  resolveOptions,
  scaledRecipe,
} from './options.ts';
import { expectNoState } from './state.ts';

export type SimSiamConfig = {
  name: 'simsiam';
  /** 2: the paper's CIFAR projector; 3: its ImageNet projector. Every Linear is followed by BN; the last BN has no γ, β. */
  projectorLayers: 2 | 3;
  /** Projector hidden width (2048, the paper's; 512 for the ConvNet). */
  hiddenDim: number;
  /** Projection dimension d (2048, the paper's; 512 for the ConvNet). */
  outDim: number;
  /** Predictor bottleneck width (512 = d/4, the paper's; 128 for the ConvNet). */
  predictorHiddenDim: number;
} & RecipeOptions;

/**
 * Defaults for an encoder of this `scale` (small: the ConvNet; large: ResNet-18). Optimizer: the paper's
 * CIFAR recipe, SGD, lr 0.03·B/256, wd 5e-4, momentum 0.9, cosine without warm-up.
 */
export function simsiamDefaults(scale: EncoderScale): SimSiamConfig {
  const small = isSmallScale(scale);
  return {
    name: 'simsiam',
    projectorLayers: 2,
    hiddenDim: small ? 512 : 2048,
    outDim: small ? 512 : 2048,
    predictorHiddenDim: small ? 128 : 512,
    optimizer: 'sgd',
    baseLr: 0.03,
    weightDecay: 5e-4,
    optimizerMomentum: 0.9,
    warmupFraction: 0,
  };
}

function specs(scale: EncoderScale): OptionSpecs<Omit<SimSiamConfig, 'name'>> {
  const d = simsiamDefaults(scale);
  return {
    projectorLayers: oneOf(d.projectorLayers, [2, 3] as const),
    hiddenDim: positiveInt(d.hiddenDim),
    outDim: positiveInt(d.outDim),
    predictorHiddenDim: positiveInt(d.predictorHiddenDim),
    ...recipeSpecs(d),
  };
}

/**
 * SimSiam. Heads: `projector` (Linear+BN+ReLU ×(layers−1), Linear+BN without
 * affine, as the official code's output layer) and `predictor`
 * (Linear+BN+ReLU, Linear). Loss ½·D(p1, z2) + ½·D(p2, z1) with
 * D = negativeCosineLoss (stop-gradient on z).
 */
export function simsiam(options: Partial<SimSiamConfig>, deps: MethodDeps): Method {
  const featureDim = deps.encoder.featureDim;
  const o = resolveOptions('simsiam', options, specs(deps.encoder.scale));
  const dims =
    o.projectorLayers === 3 ? [featureDim, o.hiddenDim, o.hiddenDim, o.outDim] : [featureDim, o.hiddenDim, o.outDim];
  const projector = new MLP(dims, {
    batchNorm: true,
    lastBatchNorm: true,
    lastBatchNormAffine: false,
    generator: deps.generator,
  });
  const predictor = mlpHead(o.outDim, o.predictorHiddenDim, o.outDim, deps.generator);
  const heads = new ModuleDict({ projector, predictor });
  return {
    name: 'simsiam',
    config: { name: 'simsiam', ...o } satisfies SimSiamConfig,
    views: 2,
    needsLabels: false,
    heads,
    recipe: (batchSize) => scaledRecipe('simsiam', o, batchSize),
    forward(encoder: ImageEncoder, batch: MethodBatch): MethodOutput {
      const [x1, x2] = twoViews('simsiam', batch);
      return tidy(() => {
        const z1 = projector.forward(encoder.forward(x1));
        const z2 = projector.forward(encoder.forward(x2));
        const p1 = predictor.forward(z1);
        const p2 = predictor.forward(z2);
        const loss = negativeCosineLoss(p1, z2).add(negativeCosineLoss(p2, z1)).mul(0.5);
        return { loss, embedding: z1.detach() };
      });
    },
    afterStep() {},
    stateTensors: () => ({}),
    loadStateTensors: (state) => expectNoState('simsiam', state),
    dispose: () => heads.dispose(),
  };
}
