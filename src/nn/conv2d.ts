/** 2-D convolution layer. */
import { nnf, type Tensor, zeros } from '../tensor/index.ts';
import { defaultLayerInit_ } from './init.ts';
import { Module, type ModuleOptions } from './module.ts';

type Pair = number | [number, number];

export interface Conv2dOptions extends ModuleOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  /** Split channels into this many independent groups (in and out channels must divide). */
  groups?: number;
  /** Learn an additive bias per output channel (default true, as PyTorch). */
  bias?: boolean;
}

/**
 * Cross-correlation y[n,o] = b[o] + Σ_{c∈group(o)} W[o,c] ⋆ x[n,c] over an
 * N×C×H×W input; W ∈ ℝ^{out×(in/groups)×kH×kW}. Initialised as PyTorch's
 * nn.Conv2d: W, b ~ U(−1/√fan_in, 1/√fan_in), fan_in = in/groups·kH·kW.
 * Channels-last weights and input run libtorch's NHWC kernels.
 */
export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: Pair;
  readonly padding: Pair;
  readonly dilation: Pair;
  readonly groups: number;

  constructor(inChannels: number, outChannels: number, kernelSize: Pair, o: Conv2dOptions = {}) {
    super();
    const groups = o.groups ?? 1;
    if (!Number.isInteger(groups) || groups < 1)
      throw new Error(`Conv2d: groups must be a positive integer, got ${groups}`);
    if (!Number.isInteger(inChannels) || inChannels < 1 || inChannels % groups !== 0) {
      throw new Error(`Conv2d: inChannels must be a positive multiple of groups=${groups}, got ${inChannels}`);
    }
    if (!Number.isInteger(outChannels) || outChannels < 1 || outChannels % groups !== 0) {
      throw new Error(`Conv2d: outChannels must be a positive multiple of groups=${groups}, got ${outChannels}`);
    }
    const k: [number, number] = Array.isArray(kernelSize) ? kernelSize : [kernelSize, kernelSize];
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = k;
    this.stride = o.stride ?? 1;
    this.padding = o.padding ?? 0;
    this.dilation = o.dilation ?? 1;
    this.groups = groups;
    const w = this.registerParameter('weight', zeros([outChannels, inChannels / groups, k[0], k[1]]));
    const b = o.bias === false ? null : this.registerParameter('bias', zeros([outChannels]));
    defaultLayerInit_(w, b, o.generator);
  }

  get weight(): Tensor {
    return this.param('weight');
  }
  get bias(): Tensor | null {
    return this.hasParam('bias') ? this.param('bias') : null;
  }

  forward(x: Tensor): Tensor {
    if (x.ndim !== 4 || x.shape[1] !== this.inChannels) {
      throw new Error(`Conv2d: expected input N×${this.inChannels}×H×W, got shape [${x.shape}]`);
    }
    return nnf.conv2d(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
    });
  }
}
