/** Per-channel standardization. */
import { fail, finite, listOf, positive } from '../options/index.ts';
import { type Tensor, tensor, tidy } from '../tensor/index.ts';
import { checkBatch } from './batch.ts';
import { checkKeys, readOption } from './options.ts';
import type { Transform, TransformSpec } from './transform.ts';

const NAME = 'Normalize';

export interface NormalizeOptions {
  /** Per-channel mean (one value, or one per channel). */
  mean: number[];
  /** Per-channel standard deviation, > 0. */
  std: number[];
}

/**
 * torchvision's `Normalize(mean, std)`: x_c ↦ (x_c − mean_c)/std_c. Deterministic
 * (`sample` returns null). A single mean/std applies to every channel.
 */
export class Normalize implements Transform<null> {
  static readonly kind = 'normalize';
  readonly spec: TransformSpec;
  readonly mean: number[];
  readonly std: number[];

  constructor(options: NormalizeOptions) {
    const o = checkKeys(NAME, Normalize.kind, options, ['mean', 'std']);
    this.mean = [...readOption(NAME, o, 'mean', listOf(finite))];
    this.std = [...readOption(NAME, o, 'std', listOf(positive))];
    if (this.mean.length !== this.std.length) {
      fail(NAME, 'std', `a list as long as mean (${this.mean.length} values)`, this.std);
    }
    this.spec = { kind: Normalize.kind, mean: this.mean, std: this.std };
  }

  sample(): null {
    return null;
  }

  applyWith(x: Tensor, _params?: null): Tensor {
    const [C] = checkBatch(NAME, x, x.shape[0] as number);
    const n = this.mean.length;
    if (n !== 1 && n !== C) throw new RangeError(`${NAME}: ${n} means/stds for ${C}-channel images`);
    return tidy(() =>
      x.sub(tensor(Float32Array.from(this.mean), [1, n, 1, 1])).div(tensor(Float32Array.from(this.std), [1, n, 1, 1])),
    );
  }
}
