/** Fully connected layer. */
import { nnf, type Tensor, zeros } from '../tensor/index.ts';
import { defaultLayerInit_ } from './init.ts';
import { Module, type ModuleOptions } from './module.ts';

export interface LinearOptions extends ModuleOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
}

/**
 * y = x Wᵀ + b with W ∈ ℝ^{out×in}. Initialised as PyTorch's nn.Linear:
 * W, b ~ U(−1/√in, 1/√in) (Kaiming-uniform with a = √5).
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;

  constructor(inFeatures: number, outFeatures: number, o: LinearOptions = {}) {
    super();
    for (const [k, v] of [
      ['inFeatures', inFeatures],
      ['outFeatures', outFeatures],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`Linear: ${k} must be a positive integer, got ${v}`);
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const w = this.registerParameter('weight', zeros([outFeatures, inFeatures]));
    const b = o.bias === false ? null : this.registerParameter('bias', zeros([outFeatures]));
    defaultLayerInit_(w, b, o.generator);
  }

  get weight(): Tensor {
    return this.param('weight');
  }
  get bias(): Tensor | null {
    return this.hasParam('bias') ? this.param('bias') : null;
  }

  forward(x: Tensor): Tensor {
    const last = x.shape[x.ndim - 1];
    if (last !== this.inFeatures) {
      throw new Error(`Linear: expected input with last dimension ${this.inFeatures}, got shape [${x.shape}]`);
    }
    return nnf.linear(x, this.weight, this.bias);
  }
}
