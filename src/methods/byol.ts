/**
 * BYOL (Grill et al. 2020): an online network (encoder, projector,
 * predictor) predicts the projection of the other view by a target network
 * (encoder, projector) that is an exponential moving average of the online
 * one; no negatives.
 */

import { entriesUnder, withPrefix } from '../nn/index.ts';
import { option, positiveInt, unitInterval } from '../options/index.ts';
import { noGrad, type Tensor, tidy } from '../tensor/index.ts';
import { twoViews } from './batch.ts';
import { byScale, defineMethod } from './define.ts';
import { cosineMomentum, emaUpdate_, frozenCopy } from './ema.ts';
import { ModuleDict, mlpHead } from './heads.ts';
import { byolLoss } from './losses.ts';
import { expectStateKeys } from './state.ts';

export type BYOLOptions = { tauBase: number; hiddenDim: number; outDim: number; predictorHiddenDim: number };

/**
 * BYOL. Heads: `projector` and `predictor` (Linear+BN+ReLU, Linear each).
 * State: the target network (`target.encoder.…`, `target.projector.…`).
 * Loss: byolLoss(p1, z̄2) + byolLoss(p2, z̄1) with z̄ the target's projections
 * (the paper's symmetrized L + L̃). `afterStep` moves the target with
 * τ = 1 − (1 − τ_base)·(cos(π·step/totalSteps) + 1)/2. Optimizer: the paper's
 * LARS recipe, lr 0.2·B/256, wd 1.5e-6, momentum 0.9, η = 0.001, 10 warm-up
 * epochs of 1000.
 */
export const byol = defineMethod<BYOLOptions>({
  name: 'byol',
  summary: 'an online predictor regresses a momentum target network, no negatives (Grill et al. 2020)',
  options: {
    tauBase: option(
      unitInterval,
      0.99,
      "τ_base of the target network's decay, raised to 1 by a cosine schedule (0.99 on CIFAR; 0.996 on ImageNet)",
    ),
    hiddenDim: option(positiveInt, byScale(512, 4096), 'hidden width of the projector'),
    outDim: option(positiveInt, byScale(128, 256), 'projection dimension'),
    predictorHiddenDim: option(positiveInt, byScale(512, 4096), 'hidden width of the predictor'),
  },
  recipe: { optimizer: 'lars', baseLr: 0.2, weightDecay: 1.5e-6, momentum: 0.9, warmupFraction: 10 / 1000 },
  batchSize: 256,
  build(o, deps) {
    const featureDim = deps.encoder.featureDim;
    const projector = mlpHead(featureDim, o.hiddenDim, o.outDim, deps.generator);
    const predictor = mlpHead(o.outDim, o.predictorHiddenDim, o.outDim, deps.generator);
    const targetEncoder = frozenCopy(deps.makeEncoder(), deps.encoder);
    const targetProjector = frozenCopy(mlpHead(featureDim, o.hiddenDim, o.outDim), projector);
    const target = new ModuleDict({ encoder: targetEncoder, projector: targetProjector });
    const targetOf = (x: Tensor): Tensor => noGrad(() => targetProjector.forward(targetEncoder.forward(x)));
    return {
      heads: { projector, predictor },
      forward(encoder, batch) {
        const [x1, x2] = twoViews('byol', batch);
        const z1 = projector.forward(encoder.forward(x1));
        const z2 = projector.forward(encoder.forward(x2));
        const loss = byolLoss(predictor.forward(z1), targetOf(x2)).add(byolLoss(predictor.forward(z2), targetOf(x1)));
        return { loss, embedding: z1.detach() };
      },
      afterStep(encoder, ctx) {
        const tau = cosineMomentum(o.tauBase, ctx.step, ctx.totalSteps);
        emaUpdate_(targetEncoder, encoder, tau);
        emaUpdate_(targetProjector, projector, tau);
      },
      stateTensors: () => withPrefix(target.stateDict(), 'target.'),
      loadStateTensors(state) {
        expectStateKeys(
          'byol',
          state,
          tidy(() => Object.keys(withPrefix(target.stateDict(), 'target.'))),
        );
        target.loadStateDict(entriesUnder(state, 'target.'));
      },
      dispose: () => target.dispose(),
    };
  },
});
