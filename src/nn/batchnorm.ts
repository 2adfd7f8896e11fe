/** Batch normalization over 2-D/3-D (BatchNorm1d) and 4-D (BatchNorm2d) inputs. */
import { nnf, noGrad, ones, type Tensor, zeros } from '../tensor/index.ts';
import { Module, type ModuleOptions } from './module.ts';

export interface BatchNormOptions extends ModuleOptions {
  eps?: number;
  /**
   * Weight of the new batch in the running statistics (default 0.1);
   * null gives the cumulative average 1/num_batches_tracked, as PyTorch.
   */
  momentum?: number | null;
  /** Learn a per-channel scale γ and shift β (default true). */
  affine?: boolean;
  /** Keep running_mean/running_var/num_batches_tracked (default true). */
  trackRunningStats?: boolean;
}

/**
 * y = (x − μ)/√(σ² + ε)·γ + β per channel (dim 1), Ioffe & Szegedy 2015.
 * Training: μ, σ² are the batch mean and biased variance, and the running
 * statistics are updated in place, running ← (1 − m)·running + m·batch with
 * the unbiased batch variance; num_batches_tracked (int64) counts the
 * updates. Evaluation: μ, σ² are the running statistics. Names match
 * PyTorch: weight, bias, running_mean, running_var, num_batches_tracked.
 */
abstract class BatchNorm extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  protected abstract readonly inputDims: readonly number[];

  constructor(numFeatures: number, o: BatchNormOptions = {}) {
    super();
    if (!Number.isInteger(numFeatures) || numFeatures < 1) {
      throw new Error(`${new.target.name}: numFeatures must be a positive integer, got ${numFeatures}`);
    }
    this.numFeatures = numFeatures;
    this.eps = o.eps ?? 1e-5;
    this.momentum = o.momentum === undefined ? 0.1 : o.momentum;
    this.affine = o.affine ?? true;
    this.trackRunningStats = o.trackRunningStats ?? true;
    if (this.affine) {
      this.registerParameter('weight', ones([numFeatures]));
      this.registerParameter('bias', zeros([numFeatures]));
    }
    if (this.trackRunningStats) {
      this.registerBuffer('running_mean', zeros([numFeatures]));
      this.registerBuffer('running_var', ones([numFeatures]));
      this.registerBuffer('num_batches_tracked', zeros([], { dtype: 'int64' }));
    }
  }

  get weight(): Tensor | null {
    return this.affine ? this.param('weight') : null;
  }
  get bias(): Tensor | null {
    return this.affine ? this.param('bias') : null;
  }
  get runningMean(): Tensor | null {
    return this.trackRunningStats ? this.buffer('running_mean') : null;
  }
  get runningVar(): Tensor | null {
    return this.trackRunningStats ? this.buffer('running_var') : null;
  }
  get numBatchesTracked(): Tensor | null {
    return this.trackRunningStats ? this.buffer('num_batches_tracked') : null;
  }

  forward(x: Tensor): Tensor {
    const s = x.shape;
    const name = this.constructor.name;
    if (!this.inputDims.includes(s.length) || s[1] !== this.numFeatures) {
      throw new Error(
        `${name}: expected a ${this.inputDims.join('-D or ')}-D input with ${this.numFeatures} channels in dim 1, got shape [${s}]`,
      );
    }
    let momentum = this.momentum ?? 0;
    if (this.training) {
      // libtorch would return NaN/0 silently; PyTorch's Python layer raises the same error.
      const perChannel = s.reduce((a, b) => a * b, 1) / this.numFeatures;
      if (perChannel <= 1)
        throw new Error(`${name}: expected more than 1 value per channel when training, got input shape [${s}]`);
      const nbt = this.numBatchesTracked;
      if (nbt) {
        noGrad(() => nbt.add_(1));
        if (this.momentum === null) momentum = 1 / nbt.item();
      }
    }
    const useRunning = !this.training || this.trackRunningStats;
    return nnf.batchNorm(x, useRunning ? this.runningMean : null, useRunning ? this.runningVar : null, {
      weight: this.weight,
      bias: this.bias,
      training: this.training || !this.trackRunningStats,
      momentum,
      eps: this.eps,
    });
  }
}

/** BatchNorm over N×C or N×C×L inputs (torch.nn.BatchNorm1d). */
export class BatchNorm1d extends BatchNorm {
  protected readonly inputDims = [2, 3] as const;
}

/** BatchNorm over N×C×H×W inputs (torch.nn.BatchNorm2d); preserves channels-last layout. */
export class BatchNorm2d extends BatchNorm {
  protected readonly inputDims = [4] as const;
}

export type { BatchNorm };
