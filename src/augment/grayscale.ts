/** Random grayscale. */
import { probability } from '../options/index.ts';
import { type Generator, type Tensor, tidy } from '../tensor/index.ts';
import { applyToSelected, checkBatch, drawUniforms, selected } from './batch.ts';
import { gray } from './color-ops.ts';
import { checkKeys, readOption } from './options.ts';
import type { BatchShape, Transform, TransformSpec } from './transform.ts';

const NAME = 'RandomGrayscale';

export interface RandomGrayscaleOptions {
  /** Probability that a sample is turned gray (default 0.1). */
  p?: number;
}

/** Per sample: 1 = gray. */
export interface GrayscaleParams {
  apply: Uint8Array;
}

/**
 * torchvision's `RandomGrayscale(p)`: with probability p a sample becomes its
 * grayscale image 0.299·R + 0.587·G + 0.114·B (see `GRAY_WEIGHTS`) replicated
 * to its C channels. A no-op on 1-channel images.
 */
export class RandomGrayscale implements Transform<GrayscaleParams> {
  static readonly kind = 'randomGrayscale';
  readonly spec: TransformSpec;
  readonly p: number;

  constructor(options: RandomGrayscaleOptions = {}) {
    const o = checkKeys(NAME, RandomGrayscale.kind, options, ['p']);
    this.p = readOption(NAME, o, 'p', probability, 0.1);
    this.spec = { kind: RandomGrayscale.kind, p: this.p };
  }

  sample(shape: BatchShape, g: Generator): GrayscaleParams {
    const u = drawUniforms(g, shape.batch, 1);
    return { apply: Uint8Array.from(u, (v) => (v < this.p ? 1 : 0)) };
  }

  applyWith(x: Tensor, params: GrayscaleParams): Tensor {
    const [C] = checkBatch(NAME, x, params.apply.length, true);
    if (C === 1) return x.clone();
    // expand is a view: contiguous() makes the copy the result needs anyway.
    return tidy(() =>
      applyToSelected(x, selected(params.apply), (sub) => gray(sub).expand(-1, C, -1, -1).contiguous()),
    );
  }
}
