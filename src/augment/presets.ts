/** Ready-made augmentation pipelines: the authors' CIFAR recipe, a digits recipe, Gaussian noise. */
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
  /** Output side (default 32 for CIFAR, 28 for digits). */
  size?: number;
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
 * RandomResizedCrop(size, scale [0.2, 1]) → horizontal flip (p 0.5) →
 * ColorJitter(0.4, 0.4, 0.4, 0.1) with p 0.8 → grayscale (p 0.2) →
 * Normalize(CIFAR mean, std).
 */
function cifar(opts: PresetOptions = {}): Pipeline {
  const size = opts.size ?? 32;
  return new Pipeline([
    new RandomResizedCrop({ size, scale: [0.2, 1] }),
    new RandomHorizontalFlip({ p: 0.5 }),
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
    new RandomResizedCrop({ size, scale: [0.5, 1], ratio: [0.8, 1.25] }),
    new RandomAffine({ degrees: 10, translate: 0.1 }),
    new ColorJitter({ brightness: 0.4, contrast: 0.4, p: 0.8 }),
    new Normalize({ mean: opts.mean ?? MNIST_MEAN, std: opts.std ?? MNIST_STD }),
  ]);
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

/** A preset by name, for the CLI; 'gaussian' needs `sigma`. */
export function presetFromName(name: string, opts: PresetOptions & { sigma?: number } = {}): Pipeline {
  switch (name) {
    case 'cifar':
      return cifar(opts);
    case 'mnist':
      return mnist(opts);
    case 'gaussian':
      if (opts.sigma === undefined) throw new RangeError('presetFromName: the gaussian preset needs options.sigma');
      return gaussian({ sigma: opts.sigma, mean: opts.mean, std: opts.std });
    default:
      throw new RangeError(`presetFromName: unknown preset '${name}'; known presets: ${PRESET_NAMES.join(', ')}`);
  }
}
