/** Additive Gaussian noise: the augmentation of the spectral-CL theory. */
import { boolean, nonNegative } from '../options/index.ts';
import { type Generator, randn, type Tensor, tidy } from '../tensor/index.ts';
import { checkBatch } from './batch.ts';
import { checkKeys, readOption } from './options.ts';
import type { BatchShape, Transform, TransformSpec } from './transform.ts';

const NAME = 'GaussianNoise';

export interface GaussianNoiseOptions {
  /** Standard deviation σ ≥ 0 of the noise, in pixel units of [0, 1] images. */
  sigma: number;
  /** Clamp the result to [0, 1] (default false: the theory's augmentation is unclamped). */
  clamp?: boolean;
}

/** The standard-normal draws ε, B×C×H×W float32 (a tensor: dispose it, or sample inside `tidy`). */
export interface NoiseParams {
  noise: Tensor;
}

/**
 * x ↦ x + σ·ε with ε ~ N(0, I) drawn from the generator: the Gaussian
 * augmentation A(·|x̄) = N(x̄, σ²I) of HaoChen, Wei, Gaidon & Ma (2021), under
 * which data on a mixture of manifolds gives an augmentation graph whose edges
 * stay mostly within each manifold.
 */
export class GaussianNoise implements Transform<NoiseParams> {
  static readonly kind = 'gaussianNoise';
  readonly spec: TransformSpec;
  readonly sigma: number;
  readonly clamp: boolean;

  constructor(options: GaussianNoiseOptions) {
    const o = checkKeys(NAME, GaussianNoise.kind, options, ['sigma', 'clamp']);
    this.sigma = readOption(NAME, o, 'sigma', nonNegative);
    this.clamp = readOption(NAME, o, 'clamp', boolean, false);
    this.spec = { kind: GaussianNoise.kind, sigma: this.sigma, clamp: this.clamp };
  }

  sample(shape: BatchShape, g: Generator): NoiseParams {
    return { noise: randn([shape.batch, shape.channels, shape.height, shape.width], { generator: g }) };
  }

  applyWith(x: Tensor, params: NoiseParams): Tensor {
    checkBatch(NAME, x, params.noise.shape[0] as number);
    if (params.noise.shape.join() !== x.shape.join()) {
      throw new RangeError(`${NAME}: noise of shape [${params.noise.shape}] for images of shape [${x.shape}]`);
    }
    if (!this.clamp) return x.add(params.noise, this.sigma);
    return tidy(() => x.add(params.noise, this.sigma).clamp_(0, 1));
  }
}
