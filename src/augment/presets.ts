/** Ready-made augmentation pipelines: the authors' CIFAR recipe, a digits recipe, Gaussian noise. */
import {
  derived,
  didYouMean,
  fail,
  finite,
  listOf,
  nullable,
  OptionError,
  oneOf,
  option,
  positive,
  type Schema,
} from '../options/index.ts';
import { ColorJitter } from './color-jitter.ts';
import { GaussianNoise } from './gaussian-noise.ts';
import { RandomGrayscale } from './grayscale.ts';
import { RandomHorizontalFlip } from './horizontal-flip.ts';
import { Normalize } from './normalize.ts';
import { Pipeline } from './pipeline.ts';
import { RandomAffine } from './random-affine.ts';
import { RandomResizedCrop } from './random-resized-crop.ts';
import type { Transform } from './transform.ts';

/** Options of the image presets. */
export interface PresetOptions {
  /**
   * Output size: a side (square images; default 32 for CIFAR, 28 for digits) or [height, width]. The
   * crop's aspect-ratio range is relative to the image's: a crop of an H×W image has width/height in
   * ratio × W/H, so non-square images (the two-part images, H×2W) keep their shape.
   */
  size?: number | [number, number];
  /** Whether the preset's horizontal flip is on (cifar only; default true; off for two-part images). */
  flip?: boolean;
  /** Per-channel mean for the final Normalize. */
  mean?: number[];
  /** Per-channel standard deviation for the final Normalize. */
  std?: number[];
}

/** Options of the Gaussian-noise preset. */
export interface GaussianPresetOptions {
  /** Noise standard deviation σ. */
  sigma: number;
  /** Normalize after the noise when both mean and std are given. */
  mean?: number[];
  std?: number[];
}

/** CIFAR-10 channel statistics used by the authors' code. */
export const CIFAR_MEAN = [0.4914, 0.4822, 0.4465];
export const CIFAR_STD = [0.2023, 0.1994, 0.201];
/** MNIST statistics (Fashion-MNIST: mean 0.2860, std 0.3530). */
export const MNIST_MEAN = [0.1307];
export const MNIST_STD = [0.3081];

/**
 * The authors' CIFAR recipe (spectral contrastive learning, as SimCLR's):
 * RandomResizedCrop(size, scale [0.2, 1]) → horizontal flip (p 0.5; `flip: false` drops it) →
 * ColorJitter(0.4, 0.4, 0.4, 0.1) with p 0.8 → grayscale (p 0.2) →
 * Normalize(CIFAR mean, std).
 */
function cifar(opts: PresetOptions = {}): Pipeline {
  const size = opts.size ?? 32;
  return new Pipeline([
    new RandomResizedCrop({ size, scale: [0.2, 1], ratio: relativeRatio([3 / 4, 4 / 3], size) }),
    ...(opts.flip === false ? [] : [new RandomHorizontalFlip({ p: 0.5 })]),
    new ColorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1, p: 0.8 }),
    new RandomGrayscale({ p: 0.2 }),
    new Normalize({ mean: opts.mean ?? CIFAR_MEAN, std: opts.std ?? CIFAR_STD }),
  ]);
}

/**
 * A recipe for 1-channel digits and clothes (MNIST, Fashion-MNIST): no flip
 * (a mirrored 2 or 7 is not a digit), a milder crop RandomResizedCrop(size,
 * scale [0.5, 1], ratio [0.8, 1.25]) → RandomAffine(±10°, shift ≤ 10 %) →
 * ColorJitter(brightness 0.4, contrast 0.4) with p 0.8 (saturation and hue
 * mean nothing for gray images) → Normalize (MNIST statistics by default; pass
 * mean [0.2860], std [0.3530] for Fashion-MNIST).
 */
function mnist(opts: PresetOptions = {}): Pipeline {
  const size = opts.size ?? 28;
  return new Pipeline([
    new RandomResizedCrop({ size, scale: [0.5, 1], ratio: relativeRatio([0.8, 1.25], size) }),
    new RandomAffine({ degrees: 10, translate: 0.1 }),
    new ColorJitter({ brightness: 0.4, contrast: 0.4, p: 0.8 }),
    new Normalize({ mean: opts.mean ?? MNIST_MEAN, std: opts.std ?? MNIST_STD }),
  ]);
}

/**
 * A crop's aspect-ratio range (width/height) for output `size`: `ratio` scaled by the image's own
 * width/height. torchvision's ratio is absolute, which on a 28×56 image makes every attempt too tall and
 * falls back to a central 28×35 crop that cuts off both outer quarters.
 */
function relativeRatio(ratio: [number, number], size: number | [number, number]): [number, number] {
  const aspect = typeof size === 'number' ? 1 : size[1] / size[0];
  return aspect === 1 ? ratio : [ratio[0] * aspect, ratio[1] * aspect];
}

/**
 * The augmentation of the theory: x ↦ x + σ·ε, ε ~ N(0, I) (HaoChen et al.
 * 2021), followed by Normalize when mean and std are given.
 */
function gaussian(opts: GaussianPresetOptions): Pipeline {
  const transforms: Transform[] = [new GaussianNoise({ sigma: opts?.sigma })];
  if (opts.mean !== undefined || opts.std !== undefined) {
    transforms.push(new Normalize({ mean: opts.mean ?? [], std: opts.std ?? [] }));
  }
  return new Pipeline(transforms);
}

/** The presets by name. */
export const presets = { cifar, mnist, gaussian };

/** Names accepted by `presetFromName` (and the CLI). */
export const PRESET_NAMES = ['cifar', 'mnist', 'gaussian'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/**
 * The options that choose the augmentation, declared once: a pretraining
 * config embeds them as its `augment` group. `resolve(PRESET_OPTIONS, given,
 * { owner, context: { channels } })` fills the defaults (the preset follows
 * the channel count); `checkPresetOptions` then checks how they go together.
 * mean and std default to the dataset's statistics given in the context
 * (null, without them: the preset's own CIFAR or MNIST constants).
 */
export const PRESET_OPTIONS = {
  preset: option(
    oneOf(PRESET_NAMES),
    derived('mnist for 1-channel images, cifar for 3', (c: PresetContext) => (c.channels === 1 ? 'mnist' : 'cifar')),
    'the augmentation that makes the views: mnist (mild crops, small rotations and shifts, brightness and contrast; no flip), cifar (the authors’ recipe: crops, flips, colour jitter, grayscale) or gaussian (x + σ·ε, the theory’s)',
    { flag: 'preset' },
  ),
  sigma: option(
    nullable(positive),
    null,
    'σ of the gaussian preset’s noise, on the 0–1 pixel scale; required with preset gaussian, not allowed with the others',
    { flag: 'sigma' },
  ),
  mean: option(
    nullable(listOf(finite), "null (the preset's own statistics)"),
    derived("the dataset's own statistics", (c: PresetContext) => (c.mean ? [...c.mean] : null)),
    'per-channel mean the views are normalized with, on the 0–1 pixel scale (one value, or one per channel); by default the dataset’s own',
  ),
  std: option(
    nullable(listOf(positive), "null (the preset's own statistics)"),
    derived("the dataset's own statistics", (c: PresetContext) => (c.std ? [...c.std] : null)),
    'per-channel standard deviation the views are normalized with, as many values as mean; by default the dataset’s own',
  ),
} satisfies Schema;

/** What the preset defaults depend on: the images' channels and, where known, the dataset's statistics. */
export interface PresetContext {
  channels: number;
  mean?: readonly number[];
  std?: readonly number[];
}

/** `PRESET_OPTIONS` resolved. */
export interface ResolvedPresetOptions {
  preset: PresetName;
  sigma: number | null;
  mean: number[] | null;
  std: number[] | null;
}

/**
 * Throws, in the one message style, where resolved preset options do not go
 * together: preset gaussian without sigma, sigma with another preset, mean
 * and std of different lengths, or (when `channels` is given) a mean that is
 * neither one value nor one per channel. `prefix` is where the options sit
 * in the caller's config ("augment."). Returns `o`.
 */
export function checkPresetOptions<T extends ResolvedPresetOptions>(
  o: T,
  where: { owner?: string; prefix?: string; channels?: number } = {},
): T {
  const owner = where.owner ?? 'augment';
  const key = (k: string) => `${where.prefix ?? ''}${k}`;
  if (o.preset === 'gaussian' && o.sigma === null) {
    fail(owner, key('sigma'), 'a finite number > 0 with preset gaussian (the σ of its noise)', undefined);
  }
  if (o.preset !== 'gaussian' && o.sigma !== null) {
    fail(owner, key('sigma'), `null with preset ${o.preset} (only the gaussian preset adds noise)`, o.sigma);
  }
  if (o.mean !== null && o.std !== null && o.mean.length !== o.std.length) {
    fail(owner, key('std'), `a list as long as ${key('mean')} (${o.mean.length} values)`, o.std);
  }
  const c = where.channels;
  if (c !== undefined) {
    for (const k of ['mean', 'std'] as const) {
      const v = o[k];
      if (v !== null && v.length !== 1 && v.length !== c) {
        fail(owner, key(k), `one value or one per channel (${c} for these images)`, v);
      }
    }
  }
  return o;
}

/**
 * A preset by name, for the CLI and resolved `PRESET_OPTIONS`; 'gaussian'
 * needs `sigma`. Absent or null mean/std: the preset's own statistics
 * (CIFAR's or MNIST's; the gaussian preset then does not normalize).
 */
export function presetFromName(
  name: string,
  opts: {
    size?: number | [number, number];
    flip?: boolean;
    sigma?: number | null;
    mean?: number[] | null;
    std?: number[] | null;
  } = {},
): Pipeline {
  const stats = { size: opts.size, flip: opts.flip, mean: opts.mean ?? undefined, std: opts.std ?? undefined };
  switch (name) {
    case 'cifar':
      return cifar(stats);
    case 'mnist':
      return mnist(stats);
    case 'gaussian':
      if (opts.sigma === undefined || opts.sigma === null) {
        fail(
          'presetFromName',
          'sigma',
          'a finite number ≥ 0 with the gaussian preset (the σ of its noise)',
          opts.sigma,
        );
      }
      return gaussian({ sigma: opts.sigma, mean: stats.mean, std: stats.std });
    default:
      throw new OptionError(
        `presetFromName: unknown preset '${name}'${didYouMean(name, PRESET_NAMES)}; known presets: ${PRESET_NAMES.join(', ')}`,
      );
  }
}
