/** Random solarization: invert the bright pixels. */
import { numberIn, probability } from '../options/index.ts';
import { type Generator, opT, type Tensor, tensor, tidy, where } from '../tensor/index.ts';
import { checkBatch, drawUniforms } from './batch.ts';
import { checkKeys, readOption } from './options.ts';
import type { BatchShape, Transform, TransformSpec } from './transform.ts';

const NAME = 'RandomSolarize';

export interface RandomSolarizeOptions {
  /** Pixels ≥ threshold are inverted (default 0.5). */
  threshold?: number;
  /** Probability that a sample is solarized (default 0.2). */
  p?: number;
}

/** Per sample: 1 = solarize. */
export interface SolarizeParams {
  apply: Uint8Array;
}

/**
 * torchvision's `RandomSolarize(threshold, p)` (`F.solarize`: where(x ≥ t,
 * 1 − x, x) on float images), each sample independently with probability p.
 */
export class RandomSolarize implements Transform<SolarizeParams> {
  static readonly kind = 'randomSolarize';
  readonly spec: TransformSpec;
  readonly threshold: number;
  readonly p: number;

  constructor(options: RandomSolarizeOptions = {}) {
    const o = checkKeys(NAME, RandomSolarize.kind, options, ['threshold', 'p']);
    this.threshold = readOption(NAME, o, 'threshold', numberIn(0, 1), 0.5);
    this.p = readOption(NAME, o, 'p', probability, 0.2);
    this.spec = { kind: RandomSolarize.kind, threshold: this.threshold, p: this.p };
  }

  sample(shape: BatchShape, g: Generator): SolarizeParams {
    const u = drawUniforms(g, shape.batch, 1);
    return { apply: Uint8Array.from(u, (v) => (v < this.p ? 1 : 0)) };
  }

  applyWith(x: Tensor, params: SolarizeParams): Tensor {
    const batch = params.apply.length;
    checkBatch(NAME, x, batch);
    const n = params.apply.reduce((a, b) => a + b, 0);
    if (n === 0) return x.clone();
    return tidy(() => {
      let cond = x.ge(this.threshold);
      if (n < batch) cond = opT('aten::logical_and', [cond, tensor(params.apply, [batch, 1, 1, 1]).to('bool')]);
      return where(cond, opT('aten::rsub.Scalar', [x, 1, 1]), x);
    });
  }
}
