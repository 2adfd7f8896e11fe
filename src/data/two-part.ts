/**
 * Two-part images for the rare-class test of Liu, HaoChen, Gaidon & Ma (ICLR
 * 2022, "Self-supervised learning is more robust to dataset imbalance", §3.2):
 * an imbalanced pretraining set whose frequent classes carry their label on
 * the LEFT half of each image and a label-irrelevant image on the right,
 * while the rare classes (a handful of images each) have a blank left half
 * and their label on the RIGHT. Features of the right halves are what the
 * rare classes need, and only the frequent images show many of them: does
 * pretraining learn them anyway? The probe set (balanced rare-class images,
 * blank left, class image right) measures it.
 *
 * Images are uint8 N×C×H×2W: the left half is columns 0…W−1, the right half
 * columns W…2W−1. "Blank" is raw pixel value 0 (black), before any
 * normalization: after the usual Normalize it is −mean/std per channel, not 0.
 *
 * Seeds: stream 0 (`drawPerClass(…, seed)`) picks the frequent and rare
 * images of the pretraining set; streams 1–4 (`streamSeed(seed, k)`) pick the
 * training fillers, the test fillers, the probe's training and test images.
 */
import { checked, fail, intIn, listOf, positiveInt, seed as seedCheck } from '../options/index.ts';
import { cat, Generator, randperm, type Tensor, tensor, tidy, zeros } from '../tensor/index.ts';
import { imageShape } from './check-dataset.ts';
import type { ImageSplit, LabeledDataset } from './dataset.ts';
import { drawPerClass, indicesByClass } from './subset.ts';

/** Which classes are frequent and rare, and how many pretraining images each has. */
export interface TwoPartOptions {
  /** Seed of every draw (see the module comment for the streams); default 0. */
  seed?: number;
  /** The frequent classes (label on the left). Default: the first C − ⌊C/2⌋ classes (0…4 of 10). */
  frequentClasses?: number[];
  /** The rare classes (label on the right). Default: every class that is not frequent (5…9 of 10). */
  rareClasses?: number[];
  /** Pretraining images per frequent class (default 5000, the paper's CIFAR-10 count). */
  frequentPerClass?: number;
  /** Pretraining images per rare class (default 10, the paper's count). */
  rarePerClass?: number;
  /** The dataset's name (default `two-part:PRIMARY+FILLER`; `loadDataset` gives its canonical spec). */
  name?: string;
}

/** Options of the rare-class probe set (and of the rare-only dataset's test split). */
export interface RareProbeOptions extends TwoPartOptions {
  /**
   * Probe training images per rare class, drawn from the primary's training split without the
   * rare pretraining images. Default: the most every rare class can give (its count minus rarePerClass).
   */
  trainPerClass?: number;
  /** Probe test images per rare class, from the primary's test split. Default: the smallest rare class's count. */
  testPerClass?: number;
}

/** The options with every default filled in. */
export interface ResolvedTwoPartOptions {
  seed: number;
  frequentClasses: number[];
  rareClasses: number[];
  frequentPerClass: number;
  rarePerClass: number;
}

/** Where each image of a two-part split came from. */
export interface TwoPartSources {
  /** source[i]: index into the primary split of the image carrying image i's class (left if frequent, right if rare). */
  source: number[];
  /** filler[i]: index into the filler split of the right half of a frequent image; −1 for a rare image (blank left). */
  filler: number[];
}

/** A two-part dataset, with the provenance of every image. */
export interface TwoPartDataset extends LabeledDataset {
  /** Provenance of train (into primary.train / filler.train) and test (primary.test / filler.test). */
  sources: { train: TwoPartSources; test: TwoPartSources };
  options: ResolvedTwoPartOptions;
}

/** Which images of the primary's training split the pretraining set uses. */
export interface TwoPartSelection extends ResolvedTwoPartOptions {
  /** Indices into primary.train of the frequent images, ascending. */
  frequent: number[];
  /** Indices into primary.train of the rare pretraining images, ascending. */
  rare: number[];
}

const FN = 'twoPartDataset';
const MASK64 = (1n << 64n) - 1n;

/** SplitMix64's finalizer; the same mix as augment's deriveSeed (not imported: augment sits beside data). */
function mix64(z: bigint): bigint {
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

/** An independent seed in [0, 2⁵³) for stream `k` of `seed` (equal to augment's deriveSeed(seed, k)). */
export function streamSeed(seed: number, k: number): number {
  const state = mix64(BigInt(seed) + 0x9e3779b97f4a7c15n);
  return Number(mix64((state + BigInt(k) + 0x9e3779b97f4a7c15n) & MASK64) >> 11n);
}

/** Just the options of a selection (copies). */
const resolvedOf = (o: ResolvedTwoPartOptions): ResolvedTwoPartOptions => ({
  seed: o.seed,
  frequentClasses: [...o.frequentClasses],
  rareClasses: [...o.rareClasses],
  frequentPerClass: o.frequentPerClass,
  rarePerClass: o.rarePerClass,
});

const int64 = (xs: number[]): Tensor => tensor(BigInt64Array.from(xs, BigInt), [xs.length]);

/** A class list of the two-part options, checked: distinct integers in 0…C−1, at least one. */
function classList(key: string, v: unknown, C: number, fn: string): number[] {
  const list = checked(fn, key, listOf(intIn(0, C - 1), { noun: `class indices in 0…${C - 1}` }), v);
  const seen = new Set<number>();
  for (const c of list) {
    if (seen.has(c)) fail(fn, key, `a list of distinct classes`, list, ` (class ${c} is listed twice)`);
    seen.add(c);
  }
  return list;
}

/** The options with defaults filled in and checked against a dataset of C classes. */
export function resolveTwoPartOptions(opts: TwoPartOptions, C: number, fn = FN): ResolvedTwoPartOptions {
  if (C < 2) throw new Error(`${fn}: the primary dataset has ${C} class; the test needs frequent and rare classes`);
  const seed = checked(fn, 'seed', seedCheck, opts.seed ?? 0);
  const frequentPerClass = checked(fn, 'frequentPerClass', positiveInt, opts.frequentPerClass ?? 5000);
  const rarePerClass = checked(fn, 'rarePerClass', positiveInt, opts.rarePerClass ?? 10);
  const defaultFrequent = C - Math.floor(C / 2);
  const frequentClasses = classList(
    'frequentClasses',
    opts.frequentClasses ?? Array.from({ length: defaultFrequent }, (_, c) => c),
    C,
    fn,
  );
  const isFrequent = new Set(frequentClasses);
  const rareClasses = classList(
    'rareClasses',
    opts.rareClasses ?? Array.from({ length: C }, (_, c) => c).filter((c) => !isFrequent.has(c)),
    C,
    fn,
  );
  const both = rareClasses.find((c) => isFrequent.has(c));
  if (both !== undefined)
    throw new Error(
      `${fn}: class ${both} is in both frequentClasses [${frequentClasses}] and rareClasses [${rareClasses}]`,
    );
  return { seed, frequentClasses, rareClasses, frequentPerClass, rarePerClass };
}

/** The class's display name for messages: `3 ('cat')` or `3`. */
function className(data: LabeledDataset, c: number): string {
  const n = data.classes[c];
  return n !== undefined && n !== String(c) ? `${c} ('${n}')` : `${c}`;
}

/**
 * The frequent and rare images of the pretraining set, as indices into
 * `primary.train`: `frequentPerClass` of each frequent class and
 * `rarePerClass` of each rare class, uniformly without replacement by
 * `drawPerClass(…, seed)` (one permutation per class in class order, a
 * prefix of each). So the rare picks depend only on the seed and on which
 * classes are rare, not on frequentPerClass.
 * @throws naming the option, the class and its count when a class is too small.
 */
export function twoPartSelection(primary: LabeledDataset, opts: TwoPartOptions = {}, fn = FN): TwoPartSelection {
  const C = primary.classes.length;
  const o = resolveTwoPartOptions(opts, C, fn);
  const byClass = indicesByClass(primary.train.labels, C, fn);
  const counts = new Array<number>(C).fill(0);
  for (const [key, list, k] of [
    ['frequentPerClass', o.frequentClasses, o.frequentPerClass],
    ['rarePerClass', o.rareClasses, o.rarePerClass],
  ] as const) {
    for (const c of list) {
      const have = byClass[c]?.length ?? 0;
      if (k > have)
        throw new Error(
          `${fn}: ${key} is ${k}, but class ${className(primary, c)} of ${primary.name}'s training split has only ` +
            `${have} images`,
        );
      counts[c] = k;
    }
  }
  const chosen = drawPerClass(byClass, counts, o.seed, fn);
  const isRare = new Set(o.rareClasses);
  const labels = primary.train.labels.toArray();
  return {
    ...o,
    frequent: chosen.filter((i) => !isRare.has(labels[i] as number)),
    rare: chosen.filter((i) => isRare.has(labels[i] as number)),
  };
}

/**
 * `n` filler indices from `pool`: the concatenation of uniformly random
 * permutations of the pool (Generator(genSeed)), cut to n. So the fillers are
 * distinct while n ≤ |pool|, and every pool image is used ⌊n/|pool|⌋ or
 * ⌈n/|pool|⌉ times otherwise.
 */
function drawFillers(pool: number[], n: number, genSeed: number): number[] {
  if (n === 0) return [];
  const g = new Generator(genSeed);
  const out: number[] = [];
  tidy(() => {
    while (out.length < n) {
      const perm = randperm(pool.length, { generator: g }).toArray();
      for (const p of perm) {
        if (out.length === n) break;
        out.push(pool[p] as number);
      }
    }
  });
  return out;
}

/**
 * Two-part images: row i is [left | right] along the width, left =
 * `leftFrom.images[left[i]]` or blank (0) where left[i] = −1, right =
 * `rightFrom.images[right[i]]`. uint8 N×C×H×2W.
 */
function composeTwoPart(
  leftFrom: Tensor,
  left: number[],
  rightFrom: Tensor,
  right: number[],
  blankLeft: boolean,
): Tensor {
  return tidy(() => {
    const r = rightFrom.indexSelect(0, int64(right));
    const l = blankLeft ? zeros(r.shape, { dtype: 'uint8' }) : leftFrom.indexSelect(0, int64(left));
    return cat([l, r], 3);
  });
}

/** Frequent images (class left, filler right) followed by rare images (blank left, class right), as one split. */
function twoPartSplit(
  primary: ImageSplit,
  frequent: number[],
  rare: number[],
  filler: ImageSplit,
  fillers: number[],
): { split: ImageSplit; sources: TwoPartSources } {
  const split = tidy(() => {
    const parts: Tensor[] = [];
    if (frequent.length > 0) parts.push(composeTwoPart(primary.images, frequent, filler.images, fillers, false));
    if (rare.length > 0) parts.push(composeTwoPart(primary.images, [], primary.images, rare, true));
    const source = [...frequent, ...rare];
    return { images: cat(parts, 0), labels: primary.labels.indexSelect(0, int64(source)) };
  });
  return { split, sources: { source: [...frequent, ...rare], filler: [...fillers, ...rare.map(() => -1)] } };
}

/** Refuses a filler whose images are not the primary's C×H×W, naming both datasets and splits. */
function checkSameShape(primary: LabeledDataset, filler: LabeledDataset, fn: string): void {
  const want = imageShape(primary.train.images);
  for (const [data, role] of [
    [primary, 'primary'],
    [filler, 'filler'],
  ] as const) {
    for (const which of ['train', 'test'] as const) {
      const images = data[which].images;
      if (images.ndim !== 4 || images.dtype !== 'uint8')
        throw new Error(
          `${fn}: the ${role} dataset ${data.name}'s ${which} images must be uint8 N×C×H×W, got ` +
            `${images.dtype} [${images.shape}]`,
        );
      const got = imageShape(images);
      if (got !== want)
        throw new Error(
          `${fn}: the ${role} dataset ${data.name} has ${which} images of ${got} (channels×height×width), but the ` +
            `primary dataset ${primary.name}'s training images are ${want}: both halves of a two-part image need ` +
            `the same channels, height and width`,
        );
    }
  }
}

/**
 * The two-part pretraining set of Liu et al. (2022, §3.2) from `primary`
 * (whose classes and labels it keeps) and `filler` (label-irrelevant right
 * halves; pass `primary` itself for the paper's construction, where the
 * right half is a random image of the same dataset).
 *
 * Training split (the pretraining union): `frequentPerClass` images of each
 * frequent class with the class image on the left and a filler on the
 * right, then `rarePerClass` images of each rare class with a blank (0)
 * left half and the class image on the right (images chosen by
 * `twoPartSelection`). Fillers come from `filler.train`, distinct while
 * there are enough (see drawFillers, stream 1); with `filler === primary`
 * the pool leaves out the rare pretraining images, so each of those appears
 * exactly once in the set.
 *
 * Test split (held out, same layout): every test image of the frequent
 * classes with a filler from `filler.test` (stream 2), then every test
 * image of the rare classes with a blank left half; classes in neither list
 * are left out. `sources` gives the provenance of every image.
 * @throws naming both datasets when their image shapes differ, and the option and class when a class is too small.
 */
export function twoPartDataset(
  primary: LabeledDataset,
  filler: LabeledDataset,
  opts: TwoPartOptions = {},
): TwoPartDataset {
  checkSameShape(primary, filler, FN);
  const sel = twoPartSelection(primary, opts, FN);
  const self = filler === primary;
  const rarePicked = new Set(sel.rare);
  const trainPool = Array.from({ length: filler.train.images.size(0) }, (_, i) => i).filter(
    (i) => !(self && rarePicked.has(i)),
  );
  if (trainPool.length === 0)
    throw new Error(`${FN}: the filler dataset ${filler.name}'s training split has no image to fill the right halves`);
  const trainFillers = drawFillers(trainPool, sel.frequent.length, streamSeed(sel.seed, 1));

  const C = primary.classes.length;
  const testByClass = indicesByClass(primary.test.labels, C, FN);
  const testFrequent = sel.frequentClasses.flatMap((c) => testByClass[c] ?? []).sort((a, b) => a - b);
  const testRare = sel.rareClasses.flatMap((c) => testByClass[c] ?? []).sort((a, b) => a - b);
  const nFillTest = filler.test.images.size(0);
  if (nFillTest === 0 && testFrequent.length > 0)
    throw new Error(`${FN}: the filler dataset ${filler.name}'s test split has no image to fill the right halves`);
  const testFillers = drawFillers(
    Array.from({ length: nFillTest }, (_, i) => i),
    testFrequent.length,
    streamSeed(sel.seed, 2),
  );
  if (testFrequent.length + testRare.length === 0)
    throw new Error(`${FN}: ${primary.name}'s test split has no image of the frequent or rare classes`);

  const train = twoPartSplit(primary.train, sel.frequent, sel.rare, filler.train, trainFillers);
  let test: ReturnType<typeof twoPartSplit>;
  try {
    test = twoPartSplit(primary.test, testFrequent, testRare, filler.test, testFillers);
  } catch (e) {
    train.split.images.dispose();
    train.split.labels.dispose();
    throw e;
  }
  const options = resolvedOf(sel);
  return {
    name: opts.name ?? `two-part:${primary.name}${self ? '' : `+${filler.name}`}`,
    classes: [...primary.classes],
    train: train.split,
    test: test.split,
    sources: { train: train.sources, test: test.sources },
    options,
  };
}

/** A labeled dataset of rare-class images only, labels relabeled 0…R−1 in rareClasses' order, with provenance. */
export interface RareClassDataset extends LabeledDataset {
  /** rareClasses[k] = the primary's class with label k here. */
  rareClasses: number[];
  /** Indices into primary.train (train) and primary.test (test) of each image's right half. */
  sources: { train: number[]; test: number[] };
  options: ResolvedTwoPartOptions;
}

/** Blank-left, class-right images of `split` at `indices`, relabeled by `relabel` (primary class → 0…R−1). */
function rareSplit(split: ImageSplit, indices: number[], relabel: Map<number, number>): ImageSplit {
  const ys = split.labels.toArray();
  return tidy(() => ({
    images: composeTwoPart(split.images, [], split.images, indices, true),
    labels: int64(indices.map((i) => relabel.get(ys[i] as number) as number)),
  }));
}

/** The draw of `perClass` images of each rare class among `byClass` (already cut to what may be used). */
function drawRare(
  byClass: number[][],
  rareClasses: number[],
  perClass: number | undefined,
  key: string,
  where: string,
  genSeed: number,
  fn: string,
  primary: LabeledDataset,
): number[] {
  if (perClass !== undefined) checked(fn, key, positiveInt, perClass);
  const available = rareClasses.map((c) => byClass[c]?.length ?? 0);
  const k = perClass ?? Math.min(...available);
  rareClasses.forEach((c, j) => {
    const have = available[j] as number;
    if (k > have || have === 0)
      throw new Error(
        `${fn}: ${key} is ${perClass === undefined ? `${k} (the default: the smallest rare class's count)` : k}, ` +
          `but rare class ${className(primary, c)} has ${have === 0 ? 'no' : `only ${have}`} images in ${where}`,
      );
  });
  const counts = byClass.map((_, c) => (rareClasses.includes(c) ? k : 0));
  return drawPerClass(byClass, counts, genSeed, fn);
}

/** The probe's test draw: testPerClass of each rare class from primary.test (stream 4). */
function probeTestIndices(
  primary: LabeledDataset,
  o: ResolvedTwoPartOptions,
  testPerClass: number | undefined,
  fn: string,
): number[] {
  const byClass = indicesByClass(primary.test.labels, primary.classes.length, fn);
  return drawRare(
    byClass,
    o.rareClasses,
    testPerClass,
    'testPerClass',
    `${primary.name}'s test split`,
    streamSeed(o.seed, 4),
    fn,
    primary,
  );
}

function relabeling(rareClasses: number[]): Map<number, number> {
  return new Map(rareClasses.map((c, k) => [c, k]));
}

/** Builds train and test rare splits, freeing the first when the second fails. */
function rareDataset(
  primary: LabeledDataset,
  o: ResolvedTwoPartOptions,
  trainIdx: number[],
  testIdx: number[],
  name: string,
): RareClassDataset {
  const relabel = relabeling(o.rareClasses);
  const train = rareSplit(primary.train, trainIdx, relabel);
  let test: ImageSplit;
  try {
    test = rareSplit(primary.test, testIdx, relabel);
  } catch (e) {
    train.images.dispose();
    train.labels.dispose();
    throw e;
  }
  return {
    name,
    classes: o.rareClasses.map((c) => primary.classes[c] ?? String(c)),
    rareClasses: [...o.rareClasses],
    train,
    test,
    sources: { train: trainIdx, test: testIdx },
    options: resolvedOf(o),
  };
}

/**
 * The balanced rare-class probe set: two-part images with a blank left half
 * and a rare-class image on the right, `trainPerClass` of each rare class
 * from `primary.train` and `testPerClass` from `primary.test`, labels
 * 0…R−1 in `rareClasses` order (a R-way probe, as in the paper). The
 * training images never include the rare pretraining images of
 * `twoPartDataset` with the same options (the same seed, classes and
 * rarePerClass): they are taken out before the draw (stream 3; test:
 * stream 4). With `filler === primary` some probe training images may appear,
 * unlabeled, as right-half fillers of frequent pretraining images — as in the
 * paper, whose fillers are random CIFAR-10 images.
 * @throws naming the option and the class when a rare class has too few images.
 */
export function rareProbeSet(primary: LabeledDataset, opts: RareProbeOptions = {}): RareClassDataset {
  const fn = 'rareProbeSet';
  const sel = twoPartSelection(primary, opts, fn);
  const picked = new Set(sel.rare);
  const byClass = indicesByClass(primary.train.labels, primary.classes.length, fn).map((m) =>
    m.filter((i) => !picked.has(i)),
  );
  const trainIdx = drawRare(
    byClass,
    sel.rareClasses,
    opts.trainPerClass,
    'trainPerClass',
    `${primary.name}'s training split besides its ${sel.rarePerClass} rare pretraining images`,
    streamSeed(sel.seed, 3),
    fn,
    primary,
  );
  const testIdx = probeTestIndices(primary, sel, opts.testPerClass, fn);
  return rareDataset(primary, sel, trainIdx, testIdx, opts.name ?? `two-part-probe:${primary.name}`);
}

/**
 * "The rare images alone": the R × rarePerClass rare pretraining images of
 * `twoPartDataset` with the same options (blank left, class image right,
 * pixel for pixel the same), labels 0…R−1 in `rareClasses` order, for the
 * model supervised on the rare images only; its test split is the probe
 * set's (`rareProbeSet` with the same options and testPerClass).
 */
export function rareOnlyDataset(primary: LabeledDataset, opts: RareProbeOptions = {}): RareClassDataset {
  const fn = 'rareOnlyDataset';
  const sel = twoPartSelection(primary, opts, fn);
  const testIdx = probeTestIndices(primary, sel, opts.testPerClass, fn);
  return rareDataset(primary, sel, sel.rare, testIdx, opts.name ?? `two-part-rare:${primary.name}`);
}
