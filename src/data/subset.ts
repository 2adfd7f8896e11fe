/**
 * Subsets of a labeled split: selecting images by index, counting classes,
 * and drawing a given number of images of each class without replacement.
 * The samplers (long tail, labeled subsets) share these.
 */
import { checked, nonNegativeInt, positiveInt } from '../options/index.ts';
import { Generator, randperm, type Tensor, tensor, tidy } from '../tensor/index.ts';
import type { ImageSplit } from './dataset.ts';

const INTEGER_DTYPES = new Set(['uint8', 'int8', 'int16', 'int32', 'int64']);

/** Number of images in a split, checking that images (N×…) and labels (N) agree. */
function splitSize(split: ImageSplit, fn: string): number {
  if (split.images.ndim < 1) throw new Error(`${fn}: images must have a leading batch dimension, got a scalar`);
  if (split.labels.ndim !== 1) throw new Error(`${fn}: labels must be 1-D (N), got shape [${split.labels.shape}]`);
  const n = split.images.size(0);
  if (split.labels.size(0) !== n) throw new Error(`${fn}: ${split.labels.size(0)} labels for ${n} images`);
  return n;
}

/**
 * The images and labels at `indices` (in that order; repeats are allowed and
 * repeat the image): `images[indices]`, `labels[indices]` via index_select.
 * New tensors: disposing the subset leaves `split` intact.
 */
export function subsetOf(split: ImageSplit, indices: Tensor | number[]): ImageSplit {
  const n = splitSize(split, 'subsetOf');
  return tidy(() => {
    let idx: Tensor;
    if (Array.isArray(indices)) {
      const bad = indices.findIndex((v) => !Number.isInteger(v) || v < 0 || v >= n);
      if (bad >= 0) throw new Error(`subsetOf: index ${indices[bad]} at position ${bad} is out of range 0…${n - 1}`);
      idx = tensor(BigInt64Array.from(indices, BigInt), [indices.length]);
    } else {
      if (indices.ndim !== 1) throw new Error(`subsetOf: indices must be 1-D, got shape [${indices.shape}]`);
      if (!INTEGER_DTYPES.has(indices.dtype))
        throw new Error(`subsetOf: indices must have an integer dtype, got ${indices.dtype}`);
      idx = indices.dtype === 'int64' ? indices : indices.long();
      if (idx.numel > 0) {
        const lo = idx.min().item();
        const hi = idx.max().item();
        if (lo < 0 || hi >= n) {
          const v = lo < 0 ? lo : hi;
          throw new Error(`subsetOf: index ${v} is out of range 0…${n - 1}`);
        }
      }
    }
    return { images: split.images.indexSelect(0, idx), labels: split.labels.indexSelect(0, idx) };
  });
}

/** Host copy of integer labels, each checked to lie in 0…numClasses−1. */
function labelArray(labels: Tensor, numClasses: number, fn: string): number[] {
  checked(fn, 'numClasses', positiveInt, numClasses);
  if (labels.ndim !== 1) throw new Error(`${fn}: labels must be 1-D (N), got shape [${labels.shape}]`);
  if (!INTEGER_DTYPES.has(labels.dtype))
    throw new Error(`${fn}: labels must have an integer dtype, got ${labels.dtype}`);
  const ys = labels.toArray();
  const bad = ys.findIndex((y) => y < 0 || y >= numClasses);
  if (bad >= 0) throw new Error(`${fn}: label ${ys[bad]} at index ${bad} is out of range 0…${numClasses - 1}`);
  return ys;
}

/** counts[c] = #{i : labels[i] = c} for c in 0…numClasses−1 (labels outside that range are an error). */
export function classCounts(labels: Tensor, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (const y of labelArray(labels, numClasses, 'classCounts')) counts[y]++;
  return counts;
}

/** `numClasses` if given, else max label + 1 (an empty label tensor needs it given). */
export function resolveNumClasses(labels: Tensor, numClasses: number | undefined, fn: string): number {
  if (numClasses !== undefined) return numClasses;
  if (labels.numel === 0) throw new Error(`${fn}: the split is empty; pass numClasses`);
  return tidy(() => labels.max().item()) + 1;
}

/** The indices of each class, ascending: byClass[c] = [i : labels[i] = c]. */
export function indicesByClass(labels: Tensor, numClasses: number, fn = 'indicesByClass'): number[][] {
  const byClass = Array.from({ length: numClasses }, (): number[] => []);
  labelArray(labels, numClasses, fn).forEach((y, i) => {
    byClass[y]?.push(i);
  });
  return byClass;
}

/**
 * For each class c (in order 0, 1, …) draws one uniformly random permutation
 * of that class's images from `Generator(seed)` and keeps its first
 * `counts[c]` entries: `counts[c]` distinct images of class c, without
 * replacement. Because the permutations do not depend on `counts`, the same
 * seed with smaller counts gives a subset of the draw with larger counts
 * (prefixes of the same permutations). Returns the chosen indices, ascending.
 * @throws naming the class and the needed and available counts when a class is too small.
 */
export function drawPerClass(byClass: number[][], counts: number[], seed: number, fn: string): number[] {
  if (counts.length !== byClass.length)
    throw new Error(`${fn}: ${counts.length} per-class counts for ${byClass.length} classes`);
  counts.forEach((k, c) => {
    const have = byClass[c]?.length ?? 0;
    checked(fn, `count for class ${c}`, nonNegativeInt, k);
    if (k > have) throw new Error(`${fn}: class ${c} needs ${k} images but the split has only ${have}`);
  });
  const g = new Generator(seed);
  const chosen: number[] = [];
  tidy(() => {
    byClass.forEach((members, c) => {
      const k = counts[c] ?? 0;
      // Draw even when k = 0 so the stream (and so every other class's draw) does not depend on the counts.
      const perm = members.length > 0 ? randperm(members.length, { generator: g }).toArray() : [];
      for (let j = 0; j < k; j++) chosen.push(members[perm[j] as number] as number);
    });
  });
  return chosen.sort((a, b) => a - b);
}
