/**
 * SimCLR (Chen, Kornblith, Norouzi, Hinton 2020): encoder plus an MLP
 * projection head, trained on two views with NT-Xent over the 2B views.
 */
import type { EncoderScale, ImageEncoder } from '../nn/index.ts';
import { tidy } from '../tensor/index.ts';
import { twoViews } from './batch.ts';
import { ModuleDict, mlpHead } from './heads.ts';
import { ntXentLoss } from './losses.ts';
import type { Method, MethodBatch, MethodDeps, MethodOutput } from './method.ts';
import {
  isSmallScale,
  type OptionSpecs,
  positive,
  positiveInt,
  type RecipeOptions,
  recipeSpecs,
  resolveOptions,
  scaledRecipe,
} from './options.ts';
import { expectNoState } from './state.ts';

export type SimCLRConfig = {
  name: 'simclr';
  /** τ of NT-Xent: 0.5, the best on CIFAR-10 in the paper (App. B.9; it tried 0.1–1). */
  temperature: number;
  /** Projector hidden width (2048 for ResNet-18, solo-learn's CIFAR config; 512 for the ConvNet). */
  hiddenDim: number;
  /** Projection dimension (128, the paper's; also for the ConvNet). */
  outDim: number;
} & RecipeOptions;

/**
 * Defaults for an encoder of this `scale` (small: the ConvNet; large: ResNet-18). Optimizer: the paper's
 * LARS recipe (App. B.1): lr 0.3·B/256, wd 1e-6, momentum 0.9, η = 0.001,
 * 10 warm-up epochs (of the 800-epoch protocol: 0.0125).
 */
export function simclrDefaults(scale: EncoderScale): SimCLRConfig {
  const small = isSmallScale(scale);
  return {
    name: 'simclr',
    temperature: 0.5,
    hiddenDim: small ? 512 : 2048,
    outDim: 128,
    optimizer: 'lars',
    baseLr: 0.3,
    weightDecay: 1e-6,
    optimizerMomentum: 0.9,
    warmupFraction: 10 / 800,
  };
}

function specs(scale: EncoderScale): OptionSpecs<Omit<SimCLRConfig, 'name'>> {
  const d = simclrDefaults(scale);
  return {
    temperature: positive(d.temperature),
    hiddenDim: positiveInt(d.hiddenDim),
    outDim: positiveInt(d.outDim),
    ...recipeSpecs(d),
  };
}

/** SimCLR: projector Linear(d→h)+BN+ReLU, Linear(h→k) (heads: `projector`), loss NT-Xent(z1, z2, τ). */
export function simclr(options: Partial<SimCLRConfig>, deps: MethodDeps): Method {
  const featureDim = deps.encoder.featureDim;
  const o = resolveOptions('simclr', options, specs(deps.encoder.scale));
  const projector = mlpHead(featureDim, o.hiddenDim, o.outDim, deps.generator);
  const heads = new ModuleDict({ projector });
  return {
    name: 'simclr',
    config: { name: 'simclr', ...o } satisfies SimCLRConfig,
    views: 2,
    needsLabels: false,
    heads,
    recipe: (batchSize) => scaledRecipe('simclr', o, batchSize),
    forward(encoder: ImageEncoder, batch: MethodBatch): MethodOutput {
      const [x1, x2] = twoViews('simclr', batch);
      return tidy(() => {
        const z1 = projector.forward(encoder.forward(x1));
        const z2 = projector.forward(encoder.forward(x2));
        return { loss: ntXentLoss(z1, z2, o.temperature), embedding: z1.detach() };
      });
    },
    afterStep() {},
    stateTensors: () => ({}),
    loadStateTensors: (state) => expectNoState('simclr', state),
    dispose: () => heads.dispose(),
  };
}
