/**
 * SwAV (Caron et al. 2020), two crops, no multi-crop and no queue: the
 * normalized projections of both views are scored against learned unit
 * prototypes; Sinkhorn turns each view's scores into balanced codes, and each
 * view predicts the other's codes ("swapped prediction"). Without the queue
 * the batch must be large compared with the number of prototypes for the
 * equipartition to mean much; the paper adds a queue below batch 256.
 */
import { Linear } from '../nn/index.ts';
import { nonNegativeInt, option, positive, positiveInt } from '../options/index.ts';
import { nnf, noGrad, tidy } from '../tensor/index.ts';
import { twoViews } from './batch.ts';
import { byScale, defineMethod } from './define.ts';
import { mlpHead } from './heads.ts';
import { sinkhorn, swavLoss } from './losses.ts';

export type SwAVOptions = {
  temperature: number;
  epsilon: number;
  sinkhornIterations: number;
  prototypes: number;
  freezePrototypesSteps: number;
  hiddenDim: number;
  outDim: number;
};

/**
 * SwAV. Heads: `projector` (Linear+BN+ReLU, Linear) and `prototypes`
 * (Linear without bias, its rows renormalized to unit norm in place before
 * each use). Scores sₜ = zₜ·Cᵀ with zₜ = projection/‖projection‖; codes
 * qₜ = sinkhorn(sₜ) without gradient; loss swavLoss(s1, s2, q1, q2, τ).
 * Optimizer: the paper's batch-256 recipe, LARS (η = 0.001, no clipping) with
 * lr 0.6 at B = 256 scaled linearly, wd 1e-6, momentum 0.9, no warm-up.
 */
export const swav = defineMethod<SwAVOptions>({
  name: 'swav',
  summary: 'swapped prediction of Sinkhorn-balanced prototype codes (Caron et al. 2020)',
  options: {
    temperature: option(positive, 0.1, 'τ of the softmax over prototypes'),
    epsilon: option(positive, 0.05, 'ε of Sinkhorn (the entropy weight of the balanced codes)'),
    sinkhornIterations: option(positiveInt, 3, 'Sinkhorn iterations'),
    prototypes: option(
      positiveInt,
      byScale(100, 3000),
      'number of prototypes K (100 on the ConvNet: 10× the classes of MNIST)',
    ),
    freezePrototypesSteps: option(
      nonNegativeInt,
      0,
      'steps during which the prototypes get no gradient (the paper freezes them for the first epoch; 0 = never)',
      { unit: 'steps' },
    ),
    hiddenDim: option(positiveInt, byScale(512, 2048), 'hidden width of the projector'),
    outDim: option(positiveInt, 128, 'projection dimension'),
  },
  recipe: { optimizer: 'lars', baseLr: 0.6, weightDecay: 1e-6, momentum: 0.9, warmupFraction: 0 },
  batchSize: 256,
  build(o, deps) {
    const projector = mlpHead(deps.encoder.featureDim, o.hiddenDim, o.outDim, deps.generator);
    const prototypes = new Linear(o.outDim, o.prototypes, { bias: false, generator: deps.generator });
    const normalizePrototypes = (): void =>
      noGrad(() => tidy(() => void prototypes.weight.div_(prototypes.weight.norm(2, 1, true))));
    return {
      heads: { projector, prototypes },
      forward(encoder, batch, ctx) {
        const [x1, x2] = twoViews('swav', batch);
        normalizePrototypes();
        const c = ctx.step < o.freezePrototypesSteps ? prototypes.weight.detach() : prototypes.weight;
        const z1 = nnf.normalize(projector.forward(encoder.forward(x1)), 1);
        const z2 = nnf.normalize(projector.forward(encoder.forward(x2)), 1);
        const s1 = nnf.linear(z1, c);
        const s2 = nnf.linear(z2, c);
        const q1 = sinkhorn(s1, o.epsilon, o.sinkhornIterations);
        const q2 = sinkhorn(s2, o.epsilon, o.sinkhornIterations);
        return { loss: swavLoss(s1, s2, q1, q2, o.temperature), embedding: z1.detach() };
      },
    };
  },
});
