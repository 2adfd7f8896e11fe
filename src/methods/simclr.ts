/**
 * SimCLR (Chen, Kornblith, Norouzi, Hinton 2020): encoder plus an MLP
 * projection head, trained on two views with NT-Xent over the 2B views.
 */
import { option, positive, positiveInt } from '../options/index.ts';
import { twoViews } from './batch.ts';
import { byScale, defineMethod } from './define.ts';
import { mlpHead } from './heads.ts';
import { ntXentLoss } from './losses.ts';

export type SimCLROptions = { temperature: number; hiddenDim: number; outDim: number };

/**
 * SimCLR: projector Linear(d→h)+BN+ReLU, Linear(h→k) (heads: `projector`),
 * loss NT-Xent(z1, z2, τ). Optimizer: the paper's LARS recipe (App. B.1):
 * lr 0.3·B/256, wd 1e-6, momentum 0.9, η = 0.001, 10 warm-up epochs of 800.
 */
export const simclr = defineMethod<SimCLROptions>({
  name: 'simclr',
  summary: 'NT-Xent over the 2B views (Chen, Kornblith, Norouzi, Hinton 2020)',
  options: {
    temperature: option(positive, 0.5, 'τ of NT-Xent (0.5: the best on CIFAR-10 in the paper, which tried 0.1–1)'),
    hiddenDim: option(positiveInt, byScale(512, 2048), 'hidden width of the projection head'),
    outDim: option(positiveInt, 128, 'projection dimension'),
  },
  recipe: { optimizer: 'lars', baseLr: 0.3, weightDecay: 1e-6, momentum: 0.9, warmupFraction: 10 / 800 },
  batchSize: 256,
  build(o, deps) {
    const projector = mlpHead(deps.encoder.featureDim, o.hiddenDim, o.outDim, deps.generator);
    return {
      heads: { projector },
      forward(encoder, batch) {
        const [x1, x2] = twoViews('simclr', batch);
        const z1 = projector.forward(encoder.forward(x1));
        const z2 = projector.forward(encoder.forward(x2));
        return { loss: ntXentLoss(z1, z2, o.temperature), embedding: z1.detach() };
      },
    };
  },
});
