/** Gaussian blur with a random width per sample. */
import { positive, positiveInt, probability, refine } from '../options/index.ts';
import { type Generator, nnf, type Tensor, tensor, tidy } from '../tensor/index.ts';
import { applyToSelected, checkBatch, drawUniforms, selected } from './batch.ts';
import { asPair, checkKeys, either, interval, readOption } from './options.ts';
import type { BatchShape, Transform, TransformSpec } from './transform.ts';

const NAME = 'GaussianBlur';
const KERNEL = refine(positiveInt, 'an odd positive integer', (k) => k % 2 === 1);
const SIGMA = either(positive, interval(0, Number.POSITIVE_INFINITY, 'lower'));

export interface GaussianBlurOptions {
  /** Kernel side K (odd). */
  kernelSize: number;
  /** σ ~ U[lo, hi] per sample, or a fixed σ (default [0.1, 2.0]). */
  sigma?: number | [number, number];
  /** Probability that a sample is blurred (default 1). */
  p?: number;
}

export interface BlurParams {
  /** 1 = blur this sample. */
  apply: Uint8Array;
  sigma: Float64Array;
}

/**
 * The normalized 1-D Gaussian kernel of torchvision's
 * `_get_gaussian_kernel1d`: k_i ∝ exp(−i²/(2σ²)), i = −(K−1)/2 … (K−1)/2.
 */
export function gaussianKernel1d(size: number, sigma: number): Float64Array {
  const half = (size - 1) / 2;
  const k = Float64Array.from({ length: size }, (_, i) => Math.exp(-0.5 * ((i - half) / sigma) ** 2));
  const sum = k.reduce((a, b) => a + b, 0);
  return k.map((v) => v / sum);
}

/**
 * torchvision's `GaussianBlur(kernel_size, sigma)` (`F.gaussian_blur`: reflect
 * padding by (K−1)/2, then the K×K kernel k kᵀ), applied to each sample with
 * probability p and its own σ. The 2-D kernel is separable, so it runs as a
 * vertical then a horizontal pass; the batch is one image of B·C channels and
 * each pass one grouped conv2d (groups = B·C) with the sample's kernel on
 * each of its channels.
 */
export class GaussianBlur implements Transform<BlurParams> {
  static readonly kind = 'gaussianBlur';
  readonly spec: TransformSpec;
  readonly kernelSize: number;
  readonly sigma: [number, number];
  readonly p: number;

  constructor(options: GaussianBlurOptions) {
    const o = checkKeys(NAME, GaussianBlur.kind, options, ['kernelSize', 'sigma', 'p']);
    this.kernelSize = readOption(NAME, o, 'kernelSize', KERNEL);
    this.sigma = asPair(readOption<number | [number, number]>(NAME, o, 'sigma', SIGMA, [0.1, 2.0]));
    this.p = readOption(NAME, o, 'p', probability, 1);
    this.spec = { kind: GaussianBlur.kind, kernelSize: this.kernelSize, sigma: o.sigma ?? this.sigma, p: this.p };
  }

  sample(shape: BatchShape, g: Generator): BlurParams {
    const u = drawUniforms(g, shape.batch, 2);
    const [lo, hi] = this.sigma;
    const p: BlurParams = { apply: new Uint8Array(shape.batch), sigma: new Float64Array(shape.batch) };
    for (let b = 0; b < shape.batch; b++) {
      p.apply[b] = (u[2 * b] as number) < this.p ? 1 : 0;
      p.sigma[b] = lo + (hi - lo) * (u[2 * b + 1] as number);
    }
    return p;
  }

  applyWith(x: Tensor, params: BlurParams): Tensor {
    const [C, H, W] = checkBatch(NAME, x, params.apply.length);
    const K = this.kernelSize;
    const r = (K - 1) / 2;
    if (r >= H || r >= W) {
      throw new RangeError(`${NAME}: reflect padding needs kernelSize ${K} ≤ 2·min(H, W) − 1 for ${H}×${W} images`);
    }
    return tidy(() =>
      applyToSelected(x, selected(params.apply), (sub, idx) => {
        const n = idx.length;
        const k = new Float32Array(n * C * K);
        idx.forEach((b, s) => {
          const kb = gaussianKernel1d(K, params.sigma[b] as number);
          for (let c = 0; c < C; c++) k.set(kb, (s * C + c) * K);
        });
        const flat = nnf.pad(sub.reshape(1, n * C, H, W), [r, r, r, r], 'reflect');
        const vertical = nnf.conv2d(flat, tensor(k, [n * C, 1, K, 1]), null, { groups: n * C });
        return nnf.conv2d(vertical, tensor(k, [n * C, 1, 1, K]), null, { groups: n * C }).reshape(n, C, H, W);
      }),
    );
  }
}
