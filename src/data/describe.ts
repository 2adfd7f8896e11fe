/**
 * Summary statistics of a set of images: size, class counts, per-channel
 * mean and standard deviation (the numbers a Normalize transform needs).
 */
import { bincount, tidy } from '../tensor/index.ts';
import type { ImageSet, ImageSplit } from './dataset.ts';

/** What {@link describeSplit} reports. */
export interface SplitDescription {
  /** Number of images. */
  n: number;
  /** [C, H, W] of each image. */
  shape: [number, number, number];
  /** Images per class (label order), or null for unlabeled images. */
  perClass: { name: string; count: number }[] | null;
  /** Per-channel mean of the pixel values on the [0, 1] scale (pixel/255). */
  mean: number[];
  /** Per-channel population standard deviation on the [0, 1] scale. */
  std: number[];
  /** Smallest and largest pixel value over all channels, on the [0, 1] scale. */
  min: number;
  max: number;
}

/** Elements per float64 chunk (128 MiB): bounds memory whatever the dataset size. */
const CHUNK_ELEMENTS = 1 << 24;

/**
 * Describes a uint8 N×C×H×W image set (with int64 labels when it is a split).
 *
 * For channel c over its M = N·H·W pixels p (0–255): mean_c = S/(255·M),
 * std_c = √(Q·M − S²)/(255·M) with S = Σp and Q = Σp², the population
 * standard deviation. S and Q are summed in float64 chunk by chunk (each
 * chunk sum is an exact integer) and accumulated as BigInt, so both are exact
 * and the variance has no cancellation error. An empty set gives NaN
 * statistics. `classes` names the labels (default "0", "1", …); with it,
 * every class appears in `perClass`, even with count 0.
 */
export function describeSplit(split: ImageSet | ImageSplit, classes?: readonly string[]): SplitDescription {
  const images = split.images;
  if (images.ndim !== 4 || images.dtype !== 'uint8')
    throw new Error(`describeSplit: images must be a uint8 N×C×H×W tensor, got ${images.dtype} [${images.shape}]`);
  const [n, c, h, w] = images.shape as [number, number, number, number];
  const perImage = c * h * w;
  const sums = new Array<bigint>(c).fill(0n);
  const squares = new Array<bigint>(c).fill(0n);
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  const step = Math.max(1, Math.floor(CHUNK_ELEMENTS / Math.max(1, perImage)));
  for (let start = 0; start < n; start += step) {
    const len = Math.min(step, n - start);
    tidy(() => {
      const x = images.narrow(0, start, len).to('float64');
      const s = x.sum([0, 2, 3]).data() as Float64Array;
      const q = x.square().sum([0, 2, 3]).data() as Float64Array;
      for (let k = 0; k < c; k++) {
        sums[k] = (sums[k] as bigint) + BigInt(s[k] as number);
        squares[k] = (squares[k] as bigint) + BigInt(q[k] as number);
      }
      min = Math.min(min, x.min().item());
      max = Math.max(max, x.max().item());
    });
  }
  const m = BigInt(n * h * w);
  const mean: number[] = [];
  const std: number[] = [];
  for (let k = 0; k < c; k++) {
    if (n === 0) {
      mean.push(Number.NaN);
      std.push(Number.NaN);
      continue;
    }
    const s = sums[k] as bigint;
    const q = squares[k] as bigint;
    mean.push(Number(s) / (255 * Number(m)));
    // Q·M − S² is an exact integer ≥ 0; dividing before Number() keeps precision for large sums.
    std.push(Math.sqrt(Number(q * m - s * s) / Number(m) / Number(m)) / 255);
  }
  return {
    n,
    shape: [c, h, w],
    perClass: 'labels' in split ? countClasses(split, classes) : null,
    mean,
    std,
    min: n === 0 ? Number.NaN : min / 255,
    max: n === 0 ? Number.NaN : max / 255,
  };
}

function countClasses(split: ImageSplit, classes?: readonly string[]): { name: string; count: number }[] {
  const n = split.labels.numel;
  const counts = tidy(() => {
    if (n === 0) return [];
    if (split.labels.min().item() < 0) throw new Error('describeSplit: labels must be ≥ 0');
    return bincount(split.labels.flatten(), classes?.length ?? 0).toArray();
  });
  if (classes && counts.length > classes.length)
    throw new Error(`describeSplit: label ${counts.length - 1} is out of range 0…${classes.length - 1} of the classes`);
  const k = classes?.length ?? counts.length;
  return Array.from({ length: k }, (_, i) => ({ name: classes?.[i] ?? String(i), count: counts[i] ?? 0 }));
}
