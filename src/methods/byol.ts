/**
 * BYOL (Grill et al. 2020): an online network (encoder, projector,
 * predictor) predicts the projection of the other view by a target network
 * (encoder, projector) that is an exponential moving average of the online
 * one; no negatives.
 */
import type { EncoderScale, ImageEncoder } from '../nn/index.ts';
import { noGrad, type Tensor, tidy } from '../tensor/index.ts';
import { twoViews } from './batch.ts';
import { cosineMomentum, emaUpdate_, frozenCopy } from './ema.ts';
import { ModuleDict, mlpHead } from './heads.ts';
import { byolLoss } from './losses.ts';
import type { Method, MethodBatch, MethodContext, MethodDeps, MethodOutput } from './method.ts';
import {
  isSmallScale,
  type OptionSpecs,
  positiveInt,
  type RecipeOptions,
  recipeSpecs,
  resolveOptions,
  scaledRecipe,
  unitInterval,
} from './options.ts';
import { expectStateKeys, stateUnder, withPrefix } from './state.ts';

export type BYOLConfig = {
  name: 'byol';
  /** τ_base of the target's decay, raised to 1 by a cosine schedule (0.99 on CIFAR, solo-learn; 0.996 on ImageNet). */
  tauBase: number;
  /** Projector hidden width (4096, the paper's; 512 for the ConvNet). */
  hiddenDim: number;
  /** Projection dimension (256, the paper's; 128 for the ConvNet). */
  outDim: number;
  /** Predictor hidden width (4096, the paper's; 512 for the ConvNet). */
  predictorHiddenDim: number;
} & RecipeOptions;

/**
 * Defaults for an encoder of this `scale` (small: the ConvNet; large: ResNet-18). Optimizer: the
 * paper's LARS recipe, lr 0.2·B/256, wd 1.5e-6, momentum 0.9, η = 0.001,
 * 10 warm-up epochs of 1000.
 */
export function byolDefaults(scale: EncoderScale): BYOLConfig {
  const small = isSmallScale(scale);
  return {
    name: 'byol',
    tauBase: 0.99,
    hiddenDim: small ? 512 : 4096,
    outDim: small ? 128 : 256,
    predictorHiddenDim: small ? 512 : 4096,
    optimizer: 'lars',
    baseLr: 0.2,
    weightDecay: 1.5e-6,
    optimizerMomentum: 0.9,
    warmupFraction: 10 / 1000,
  };
}

function specs(scale: EncoderScale): OptionSpecs<Omit<BYOLConfig, 'name'>> {
  const d = byolDefaults(scale);
  return {
    tauBase: unitInterval(d.tauBase),
    hiddenDim: positiveInt(d.hiddenDim),
    outDim: positiveInt(d.outDim),
    predictorHiddenDim: positiveInt(d.predictorHiddenDim),
    ...recipeSpecs(d),
  };
}

/**
 * BYOL. Heads: `projector` and `predictor` (Linear+BN+ReLU, Linear each).
 * State: the target network (`target.encoder.…`, `target.projector.…`).
 * Loss: byolLoss(p1, z̄2) + byolLoss(p2, z̄1) with z̄ the target's projections
 * (the paper's symmetrized L + L̃). `afterStep` moves the target with
 * τ = 1 − (1 − τ_base)·(cos(π·step/totalSteps) + 1)/2.
 */
export function byol(options: Partial<BYOLConfig>, deps: MethodDeps): Method {
  const featureDim = deps.encoder.featureDim;
  const o = resolveOptions('byol', options, specs(deps.encoder.scale));
  const projector = mlpHead(featureDim, o.hiddenDim, o.outDim, deps.generator);
  const predictor = mlpHead(o.outDim, o.predictorHiddenDim, o.outDim, deps.generator);
  const heads = new ModuleDict({ projector, predictor });
  const targetEncoder = frozenCopy(deps.makeEncoder(), deps.encoder);
  const targetProjector = frozenCopy(mlpHead(featureDim, o.hiddenDim, o.outDim), projector);
  const target = new ModuleDict({ encoder: targetEncoder, projector: targetProjector });
  const targetOf = (x: Tensor): Tensor => noGrad(() => targetProjector.forward(targetEncoder.forward(x)));
  const stateKeys = (): string[] => tidy(() => Object.keys(withPrefix(target.stateDict(), 'target.')));

  return {
    name: 'byol',
    config: { name: 'byol', ...o } satisfies BYOLConfig,
    views: 2,
    needsLabels: false,
    heads,
    recipe: (batchSize) => scaledRecipe('byol', o, batchSize),
    forward(encoder: ImageEncoder, batch: MethodBatch): MethodOutput {
      const [x1, x2] = twoViews('byol', batch);
      return tidy(() => {
        const z1 = projector.forward(encoder.forward(x1));
        const z2 = projector.forward(encoder.forward(x2));
        const loss = byolLoss(predictor.forward(z1), targetOf(x2)).add(byolLoss(predictor.forward(z2), targetOf(x1)));
        return { loss, embedding: z1.detach() };
      });
    },
    afterStep(encoder: ImageEncoder, ctx: MethodContext) {
      const tau = cosineMomentum(o.tauBase, ctx.step, ctx.totalSteps);
      emaUpdate_(targetEncoder, encoder, tau);
      emaUpdate_(targetProjector, projector, tau);
    },
    stateTensors: () => withPrefix(target.stateDict(), 'target.'),
    loadStateTensors(state) {
      expectStateKeys('byol', state, stateKeys());
      target.loadStateDict(stateUnder(state, 'target.'));
    },
    dispose() {
      heads.dispose();
      target.dispose();
    },
  };
}
