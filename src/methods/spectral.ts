/**
 * Spectral contrastive learning (HaoChen, Wei, Gaidon, Ma 2021): the encoder
 * plus the authors' projector, trained on two views with the spectral
 * contrastive loss. No temperature, momentum encoder or stop-gradient.
 */
import type { EncoderScale, ImageEncoder } from '../nn/index.ts';
import { tidy } from '../tensor/index.ts';
import { twoViews } from './batch.ts';
import { bnProjector, ModuleDict } from './heads.ts';
import { spectralContrastiveLoss } from './losses.ts';
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

export type SpectralConfig = {
  name: 'spectral';
  /** Norm bound √μ of the projections and the loss's scale (1 on CIFAR, 10 on ImageNet; authors). */
  mu: number;
  /** Hidden width h of the projector (2048 for ResNet-18, authors; 512 for the small ConvNet). */
  hiddenDim: number;
  /** Output dimension k (1000 for ResNet-18 on CIFAR-10, the authors' `mlp1000` config; 128 for the ConvNet). */
  outDim: number;
} & RecipeOptions;

/**
 * Defaults for an encoder of this `scale` (small: the ConvNet; large: ResNet-18). Optimizer: the
 * authors' CIFAR recipe (config `spectral_resnet_mlp1000_norelu_cifar10_lr003_mu1`):
 * SGD, momentum 0.9, wd 5e-4, lr 0.03·B/256, 10 warm-up epochs of 800. It is
 * tuned for ResNet-18 over 800 epochs; short ConvNet runs may want more.
 */
export function spectralDefaults(scale: EncoderScale): SpectralConfig {
  const small = isSmallScale(scale);
  return {
    name: 'spectral',
    mu: 1,
    hiddenDim: small ? 512 : 2048,
    outDim: small ? 128 : 1000,
    optimizer: 'sgd',
    baseLr: 0.03,
    weightDecay: 5e-4,
    optimizerMomentum: 0.9,
    warmupFraction: 10 / 800,
  };
}

function specs(scale: EncoderScale): OptionSpecs<Omit<SpectralConfig, 'name'>> {
  const d = spectralDefaults(scale);
  return { mu: positive(d.mu), hiddenDim: positiveInt(d.hiddenDim), outDim: positiveInt(d.outDim), ...recipeSpecs(d) };
}

/**
 * The spectral method: projector Linear(d→h)+BN+ReLU, Linear(h→k)+BN on the
 * encoder's features (heads: `projector`), loss
 * `spectralContrastiveLoss(z1, z2, μ)`, logs part1 and part2.
 */
export function spectral(options: Partial<SpectralConfig>, deps: MethodDeps): Method {
  const featureDim = deps.encoder.featureDim;
  const o = resolveOptions('spectral', options, specs(deps.encoder.scale));
  const config: SpectralConfig = { name: 'spectral', ...o };
  const projector = bnProjector(featureDim, o.hiddenDim, o.outDim, deps.generator);
  const heads = new ModuleDict({ projector });
  return {
    name: 'spectral',
    config,
    views: 2,
    needsLabels: false,
    heads,
    recipe: (batchSize) => scaledRecipe('spectral', o, batchSize),
    forward(encoder: ImageEncoder, batch: MethodBatch): MethodOutput {
      const [x1, x2] = twoViews('spectral', batch);
      return tidy(() => {
        const z1 = projector.forward(encoder.forward(x1));
        const z2 = projector.forward(encoder.forward(x2));
        const { loss, part1, part2 } = spectralContrastiveLoss(z1, z2, o.mu);
        return { loss, embedding: z1.detach(), logs: { part1: part1.item(), part2: part2.item() } };
      });
    },
    afterStep() {},
    stateTensors: () => ({}),
    loadStateTensors: (state) => expectNoState('spectral', state),
    dispose: () => heads.dispose(),
  };
}
