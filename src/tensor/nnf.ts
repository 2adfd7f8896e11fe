/**
 * Neural-network functions (torch.nn.functional equivalents). Each is one
 * ATen operator, so its forward and backward are libtorch's own kernels.
 */

import { rand } from './creation.ts';
import { isFloating } from './dtype.ts';
import type { Generator } from './random.ts';
import { opT, type Tensor } from './tensor.ts';

type Pair = number | [number, number];

/** y = x Wᵀ + b */
export const linear = (x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor =>
  opT('aten::linear', [x, weight, bias ?? null]);

/** 2-D cross-correlation over N×C×H×W input with C_out×(C/groups)×kH×kW weights. */
export const conv2d = (
  x: Tensor,
  weight: Tensor,
  bias?: Tensor | null,
  o: { stride?: Pair; padding?: Pair; dilation?: Pair; groups?: number } = {},
): Tensor =>
  opT('aten::conv2d', [x, weight, bias ?? null, o.stride ?? 1, o.padding ?? 0, o.dilation ?? 1, o.groups ?? 1]);

/**
 * Batch normalization y = (x − μ)/√(σ² + ε)·γ + β over all dims but 1. In
 * training the batch statistics are used and the running ones updated in place
 * (running ← (1 − momentum)·running + momentum·batch, unbiased variance).
 */
export const batchNorm = (
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  o: { weight?: Tensor | null; bias?: Tensor | null; training: boolean; momentum?: number; eps?: number },
): Tensor =>
  opT('aten::batch_norm', [
    x,
    o.weight ?? null,
    o.bias ?? null,
    runningMean,
    runningVar,
    o.training,
    o.momentum ?? 0.1,
    o.eps ?? 1e-5,
    true,
  ]);

export const relu = (x: Tensor): Tensor => opT('aten::relu', [x]);
/** GELU, exact (erf) or 'tanh' approximation. */
export const gelu = (x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor => opT('aten::gelu', [x, approximate]);
export const leakyRelu = (x: Tensor, slope = 0.01): Tensor => opT('aten::leaky_relu', [x, slope]);

export const maxPool2d = (x: Tensor, kernel: Pair, o: { stride?: Pair; padding?: Pair } = {}): Tensor =>
  opT('aten::max_pool2d', [x, kernel, o.stride ?? kernel, o.padding ?? 0, 1, false]);
export const avgPool2d = (x: Tensor, kernel: Pair, o: { stride?: Pair; padding?: Pair } = {}): Tensor =>
  opT('aten::avg_pool2d', [x, kernel, o.stride ?? kernel, o.padding ?? 0, false, true, null]);
export const adaptiveAvgPool2d = (x: Tensor, output: Pair): Tensor => opT('aten::adaptive_avg_pool2d', [x, output]);

export const softmax = (x: Tensor, dim: number): Tensor => opT('aten::softmax.int', [x, dim, null]);
export const logSoftmax = (x: Tensor, dim: number): Tensor => opT('aten::log_softmax.int', [x, dim, null]);

/**
 * Cross-entropy −(1/N)·Σ log softmax(logits)[yᵢ] for int64 class targets
 * (or class probabilities), with optional label smoothing.
 */
export function crossEntropy(
  logits: Tensor,
  target: Tensor,
  o: { reduction?: 'mean' | 'sum' | 'none'; labelSmoothing?: number; ignoreIndex?: number } = {},
): Tensor {
  checkCrossEntropyTarget(logits, target);
  return opT('aten::cross_entropy_loss', [
    logits,
    target,
    null,
    { none: 0, mean: 1, sum: 2 }[o.reduction ?? 'mean'],
    o.ignoreIndex ?? -100,
    o.labelSmoothing ?? 0,
  ]);
}

/** libtorch's own message for a bad target ("expected scalar type Long") does not say which argument or shape. */
function checkCrossEntropyTarget(logits: Tensor, target: Tensor): void {
  const ls = logits.shape;
  const ts = target.shape;
  if (isFloating(target.dtype)) {
    if (ts.join() !== ls.join()) {
      throw new RangeError(
        `crossEntropy: a floating-point target holds class probabilities and must have the logits' shape [${ls}], ` +
          `got [${ts}] (${target.dtype}); for class indices pass an int64 tensor of shape [${dropClassDim(ls)}]`,
      );
    }
    return;
  }
  if (target.dtype !== 'int64') {
    throw new TypeError(`crossEntropy: class-index targets must be int64, got ${target.dtype}`);
  }
  const expected = dropClassDim(ls);
  if (ts.join() !== expected.join()) {
    throw new RangeError(
      `crossEntropy: class-index targets must have shape [${expected}] (the logits' [${ls}] without the class dim), got [${ts}]`,
    );
  }
}
const dropClassDim = (shape: number[]): number[] => shape.filter((_, i) => i !== (shape.length === 1 ? 0 : 1));

export const mseLoss = (a: Tensor, b: Tensor, reduction: 'mean' | 'sum' | 'none' = 'mean'): Tensor =>
  opT('aten::mse_loss', [a, b, { none: 0, mean: 1, sum: 2 }[reduction]]);

/** x / max(‖x‖_p, ε) along `dim`. */
export function normalize(x: Tensor, dim = -1, p = 2, eps = 1e-12): Tensor {
  const n = opT('aten::linalg_vector_norm', [x, p, [dim], true]);
  const d = n.clamp(eps, null);
  const y = x.div(d);
  n.dispose();
  d.dispose();
  return y;
}

/** Cosine similarity along `dim`. */
export const cosineSimilarity = (a: Tensor, b: Tensor, dim = -1, eps = 1e-8): Tensor =>
  opT('aten::cosine_similarity', [a, b, dim, eps]);

/** Inverted dropout: zero with probability p, scale the rest by 1/(1−p); identity when not training. */
export function dropout(x: Tensor, p: number, training: boolean, generator?: Generator): Tensor {
  if (!training || p === 0) return x.clone();
  if (!generator) return opT('aten::dropout', [x, p, true]);
  const keepMask = rand(x.shape, { dtype: x.dtype, device: x.device, generator });
  const m = keepMask.ge(p);
  const y = x.mul(m).div(1 - p);
  keepMask.dispose();
  m.dispose();
  return y;
}

/** Resize N×C×H×W to `size` with 'nearest', 'bilinear' or 'bicubic' sampling. */
export function interpolate(
  x: Tensor,
  size: [number, number],
  mode: 'nearest' | 'bilinear' | 'bicubic' = 'bilinear',
  alignCorners = false,
): Tensor {
  if (mode === 'nearest') return opT('aten::upsample_nearest2d', [x, size, null, null]);
  if (mode === 'bilinear') return opT('aten::upsample_bilinear2d', [x, size, alignCorners, null, null]);
  return opT('aten::upsample_bicubic2d', [x, size, alignCorners, null, null]);
}

/** Pads the last dims: [left, right, top, bottom, …] with 'constant', 'reflect' or 'replicate'. */
export const pad = (
  x: Tensor,
  padding: number[],
  mode: 'constant' | 'reflect' | 'replicate' = 'constant',
  value = 0,
): Tensor => opT('aten::pad', [x, padding, mode, mode === 'constant' ? value : null]);

/** Sampling grid for a batch of 2×3 affine matrices θ (N×2×3) → N×H×W×2 in [−1, 1]. */
export const affineGrid = (theta: Tensor, size: [number, number, number, number], alignCorners = false): Tensor =>
  opT('aten::affine_grid_generator', [theta, size, alignCorners]);

/** Bilinear/nearest sampling of x at grid locations (torch.nn.functional.grid_sample). */
export const gridSample = (
  x: Tensor,
  grid: Tensor,
  o: { mode?: 'bilinear' | 'nearest'; padding?: 'zeros' | 'border' | 'reflection'; alignCorners?: boolean } = {},
): Tensor =>
  opT('aten::grid_sampler', [
    x,
    grid,
    { bilinear: 0, nearest: 1 }[o.mode ?? 'bilinear'],
    { zeros: 0, border: 1, reflection: 2 }[o.padding ?? 'zeros'],
    o.alignCorners ?? false,
  ]);

/** One-hot rows of length `classes` (int64). */
export const oneHot = (labels: Tensor, classes: number): Tensor => opT('aten::one_hot', [labels, classes]);
