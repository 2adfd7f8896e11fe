/**
 * Spectral contrastive learning (HaoChen, Wei, Gaidon, Ma 2021): the encoder
 * plus the authors' projector, trained on two views with the spectral
 * contrastive loss. No temperature, momentum encoder or stop-gradient.
 */
import { option, positive, positiveInt } from '../options/index.ts';
import { exampleWeights, twoViews } from './batch.ts';
import { byScale, defineMethod } from './define.ts';
import { bnProjector } from './heads.ts';
import { spectralContrastiveLoss } from './losses.ts';

export type SpectralOptions = { mu: number; hiddenDim: number; outDim: number };

/**
 * The spectral method: projector Linear(d→h)+BN+ReLU, Linear(h→k)+BN on the
 * encoder's features (heads: `projector`), loss
 * `spectralContrastiveLoss(z1, z2, μ)`, logs part1 and part2; per-example
 * weights (rwSAM) weight part1's terms by wᵢ and part2's by wᵢwⱼ. Optimizer: the
 * authors' CIFAR recipe (config `spectral_resnet_mlp1000_norelu_cifar10_lr003_mu1`):
 * SGD, momentum 0.9, wd 5e-4, lr 0.03·B/256, 10 warm-up epochs of 800. It is
 * tuned for ResNet-18 over 800 epochs; short ConvNet runs may want more.
 */
export const spectral = defineMethod<SpectralOptions>({
  name: 'spectral',
  summary: 'spectral contrastive loss (HaoChen, Wei, Gaidon, Ma 2021)',
  options: {
    mu: option(
      positive,
      1,
      'μ: projections are clipped to norm √μ and the loss is divided by μ (1 on CIFAR, 10 on ImageNet)',
    ),
    hiddenDim: option(positiveInt, byScale(512, 2048), 'hidden width of the projector'),
    outDim: option(
      positiveInt,
      byScale(128, 1000),
      "output dimension k of the projector (1000: the authors' CIFAR mlp1000)",
    ),
  },
  recipe: { optimizer: 'sgd', baseLr: 0.03, weightDecay: 5e-4, momentum: 0.9, warmupFraction: 10 / 800 },
  // measured in docs/results.md: under a time budget on 2 cores, batch 128 gave spectral +0.5 to +0.9 points on Fashion-MNIST
  batchSize: byScale(128, 256),
  logs: ['part1', 'part2'],
  weightedLoss: true,
  build(o, deps) {
    const projector = bnProjector(deps.encoder.featureDim, o.hiddenDim, o.outDim, deps.generator);
    return {
      heads: { projector },
      forward(encoder, batch) {
        const [x1, x2] = twoViews('spectral', batch);
        const h1 = encoder.forward(x1);
        const weights = exampleWeights('spectral', batch, h1);
        const z1 = projector.forward(h1);
        const z2 = projector.forward(encoder.forward(x2));
        const { loss, part1, part2 } = spectralContrastiveLoss(z1, z2, o.mu, weights);
        return { loss, embedding: z1.detach(), logs: { part1: part1.detach(), part2: part2.detach() } };
      },
    };
  },
});
