/**
 * SwAV (Caron et al. 2020), two crops, no multi-crop and no queue: the
 * normalized projections of both views are scored against learned unit
 * prototypes; Sinkhorn turns each view's scores into balanced codes, and each
 * view predicts the other's codes ("swapped prediction"). Without the queue
 * the batch must be large compared with the number of prototypes for the
 * equipartition to mean much; the paper adds a queue below batch 256.
 */
import type { EncoderScale, ImageEncoder } from '../nn/index.ts';
import { Linear } from '../nn/index.ts';
import { nnf, noGrad, tidy } from '../tensor/index.ts';
import { twoViews } from './batch.ts';
import { ModuleDict, mlpHead } from './heads.ts';
import { sinkhorn, swavLoss } from './losses.ts';
import type { Method, MethodBatch, MethodContext, MethodDeps, MethodOutput } from './method.ts';
import {
  isSmallScale,
  nonNegativeInt,
  type OptionSpecs,
  positive,
  positiveInt,
  type RecipeOptions,
  recipeSpecs,
  resolveOptions,
  scaledRecipe,
} from './options.ts';
import { expectNoState } from './state.ts';

export type SwAVConfig = {
  name: 'swav';
  /** τ of the softmax over prototypes (0.1, the paper's). */
  temperature: number;
  /** ε of Sinkhorn (0.05, the paper's). */
  epsilon: number;
  /** Sinkhorn iterations (3, the paper's). */
  sinkhornIterations: number;
  /** Number of prototypes K (3000, the paper's and solo-learn's CIFAR config; 100 for the ConvNet, 10× MNIST's classes). */
  prototypes: number;
  /** Steps during which the prototypes get no gradient (the paper freezes them for the first epoch; 0 = never). */
  freezePrototypesSteps: number;
  /** Projector hidden width (2048, the paper's; 512 for the ConvNet). */
  hiddenDim: number;
  /** Projection dimension (128, the paper's). */
  outDim: number;
} & RecipeOptions;

/**
 * Defaults for an encoder of this `scale` (small: the ConvNet; large: ResNet-18). Optimizer: the
 * paper's batch-256 recipe, LARS (η = 0.001, no clipping) with lr 0.6 at
 * B = 256 scaled linearly, wd 1e-6, momentum 0.9, no warm-up.
 */
export function swavDefaults(scale: EncoderScale): SwAVConfig {
  const small = isSmallScale(scale);
  return {
    name: 'swav',
    temperature: 0.1,
    epsilon: 0.05,
    sinkhornIterations: 3,
    prototypes: small ? 100 : 3000,
    freezePrototypesSteps: 0,
    hiddenDim: small ? 512 : 2048,
    outDim: 128,
    optimizer: 'lars',
    baseLr: 0.6,
    weightDecay: 1e-6,
    optimizerMomentum: 0.9,
    warmupFraction: 0,
  };
}

function specs(scale: EncoderScale): OptionSpecs<Omit<SwAVConfig, 'name'>> {
  const d = swavDefaults(scale);
  return {
    temperature: positive(d.temperature),
    epsilon: positive(d.epsilon),
    sinkhornIterations: positiveInt(d.sinkhornIterations),
    prototypes: positiveInt(d.prototypes),
    freezePrototypesSteps: nonNegativeInt(d.freezePrototypesSteps),
    hiddenDim: positiveInt(d.hiddenDim),
    outDim: positiveInt(d.outDim),
    ...recipeSpecs(d),
  };
}

/**
 * SwAV. Heads: `projector` (Linear+BN+ReLU, Linear) and `prototypes`
 * (Linear without bias, its rows renormalized to unit norm in place before
 * each use). Scores sₜ = zₜ·Cᵀ with zₜ = projection/‖projection‖; codes
 * qₜ = sinkhorn(sₜ) without gradient; loss swavLoss(s1, s2, q1, q2, τ).
 */
export function swav(options: Partial<SwAVConfig>, deps: MethodDeps): Method {
  const featureDim = deps.encoder.featureDim;
  const o = resolveOptions('swav', options, specs(deps.encoder.scale));
  const projector = mlpHead(featureDim, o.hiddenDim, o.outDim, deps.generator);
  const prototypes = new Linear(o.outDim, o.prototypes, { bias: false, generator: deps.generator });
  const heads = new ModuleDict({ projector, prototypes });
  const normalizePrototypes = (): void =>
    noGrad(() => tidy(() => void prototypes.weight.div_(prototypes.weight.norm(2, 1, true))));

  return {
    name: 'swav',
    config: { name: 'swav', ...o } satisfies SwAVConfig,
    views: 2,
    needsLabels: false,
    heads,
    recipe: (batchSize) => scaledRecipe('swav', o, batchSize),
    forward(encoder: ImageEncoder, batch: MethodBatch, ctx: MethodContext): MethodOutput {
      const [x1, x2] = twoViews('swav', batch);
      normalizePrototypes();
      return tidy(() => {
        const frozen = ctx.step < o.freezePrototypesSteps;
        const c = frozen ? prototypes.weight.detach() : prototypes.weight;
        const z1 = nnf.normalize(projector.forward(encoder.forward(x1)), 1);
        const z2 = nnf.normalize(projector.forward(encoder.forward(x2)), 1);
        const s1 = nnf.linear(z1, c);
        const s2 = nnf.linear(z2, c);
        const q1 = sinkhorn(s1, o.epsilon, o.sinkhornIterations);
        const q2 = sinkhorn(s2, o.epsilon, o.sinkhornIterations);
        return { loss: swavLoss(s1, s2, q1, q2, o.temperature), embedding: z1.detach() };
      });
    },
    afterStep() {},
    stateTensors: () => ({}),
    loadStateTensors: (state) => expectNoState('swav', state),
    dispose: () => heads.dispose(),
  };
}
