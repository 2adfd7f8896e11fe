/** A sequence of augmentations applied to a batch, and positive pairs of views. */
import type { Generator, Tensor } from '../tensor/index.ts';
import { tidy } from '../tensor/index.ts';
import { transformFromSpec } from './registry.ts';
import { applyTransform, type Transform, type TransformSpec } from './transform.ts';

/** JSON description of a pipeline. */
export interface PipelineSpec {
  kind: 'pipeline';
  transforms: TransformSpec[];
}

/**
 * Augmentations applied in order to a whole batch, each drawing its
 * per-sample parameters from the generator in turn, so the output depends
 * only on the images, the transforms and the generator's state.
 */
export class Pipeline {
  readonly transforms: readonly Transform[];

  constructor(transforms: Transform[]) {
    this.transforms = [...transforms];
  }

  /** `{ kind: 'pipeline', transforms: [each transform's spec] }`. */
  get spec(): PipelineSpec {
    return { kind: 'pipeline', transforms: this.transforms.map((t) => t.spec) };
  }

  /** Rebuilds a pipeline from `spec` (or from a bare list of transform specs). */
  static fromSpec(spec: PipelineSpec | TransformSpec[]): Pipeline {
    const list = Array.isArray(spec) ? spec : spec?.transforms;
    if (!Array.isArray(list)) {
      throw new RangeError('Pipeline.fromSpec: expected { kind: "pipeline", transforms: [...] } or a list of specs');
    }
    return new Pipeline(list.map(transformFromSpec));
  }

  /**
   * One augmented view of a B×C×H×W batch: uint8 images are first scaled to
   * float32 x/255 (torchvision's ToTensor), other dtypes converted to float32.
   * Returns a new float32 tensor; intermediates and parameter tensors are freed.
   */
  apply(images: Tensor, g: Generator): Tensor {
    if (images.ndim !== 4) throw new RangeError(`Pipeline: images must be B×C×H×W, got shape [${images.shape}]`);
    return tidy(() => {
      const uint8 = images.dtype === 'uint8';
      let x = uint8 ? images.float().div(255) : images.dtype === 'float32' ? images : images.float();
      for (const t of this.transforms) x = applyTransform(t, x, g);
      return x === images ? images.clone() : x;
    });
  }

  /** `count` independent views of the same batch, drawn one after another from `g`. */
  views(images: Tensor, g: Generator, count = 2): Tensor[] {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`Pipeline.views: count must be ≥ 1, got ${count}`);
    return Array.from({ length: count }, () => this.apply(images, g));
  }
}

/** Two independent views of a batch (a positive pair per image). */
export function twoViews(p: Pipeline, images: Tensor, g: Generator): [Tensor, Tensor] {
  return p.views(images, g, 2) as [Tensor, Tensor];
}
