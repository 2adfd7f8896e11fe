/**
 * SimSiam (Chen & He 2021): encoder plus projector, and a predictor that
 * predicts one view's projection from the other's, with a stop-gradient on
 * the target; no negatives, no momentum encoder.
 */
import { MLP } from '../nn/index.ts';
import { oneOf, option, positiveInt } from '../options/index.ts';
import { exampleWeights, twoViews } from './batch.ts';
import { byScale, defineMethod } from './define.ts';
import { mlpHead } from './heads.ts';
import { negativeCosineLoss } from './losses.ts';

export type SimSiamOptions = { projectorLayers: 2 | 3; hiddenDim: number; outDim: number; predictorHiddenDim: number };

/**
 * SimSiam. Heads: `projector` (Linear+BN+ReLU ×(layers−1), Linear+BN without
 * affine, as the official code's output layer) and `predictor`
 * (Linear+BN+ReLU, Linear). Loss ½·D(p1, z2) + ½·D(p2, z1) with
 * D = negativeCosineLoss (stop-gradient on z), per-example weights (rwSAM)
 * weighting each image's two terms. Optimizer: the paper's CIFAR
 * recipe, SGD, lr 0.03·B/256, wd 5e-4, momentum 0.9, cosine without warm-up.
 */
export const simsiam = defineMethod<SimSiamOptions>({
  name: 'simsiam',
  summary: 'a predictor with stop-gradient, no negatives, no momentum encoder (Chen & He 2021)',
  options: {
    projectorLayers: option(
      oneOf([2, 3] as const),
      2,
      "projector depth: 2 is the paper's CIFAR projector, 3 its ImageNet one",
    ),
    hiddenDim: option(positiveInt, byScale(512, 2048), 'hidden width of the projector'),
    outDim: option(positiveInt, byScale(512, 2048), 'projection dimension d'),
    predictorHiddenDim: option(positiveInt, byScale(128, 512), 'bottleneck width of the predictor (d/4 in the paper)'),
  },
  recipe: { optimizer: 'sgd', baseLr: 0.03, weightDecay: 5e-4, momentum: 0.9, warmupFraction: 0 },
  batchSize: 256,
  weightedLoss: true,
  build(o, deps) {
    const d = deps.encoder.featureDim;
    const dims = o.projectorLayers === 3 ? [d, o.hiddenDim, o.hiddenDim, o.outDim] : [d, o.hiddenDim, o.outDim];
    const projector = new MLP(dims, {
      batchNorm: true,
      lastBatchNorm: true,
      lastBatchNormAffine: false,
      generator: deps.generator,
    });
    const predictor = mlpHead(o.outDim, o.predictorHiddenDim, o.outDim, deps.generator);
    return {
      heads: { projector, predictor },
      forward(encoder, batch) {
        const [x1, x2] = twoViews('simsiam', batch);
        const h1 = encoder.forward(x1);
        const weights = exampleWeights('simsiam', batch, h1);
        const z1 = projector.forward(h1);
        const z2 = projector.forward(encoder.forward(x2));
        const loss = negativeCosineLoss(predictor.forward(z1), z2, weights)
          .add(negativeCosineLoss(predictor.forward(z2), z1, weights))
          .mul(0.5);
        return { loss, embedding: z1.detach() };
      },
    };
  },
});
