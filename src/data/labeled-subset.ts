/**
 * Class-balanced labeled subsets for label-efficiency curves: the linear
 * probe (or a supervised baseline) sees only m labeled images per class.
 */
import { checked, positiveInt } from '../options/index.ts';
import { type Tensor, tensor } from '../tensor/index.ts';
import type { ImageSplit } from './dataset.ts';
import { drawPerClass, indicesByClass, resolveNumClasses, subsetOf } from './subset.ts';

export interface LabeledSubsetOptions {
  /** m: images per class, an integer ≥ 1. */
  perClass: number;
  seed: number;
  /** Default: max label + 1. */
  numClasses?: number;
}

/**
 * Exactly `perClass` = m images of each class, drawn uniformly without
 * replacement. Nested: `Generator(seed)` draws one permutation per class (in
 * class order, independent of m) and the subset keeps the first m entries of
 * each, so for one seed the subset with m₁ < m₂ is contained in the one with
 * m₂. A label-efficiency curve over m then only ever adds labeled data.
 * Indices are ascending.
 * @throws naming the class and its count when a class has fewer than m images.
 */
export function labeledSubset(split: ImageSplit, opts: LabeledSubsetOptions): { split: ImageSplit; indices: Tensor } {
  const m = opts.perClass;
  checked('labeledSubset', 'perClass', positiveInt, m);
  const C = resolveNumClasses(split.labels, opts.numClasses, 'labeledSubset');
  const chosen = drawPerClass(
    indicesByClass(split.labels, C, 'labeledSubset'),
    new Array<number>(C).fill(m),
    opts.seed,
    'labeledSubset',
  );
  const indices = tensor(BigInt64Array.from(chosen, BigInt), [chosen.length]);
  return { split: subsetOf(split, indices), indices };
}
