/**
 * Parameter initialisation (torch.nn.init equivalents). Every function fills
 * its tensor in place under noGrad and draws from `generator` when given,
 * otherwise from libtorch's global generator, so a seed fixes the network.
 */
import { noGrad, op, type Tensor } from '../tensor/index.ts';
import type { Generator } from '../tensor/random.ts';

export type Nonlinearity = 'linear' | 'conv2d' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu';

/**
 * fan_in = size(1)·receptive field, fan_out = size(0)·receptive field, where
 * the receptive field is the product of the dims after the first two.
 */
export function fans(t: Tensor): { fanIn: number; fanOut: number } {
  const s = t.shape;
  if (s.length < 2) throw new Error(`init: fan in/out needs a tensor with at least 2 dims, got shape [${s}]`);
  const field = s.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: (s[1] as number) * field, fanOut: (s[0] as number) * field };
}

/** The recommended gain for a nonlinearity (torch.nn.init.calculate_gain): relu √2, leaky_relu √(2/(1+a²)), tanh 5/3. */
export function gain(nonlinearity: Nonlinearity, a = 0.01): number {
  switch (nonlinearity) {
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu':
      return Math.sqrt(2 / (1 + a * a));
    case 'tanh':
      return 5 / 3;
    default:
      return 1;
  }
}

/** Fills `t` with U(low, high). */
export function uniform_(t: Tensor, low: number, high: number, generator?: Generator): Tensor {
  noGrad(() => op('aten::uniform_', [t, low, high], { generator: generator ?? null }));
  return t;
}

/** Fills `t` with N(mean, std²). */
export function normal_(t: Tensor, mean: number, std: number, generator?: Generator): Tensor {
  noGrad(() => op('aten::normal_', [t, mean, std], { generator: generator ?? null }));
  return t;
}

/** Fills `t` with a constant. */
export function constant_(t: Tensor, value: number): Tensor {
  noGrad(() => t.fill_(value));
  return t;
}

export interface KaimingOptions {
  /** Negative slope of the rectifier after this layer (leaky_relu only). */
  a?: number;
  mode?: 'fanIn' | 'fanOut';
  nonlinearity?: Nonlinearity;
  generator?: Generator;
}

/**
 * He et al. 2015 uniform init: U(−b, b) with b = gain·√(3/fan). PyTorch's
 * default for Linear and Conv is a = √5, nonlinearity leaky_relu, which gives
 * b = 1/√fan_in.
 */
export function kaimingUniform_(t: Tensor, o: KaimingOptions = {}): Tensor {
  const { fanIn, fanOut } = fans(t);
  const fan = (o.mode ?? 'fanIn') === 'fanIn' ? fanIn : fanOut;
  const bound = gain(o.nonlinearity ?? 'leaky_relu', o.a ?? 0) * Math.sqrt(3 / fan);
  return uniform_(t, -bound, bound, o.generator);
}

/** He et al. 2015 normal init: N(0, std²) with std = gain/√fan (torchvision's ResNet uses fan_out, relu). */
export function kaimingNormal_(t: Tensor, o: KaimingOptions = {}): Tensor {
  const { fanIn, fanOut } = fans(t);
  const fan = (o.mode ?? 'fanIn') === 'fanIn' ? fanIn : fanOut;
  const std = gain(o.nonlinearity ?? 'leaky_relu', o.a ?? 0) / Math.sqrt(fan);
  return normal_(t, 0, std, o.generator);
}

/**
 * PyTorch's default init of a Linear/Conv layer: W ~ U(−1/√fan_in, 1/√fan_in)
 * (kaiming_uniform with a = √5) and bias ~ U(−1/√fan_in, 1/√fan_in).
 */
export function defaultLayerInit_(weight: Tensor, bias: Tensor | null, generator?: Generator): void {
  kaimingUniform_(weight, { a: Math.sqrt(5), generator });
  if (bias) {
    const bound = 1 / Math.sqrt(fans(weight).fanIn);
    uniform_(bias, -bound, bound, generator);
  }
}
