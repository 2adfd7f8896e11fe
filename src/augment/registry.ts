/** Rebuilds a transform from its JSON spec (e.g. in a worker thread). */
import { ColorJitter, type ColorJitterOptions } from './color-jitter.ts';
import { GaussianBlur, type GaussianBlurOptions } from './gaussian-blur.ts';
import { GaussianNoise, type GaussianNoiseOptions } from './gaussian-noise.ts';
import { RandomGrayscale } from './grayscale.ts';
import { RandomHorizontalFlip } from './horizontal-flip.ts';
import { Normalize, type NormalizeOptions } from './normalize.ts';
import { RandomAffine } from './random-affine.ts';
import { RandomResizedCrop, type RandomResizedCropOptions } from './random-resized-crop.ts';
import { RandomSolarize } from './solarize.ts';
import type { Transform, TransformSpec } from './transform.ts';

type Options = Record<string, unknown>;

/** Constructors by `spec.kind`. */
const BUILDERS: Record<string, (o: Options) => Transform> = {
  [RandomResizedCrop.kind]: (o) => new RandomResizedCrop(o as unknown as RandomResizedCropOptions),
  [RandomHorizontalFlip.kind]: (o) => new RandomHorizontalFlip(o),
  [ColorJitter.kind]: (o) => new ColorJitter(o as ColorJitterOptions),
  [RandomGrayscale.kind]: (o) => new RandomGrayscale(o),
  [GaussianBlur.kind]: (o) => new GaussianBlur(o as unknown as GaussianBlurOptions),
  [RandomSolarize.kind]: (o) => new RandomSolarize(o),
  [RandomAffine.kind]: (o) => new RandomAffine(o),
  [GaussianNoise.kind]: (o) => new GaussianNoise(o as unknown as GaussianNoiseOptions),
  [Normalize.kind]: (o) => new Normalize(o as unknown as NormalizeOptions),
};

/** The kinds `transformFromSpec` knows. */
export const TRANSFORM_KINDS: readonly string[] = Object.keys(BUILDERS);

/** The transform a spec describes: `transformFromSpec(t.spec)` behaves as `t`. */
export function transformFromSpec(spec: TransformSpec): Transform {
  const build = typeof spec?.kind === 'string' ? BUILDERS[spec.kind] : undefined;
  if (!build) {
    throw new RangeError(
      `transformFromSpec: unknown transform kind ${JSON.stringify(spec?.kind)}; known kinds: ${TRANSFORM_KINDS.join(', ')}`,
    );
  }
  const { kind: _kind, ...options } = spec;
  return build(options);
}
