/** Multi-layer perceptron: the projection and prediction heads of SSL methods. */
import { type ActivationName, activation } from './activation.ts';
import { BatchNorm1d } from './batchnorm.ts';
import { Linear } from './linear.ts';
import type { ModuleOptions } from './module.ts';
import { Sequential } from './sequential.ts';

export interface MLPOptions extends ModuleOptions {
  /** BatchNorm1d after every hidden Linear (default false). */
  batchNorm?: boolean;
  /** BatchNorm1d after the last Linear too (default false). */
  lastBatchNorm?: boolean;
  /** Learn γ, β in that last BatchNorm (default true; SimSiam uses false). */
  lastBatchNormAffine?: boolean;
  /** Activation after every hidden layer (default 'relu'; 'none' for a deep linear map). */
  activation?: ActivationName | 'none';
  /** Biases in the Linear layers (default true). */
  bias?: boolean;
}

/**
 * Linear(d₀→d₁) [+BN] + act, …, Linear(d_{L−1}→d_L) [+BN], laid out as one
 * torch.nn.Sequential, so names are "0.weight", "1.running_mean", … exactly
 * as PyTorch would give. The spectral-contrastive projector of HaoChen et al.
 * (Linear+BN+ReLU, Linear+BN) is `new MLP([512, 2048, k], { batchNorm: true, lastBatchNorm: true })`.
 */
export class MLP extends Sequential {
  readonly dims: readonly number[];

  constructor(dims: readonly number[], o: MLPOptions = {}) {
    super();
    if (dims.length < 2 || !dims.every((d) => Number.isInteger(d) && d > 0)) {
      throw new Error(`MLP: dims must be at least two positive integers [in, …, out], got [${dims}]`);
    }
    this.dims = [...dims];
    const act = o.activation ?? 'relu';
    for (let i = 0; i + 1 < dims.length; i++) {
      const last = i + 2 === dims.length;
      const out = dims[i + 1] as number;
      this.append(new Linear(dims[i] as number, out, { bias: o.bias ?? true, generator: o.generator }));
      if (!last) {
        if (o.batchNorm) this.append(new BatchNorm1d(out));
        if (act !== 'none') this.append(activation(act));
      } else if (o.lastBatchNorm) {
        this.append(new BatchNorm1d(out, { affine: o.lastBatchNormAffine ?? true }));
      }
    }
  }

  get inFeatures(): number {
    return this.dims[0] as number;
  }
  get outFeatures(): number {
    return this.dims[this.dims.length - 1] as number;
  }
}
