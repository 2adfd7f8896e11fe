/** Random horizontal flip. */
import { probability } from '../options/index.ts';
import { type Generator, type Tensor, tensor, tidy, where } from '../tensor/index.ts';
import { checkBatch, drawUniforms } from './batch.ts';
import { checkKeys, readOption } from './options.ts';
import type { BatchShape, Transform, TransformSpec } from './transform.ts';

const NAME = 'RandomHorizontalFlip';

export interface RandomHorizontalFlipOptions {
  /** Probability that a sample is mirrored left–right (default 0.5). */
  p?: number;
}

/** Per sample: 1 = mirror, 0 = keep. */
export interface FlipParams {
  flip: Uint8Array;
}

/**
 * torchvision's `RandomHorizontalFlip(p)`: each sample is mirrored along its
 * width (x[…, j] ← x[…, W−1−j]) with probability p, independently. Batched
 * as where(mask, x.flip(3), x).
 */
export class RandomHorizontalFlip implements Transform<FlipParams> {
  static readonly kind = 'randomHorizontalFlip';
  readonly spec: TransformSpec;
  readonly p: number;

  constructor(options: RandomHorizontalFlipOptions = {}) {
    const o = checkKeys(NAME, RandomHorizontalFlip.kind, options, ['p']);
    this.p = readOption(NAME, o, 'p', probability, 0.5);
    this.spec = { kind: RandomHorizontalFlip.kind, p: this.p };
  }

  sample(shape: BatchShape, g: Generator): FlipParams {
    const u = drawUniforms(g, shape.batch, 1);
    return { flip: Uint8Array.from(u, (v) => (v < this.p ? 1 : 0)) };
  }

  applyWith(x: Tensor, params: FlipParams): Tensor {
    const batch = params.flip.length;
    checkBatch(NAME, x, batch);
    const n = params.flip.reduce((a, b) => a + b, 0);
    if (n === 0) return x.clone();
    if (n === batch) return x.flip(3);
    return tidy(() => where(tensor(params.flip, [batch, 1, 1, 1]).to('bool'), x.flip(3), x));
  }
}
