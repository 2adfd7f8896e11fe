/**
 * VICReg (Bardes, Ponce, LeCun 2022): variance–invariance–covariance
 * regularization. The two views' projections are pulled together
 * (invariance), each dimension's standard deviation is kept above 1 by a
 * hinge (variance) and the dimensions are decorrelated (covariance). Like
 * Barlow Twins, a non-contrastive member of the spectral family.
 */
import { nonNegative, option, positiveInt } from '../options/index.ts';
import { twoViews } from './batch.ts';
import { byScale, defineMethod } from './define.ts';
import { threeLayerProjector } from './heads.ts';
import { vicregLoss } from './losses.ts';

export type VICRegOptions = {
  invarianceWeight: number;
  varianceWeight: number;
  covarianceWeight: number;
  hiddenDim: number;
  outDim: number;
};

/**
 * VICReg. Heads: `expander`, three layers Linear(d→h)+BN+ReLU,
 * Linear(h→h)+BN+ReLU, Linear(h→k) (the paper's, 8192 wide on ImageNet).
 * Loss `vicregLoss(z1, z2, {25, 25, 1})`, logs its three unweighted terms.
 * Optimizer: the paper's LARS recipe, lr 0.2·B/256, wd 1e-6, momentum 0.9,
 * 10 warm-up epochs of 1000.
 */
export const vicreg = defineMethod<VICRegOptions>({
  name: 'vicreg',
  summary: 'variance, invariance and covariance terms on the projections (Bardes, Ponce, LeCun 2022)',
  options: {
    invarianceWeight: option(
      nonNegative,
      25,
      'λ, the weight of the invariance term (mean squared distance of the views)',
    ),
    varianceWeight: option(nonNegative, 25, "μ, the weight of the variance hinge (each dimension's std kept ≥ 1)"),
    covarianceWeight: option(nonNegative, 1, 'ν, the weight of the covariance term (off-diagonal covariances to 0)'),
    hiddenDim: option(
      positiveInt,
      byScale(512, 2048),
      'hidden width of the 3-layer expander (8192 on ImageNet in the paper)',
    ),
    outDim: option(positiveInt, byScale(512, 2048), 'output dimension of the expander (8192 on ImageNet in the paper)'),
  },
  recipe: { optimizer: 'lars', baseLr: 0.2, weightDecay: 1e-6, momentum: 0.9, warmupFraction: 10 / 1000 },
  batchSize: 256,
  logs: ['invariance', 'variance', 'covariance'],
  build(o, deps) {
    const expander = threeLayerProjector(deps.encoder.featureDim, o.hiddenDim, o.outDim, deps.generator);
    return {
      heads: { expander },
      forward(encoder, batch) {
        const [x1, x2] = twoViews('vicreg', batch);
        const z1 = expander.forward(encoder.forward(x1));
        const z2 = expander.forward(encoder.forward(x2));
        const r = vicregLoss(z1, z2, {
          invariance: o.invarianceWeight,
          variance: o.varianceWeight,
          covariance: o.covarianceWeight,
        });
        return {
          loss: r.loss,
          embedding: z1.detach(),
          logs: { invariance: r.invariance.detach(), variance: r.variance.detach(), covariance: r.covariance.detach() },
        };
      },
    };
  },
});
