/**
 * Long-tailed (imbalanced) subsets of a labeled split, for the imbalance
 * experiment of Liu, HaoChen, Gaidon & Ma (2022), "Self-supervised learning
 * is more robust to dataset imbalance": pretraining sets of equal total size n
 * whose class frequencies fall off with imbalance ratio
 * r = min_c n_c / max_c n_c.
 */
import { checked, fail, finite, intAtLeast, numberIn, oneOf, positive, positiveInt, refine } from '../options/index.ts';
import { Generator, randperm, type Tensor, tensor, tidy } from '../tensor/index.ts';
import type { ImageSplit } from './dataset.ts';
import { drawPerClass, indicesByClass, resolveNumClasses, subsetOf } from './subset.ts';

/** How class frequency falls off with the class's rank c = 0…C−1 (rank 0 = most frequent). */
export type LongTailProfile = 'exponential' | 'pareto' | 'step';
const PROFILES: readonly LongTailProfile[] = ['exponential', 'pareto', 'step'];

export interface LongTailCountOptions {
  /** Number of classes C ≥ 1. */
  numClasses: number;
  /** Total number of images n; the counts sum to exactly n. */
  n: number;
  /** Imbalance ratio r = min_c n_c / max_c n_c in (0, 1]; 1 is balanced. */
  ratio: number;
  /** Default 'exponential'. */
  profile?: LongTailProfile;
  /** For 'step': the fraction of classes that are rare (the last ⌊stepFraction·C⌋ ranks); default 0.5. */
  stepFraction?: number;
}

/**
 * Unnormalized class weights w_c by rank c = 0…C−1, with w_0 = 1 the largest:
 * - exponential: w_c = r^{c/(C−1)} (Cui et al. 2019; the profile of DESIGN.md),
 * - pareto: w_c = (c+1)^{−α} with α = ln(1/r)/ln C, so w_{C−1}/w_0 = r exactly,
 * - step: w_c = 1 for the first C − ⌊stepFraction·C⌋ ranks and r for the rest.
 */
export function longTailWeights(
  numClasses: number,
  ratio: number,
  profile: LongTailProfile = 'exponential',
  stepFraction = 0.5,
): number[] {
  const C = numClasses;
  checked('longTail', 'numClasses', positiveInt, C);
  checked('longTail', 'ratio', numberIn(0, 1, 'lower'), ratio);
  switch (profile) {
    case 'exponential':
      return Array.from({ length: C }, (_, c) => (C === 1 ? 1 : ratio ** (c / (C - 1))));
    case 'pareto': {
      const alpha = C === 1 ? 0 : Math.log(1 / ratio) / Math.log(C);
      return Array.from({ length: C }, (_, c) => (c + 1) ** -alpha);
    }
    case 'step': {
      checked('longTail', 'stepFraction', numberIn(0, 1), stepFraction);
      const rare = Math.floor(stepFraction * C);
      return Array.from({ length: C }, (_, c) => (c >= C - rare ? ratio : 1));
    }
    default:
      return fail('longTail', 'profile', oneOf(PROFILES).expect, profile);
  }
}

/**
 * Integer class counts n_c by rank (index 0 = the most frequent class) for a
 * long-tailed set of exactly n images: the exact shares q_c = n·w_c/Σ_j w_j of
 * the profile's weights (see `longTailWeights`) rounded by the largest-remainder
 * method (floor every q_c, then give the leftover images to the largest
 * fractional parts, ties to the lower rank). So Σ_c n_c = n and |n_c − q_c| < 1,
 * and the counts never increase with the rank.
 * @throws when rounding would leave a class with no image (n too small for r).
 */
export function longTailCounts(opts: LongTailCountOptions): number[] {
  const { numClasses: C, n, ratio } = opts;
  const w = longTailWeights(C, ratio, opts.profile ?? 'exponential', opts.stepFraction ?? 0.5);
  const atLeastC = refine(intAtLeast(C), `an integer ≥ numClasses = ${C} (one image per class)`, () => true);
  checked('longTailCounts', 'n', atLeastC, n);
  const total = w.reduce((a, b) => a + b, 0);
  const q = w.map((v) => (n * v) / total);
  const counts = q.map(Math.floor);
  let left = n - counts.reduce((a, b) => a + b, 0);
  const byRemainder = q.map((_, c) => c).sort((a, b) => q[b] - Math.floor(q[b]) - (q[a] - Math.floor(q[a])) || a - b);
  for (const c of byRemainder) {
    if (left <= 0) break;
    counts[c]++;
    left--;
  }
  const empty = counts.findIndex((k) => k < 1);
  if (empty >= 0) {
    const need = Math.ceil(total / Math.min(...w));
    throw new Error(
      `longTailCounts: n = ${n} gives rank ${empty} an expected ${q[empty]?.toFixed(3)} images, which rounds to 0; ` +
        `use n ≥ ${need} (or a larger ratio) so every class has at least one image`,
    );
  }
  return counts;
}

export interface LongTailMaxOptions {
  /** Number of classes C ≥ 1. */
  numClasses: number;
  /** n_max: the count of the most frequent class (rank 0). */
  nMax: number;
  /** Imbalance ratio r in (0, 1]. */
  ratio: number;
  /** Default 'exponential'. */
  profile?: LongTailProfile;
  /** For 'step': the fraction of classes that are rare; default 0.5. */
  stepFraction?: number;
}

/**
 * Class counts by rank from the largest count instead of the total:
 * n_c = ⌊n_max·w_c⌋ with the weights of `longTailWeights` (w_0 = 1), the rule
 * of the long-tailed CIFAR literature (Cui et al. 2019; Cao et al. 2019:
 * `int(img_max · r^(c/(C−1)))`), so `nMax` 5000, r 0.01 gives CIFAR-10-LT's
 * 5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50 (12,406 images) and the
 * step profile 5 × 5000 + 5 × 50. A product within 10⁻⁹ below an integer
 * counts as that integer (so 5000·0.01 is 50 whatever the last bit). The
 * total is whatever these sum to; `longTailCounts` fixes the total instead.
 * @throws when a class would get no image.
 */
export function longTailCountsFromMax(opts: LongTailMaxOptions): number[] {
  const { numClasses: C, nMax, ratio } = opts;
  const w = longTailWeights(C, ratio, opts.profile ?? 'exponential', opts.stepFraction ?? 0.5);
  checked('longTailCountsFromMax', 'nMax', positiveInt, nMax);
  const counts = w.map((v) => Math.floor(nMax * v + 1e-9));
  const empty = counts.findIndex((k) => k < 1);
  if (empty >= 0)
    throw new Error(
      `longTailCountsFromMax: nMax = ${nMax} gives rank ${empty} ⌊${(nMax * (w[empty] as number)).toFixed(3)}⌋ = 0 ` +
        `images; use nMax ≥ ${Math.ceil(1 / Math.min(...w))} (or a larger ratio)`,
    );
  return counts;
}

/** r = min_c n_c / max_c n_c of class counts (1 for balanced counts). */
export function imbalanceRatio(counts: number[]): number {
  if (counts.length === 0) throw new Error('imbalanceRatio: counts is empty');
  if (counts.some((k) => !(k >= 0))) throw new Error(`imbalanceRatio: counts must be non-negative, got [${counts}]`);
  const max = Math.max(...counts);
  if (max === 0) throw new Error('imbalanceRatio: every count is 0');
  return Math.min(...counts) / max;
}

/**
 * The balanced–imbalanced gap of Liu et al. (2022),
 * Δ(n, r) = (A(n, 1) − A(n, r)) / A(n, 1): the relative drop in downstream
 * accuracy A when the pretraining set of size n has imbalance ratio r instead
 * of being balanced. The paper's claim is Δ_SSL < Δ_SL.
 * @param balancedAcc A(n, 1) > 0
 * @param imbalancedAcc A(n, r)
 */
export function relativeGap(balancedAcc: number, imbalancedAcc: number): number {
  checked('relativeGap', 'balancedAcc', positive, balancedAcc);
  checked('relativeGap', 'imbalancedAcc', finite, imbalancedAcc);
  return (balancedAcc - imbalancedAcc) / balancedAcc;
}

export interface LongTailSubsetOptions {
  /** Total number of images (`longTailCounts`); give this or `nMax`. */
  n?: number;
  /** Instead of n: the count of the most frequent class (`longTailCountsFromMax`). */
  nMax?: number;
  /** Imbalance ratio r in (0, 1]. */
  ratio: number;
  profile?: LongTailProfile;
  stepFraction?: number;
  /** Seed of the draw (and of the class order when classOrder is 'shuffle'). */
  seed: number;
  /**
   * Which class gets which rank: classOrder[k] is the class with the k-th
   * largest count. Default: the identity (class 0 most frequent, class C−1
   * rarest). 'shuffle' draws a random order from the seed.
   */
  classOrder?: number[] | 'shuffle';
  /** Default: max label + 1. */
  numClasses?: number;
}

export interface LongTailSubset {
  split: ImageSplit;
  /** int64 indices into the original split, ascending. */
  indices: Tensor;
  /** counts[c] = number of images of class c (by label, not by rank) in the subset. */
  counts: number[];
  /** classOrder[k] = the class of rank k (rank 0 the most frequent). */
  classOrder: number[];
}

function checkClassOrder(order: number[], C: number): void {
  const seen = new Set(order);
  if (order.length !== C || seen.size !== C || order.some((c) => !Number.isInteger(c) || c < 0 || c >= C))
    throw new Error(`longTailSubset: classOrder must be a permutation of 0…${C - 1}, got [${order}]`);
}

/**
 * A long-tailed subset of `split`: `longTailCounts` (or with `nMax`,
 * `longTailCountsFromMax`) gives the count of each rank, `classOrder` maps ranks to classes, and each class's images are drawn
 * uniformly without replacement (see `drawPerClass`: with `Generator(seed)`,
 * after the class-order permutation when classOrder is 'shuffle', one
 * permutation per class in class order, keeping a prefix).
 * @throws naming the class, the needed and the available counts when a class is too small.
 */
export function longTailSubset(split: ImageSplit, opts: LongTailSubsetOptions): LongTailSubset {
  const C = resolveNumClasses(split.labels, opts.numClasses, 'longTailSubset');
  if ((opts.n === undefined) === (opts.nMax === undefined))
    throw new Error(
      `longTailSubset: give exactly one of n (the total) and nMax (the largest class's count), got ` +
        `n = ${opts.n}, nMax = ${opts.nMax}`,
    );
  const profile = { numClasses: C, ratio: opts.ratio, profile: opts.profile, stepFraction: opts.stepFraction };
  const rankCounts =
    opts.nMax !== undefined
      ? longTailCountsFromMax({ ...profile, nMax: opts.nMax })
      : longTailCounts({ ...profile, n: opts.n as number });
  let classOrder: number[];
  let drawSeed = opts.seed;
  if (opts.classOrder === 'shuffle') {
    classOrder = tidy(() => randperm(C, { generator: new Generator(opts.seed) }).toArray());
    drawSeed = opts.seed + 1; // a separate stream for the draw, so the order does not shift it
  } else {
    classOrder = opts.classOrder ?? Array.from({ length: C }, (_, c) => c);
    checkClassOrder(classOrder, C);
  }
  const counts = new Array<number>(C).fill(0);
  classOrder.forEach((c, k) => {
    counts[c] = rankCounts[k] as number;
  });
  const chosen = drawPerClass(indicesByClass(split.labels, C, 'longTailSubset'), counts, drawSeed, 'longTailSubset');
  const indices = tensor(BigInt64Array.from(chosen, BigInt), [chosen.length]);
  return { split: subsetOf(split, indices), indices, counts, classOrder };
}
