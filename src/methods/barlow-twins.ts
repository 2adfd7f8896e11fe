/**
 * Barlow Twins (Zbontar, Jing, Misra, LeCun, Deny 2021): the cross-correlation
 * of the two views' batch-standardized projections is driven to the identity —
 * its diagonal to 1 (invariance), its off-diagonal to 0 (redundancy
 * reduction). A non-contrastive member of the spectral family: the loss is a
 * function of the embeddings' second moments.
 */
import { nonNegative, option, positiveInt } from '../options/index.ts';
import { twoViews } from './batch.ts';
import { byScale, defineMethod } from './define.ts';
import { threeLayerProjector } from './heads.ts';
import { barlowTwinsLoss } from './losses.ts';

export type BarlowTwinsOptions = { lambda: number; hiddenDim: number; outDim: number };

/**
 * Barlow Twins. Heads: `projector`, three layers Linear(d→h)+BN+ReLU,
 * Linear(h→h)+BN+ReLU, Linear(h→k) (the paper's, 8192 wide on ImageNet).
 * Loss `barlowTwinsLoss(z1, z2, λ)`, logs its on- and off-diagonal terms.
 * Optimizer: the paper's LARS recipe, lr 0.2·B/256, wd 1.5e-6, momentum 0.9,
 * 10 warm-up epochs of 1000.
 */
export const barlowTwins = defineMethod<BarlowTwinsOptions>({
  name: 'barlowtwins',
  summary: 'cross-correlation of standardized projections driven to the identity (Zbontar et al. 2021)',
  options: {
    lambda: option(
      nonNegative,
      0.0051,
      'λ, the weight of the off-diagonal (redundancy) term against the diagonal (invariance) term',
    ),
    hiddenDim: option(
      positiveInt,
      byScale(512, 2048),
      'hidden width of the 3-layer projector (8192 on ImageNet in the paper)',
    ),
    outDim: option(positiveInt, byScale(512, 2048), 'projection dimension k (8192 on ImageNet in the paper)'),
  },
  recipe: { optimizer: 'lars', baseLr: 0.2, weightDecay: 1.5e-6, momentum: 0.9, warmupFraction: 10 / 1000 },
  batchSize: 256,
  logs: ['onDiagonal', 'offDiagonal'],
  build(o, deps) {
    const projector = threeLayerProjector(deps.encoder.featureDim, o.hiddenDim, o.outDim, deps.generator);
    return {
      heads: { projector },
      forward(encoder, batch) {
        const [x1, x2] = twoViews('barlowtwins', batch);
        const z1 = projector.forward(encoder.forward(x1));
        const z2 = projector.forward(encoder.forward(x2));
        const { loss, onDiagonal, offDiagonal } = barlowTwinsLoss(z1, z2, o.lambda);
        return {
          loss,
          embedding: z1.detach(),
          logs: { onDiagonal: onDiagonal.detach(), offDiagonal: offDiagonal.detach() },
        };
      },
    };
  },
});
