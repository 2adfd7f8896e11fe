/**
 * Theorem 5 of the talk, measured on real images: "each class forms a
 * connected manifold" in the positive-pair graph (HaoChen, Wei, Gaidon, Ma
 * 2021). On the empirical positive-pair graph of N images × M augmentations
 * ({@link positivePairGraph}) it reports how much edge weight stays inside
 * classes, the top of the spectrum of Ā = D^{-1/2}WD^{-1/2} (r nearly
 * disconnected clusters give r eigenvalues near 1, i.e. r near-zero
 * eigenvalues of the normalized Laplacian I − Ā), the conductance
 * φ(S_c) = w(S_c, V∖S_c)/w(S_c) of each class's vertex set, and probe-free
 * purity numbers of the neighbourhoods.
 */
import { type Pipeline, PRESET_NAMES, presetFromName } from '../../augment/index.ts';
import {
  drawPerClass,
  type ImageSplit,
  indicesByClass,
  type LabeledDataset,
  loadDataset,
  normalizationStats,
  subsetOf,
} from '../../data/index.ts';
import {
  fail,
  follows,
  intAtLeast,
  nonEmptyString,
  nullable,
  numberIn,
  type OptionsOf,
  oneOf,
  option,
  optionsPart,
  resolveOptions,
  type Schema,
  type SettingsOf,
  seed as seedCheck,
} from '../../options/index.ts';
import { noGrad, sparse, type Tensor, tidy } from '../../tensor/index.ts';
import { conductance } from '../../theory/conductance.ts';
import { topEigenpairs } from '../../theory/eigs.ts';
import { type Graph, normalizedAdjacency } from '../../theory/graph.ts';
import { augmentationSigma } from '../../theory/manifolds.ts';
import { type PerEdgeKind, POSITIVE_PAIR_GRAPH_OPTIONS, positivePairGraph } from '../../theory/positive-pair-graph.ts';
import { loadRunConfig, loadRunEncoder } from '../../train/load-run.ts';
import { viewPipeline } from '../../train/pretrain.ts';

/** The run folder given as `run`, if it is one (a wrong value is reported by run's own check). */
const runOf = (o: { get<T>(key: string): T }): string | null => {
  const run = o.get<unknown>('run');
  return typeof run === 'string' && run !== '' ? run : null;
};

/**
 * The options of `specl theory real`, declared once: the CLI's flags, its
 * `--help` and docs/theory.md come from here.
 */
export const REAL_OPTIONS = {
  dataset: option(
    nonEmptyString,
    follows("mnist, or the run's dataset with --run", (o) => {
      const run = runOf(o);
      return run === null ? 'mnist' : loadRunConfig(run).dataset;
    }),
    'the dataset whose images are the natural points (see `specl data info --help` for the names)',
  ),
  split: option(oneOf(['train', 'test'] as const), 'train', 'which split the images are drawn from'),
  images: option(intAtLeast(2), 2000, 'N, the natural images, drawn balanced over the classes'),
  augmentations: POSITIVE_PAIR_GRAPH_OPTIONS.augmentations,
  k: { ...POSITIVE_PAIR_GRAPH_OPTIONS.k, flag: 'neighbors' },
  eigenvalues: option(intAtLeast(2), 30, 'how many of the top eigenvalues of Ā to compute (at most N·M)'),
  epsilon: option(
    numberIn(0, 1, 'both'),
    0.05,
    'ε of the count of eigenvalues near 1, #{i : λᵢ ≥ 1 − ε}: r nearly disconnected clusters give r of them',
  ),
  preset: option(
    nullable(oneOf(PRESET_NAMES)),
    follows("the run's with --run, else mnist for 1-channel images, cifar for 3", () => null),
    'the augmentation that makes the views (ignored with --run, which uses the run’s own)',
  ),
  sigma: option(
    augmentationSigma,
    0.1,
    'σ of the gaussian preset’s noise, on the 0–1 pixel scale (only with preset gaussian)',
  ),
  run: option(
    nullable(nonEmptyString),
    null,
    "a pretraining run folder: neighbours are measured in its frozen encoder's feature space instead of pixels",
  ),
  weights: POSITIVE_PAIR_GRAPH_OPTIONS.weights,
  seed: option(seedCheck, 0, 'seeds the image draw, the augmentations and the eigensolver'),
} satisfies Schema;

export type RealGraphSettings = SettingsOf<typeof REAL_OPTIONS>;

export type RealGraphOptions = OptionsOf<typeof REAL_OPTIONS> & {
  /** An already loaded dataset (then `dataset` only names it). */
  data?: LabeledDataset;
  /** Also return the graph (the caller then disposes `graph.weights`); default false. */
  keepGraph?: boolean;
};

export interface RealGraphResult {
  /** The options as run: `REAL_OPTIONS` resolved, every default filled in (preset as used). */
  settings: RealGraphSettings;
  dataset: string;
  /** 'pixel', or the run folder whose encoder gave the features. */
  space: string;
  preset: string;
  images: number;
  augmentations: number;
  k: number;
  /** N·M vertices. */
  vertices: number;
  /** Gaussian bandwidth h (null for binary weights). */
  bandwidth: number | null;
  /** Share of the edge weight per label; inside a class = sameImage + sameClass. */
  edgeFractions: PerEdgeKind & { insideClass: number };
  edgeCounts: PerEdgeKind;
  /** Top eigenvalues of Ā, descending. */
  eigenvalues: number[];
  /** Largest residual ‖Āv − λv‖ among them. */
  maxResidual: number;
  /** ε and #{i : λᵢ ≥ 1 − ε}. */
  epsilon: number;
  nearOne: number;
  /** The j (1-based, j < eigenvalues) maximizing λ_j − λ_{j+1}: the spectrum's own cluster count. */
  gapIndex: number;
  /** Number of classes C. */
  classes: number;
  /** φ(S_c) for the vertex set of each class c. */
  classConductance: number[];
  purity: {
    /** Share of the k nearest neighbours (views of other images) that have the view's class. */
    neighbourSameClass: number;
    /** Share of the k nearest neighbours that are views of the same image. */
    neighbourSameImage: number;
    /** Accuracy of a weighted vote over each view's graph neighbours from other images (no labels of the view itself used). */
    vote: number;
  };
  seconds: number;
  /** With `keepGraph`: the positive-pair graph, view → image and view → class. */
  graph?: Graph;
  imageOf?: Int32Array;
  labelOf?: Int32Array;
}

/** counts[c] = ⌊N/C⌋, the first N mod C classes one more. */
function balancedCounts(n: number, classes: number): number[] {
  return Array.from({ length: classes }, (_, c) => Math.floor(n / classes) + (c < n % classes ? 1 : 0));
}

/**
 * Builds the positive-pair graph of N balanced images of a dataset and
 * measures its class structure (see the module comment). With `run`, the
 * views are embedded by the run's frozen encoder (eval mode, no autograd)
 * and augmented by the run's own recipe.
 */
export async function realGraphCheck(o: RealGraphOptions = {}): Promise<RealGraphResult> {
  const start = performance.now();
  const fn = 'theory real';
  const settings = resolveOptions(REAL_OPTIONS, optionsPart(o, ['data', 'keepGraph']), fn);
  const { data: given, keepGraph: keep } = o;
  const { images: N, augmentations: M, k, eigenvalues: K, seed, epsilon, split: which } = settings;
  // images ≥ 2: beyond 1e6 augmentations no image count fits, so they are to blame.
  if (M > 1e6) fail(fn, 'augmentations', 'at most 1000000 (images × augmentations ≤ 2e6, images ≥ 2)', M);
  if (N * M > 2e6) fail(fn, 'images', `at most ${Math.floor(2e6 / M)} (images × augmentations ≤ 2e6)`, N);
  if (k >= N * M) fail(fn, 'k (--neighbors)', `below images × augmentations = ${N * M}`, k);
  if (K > N * M) fail(fn, 'eigenvalues', `at most images × augmentations = ${N * M}`, K);

  const run = settings.run === null ? undefined : loadRunEncoder(settings.run);
  // A dataset loaded here is freed here; one passed in belongs to the caller.
  let loaded: LabeledDataset | undefined;
  try {
    const name = settings.dataset;
    if (given === undefined) loaded = await loadDataset(name);
    const data = given ?? (loaded as LabeledDataset);
    const full = data[which];
    const C = data.classes.length;
    if (N < C) fail(fn, 'images', `at least the ${C} classes of ${data.name ?? name}`, N);
    const chosen = drawPerClass(indicesByClass(full.labels, C, fn), balancedCounts(N, C), seed, fn);
    const split: ImageSplit = subsetOf(full, chosen);
    try {
      const { pipeline, preset } = run
        ? {
            pipeline: viewPipeline(run.config.augment, data),
            preset: run.config.augment.preset,
          }
        : defaultPipeline(settings.preset, settings.sigma, data, split);
      const space = run ? encoderSpace(run.encoder) : 'pixel';
      const ppg = positivePairGraph({ split, pipeline, augmentations: M, k, space, seed, weights: settings.weights });
      let keepGraph = false;
      try {
        const spectrum = tidy(() => {
          const a = normalizedAdjacency(ppg.graph);
          const e = topEigenpairs(a, K, { seed });
          e.vectors.dispose();
          return { values: Array.from(e.values), residual: Math.max(...e.residuals) };
        });
        const members = Array.from({ length: C }, (): number[] => []);
        ppg.labelOf.forEach((c, v) => {
          members[c]?.push(v);
        });
        const classConductance = members.map((s) =>
          s.length > 0 && s.length < ppg.graph.n ? conductance(ppg.graph, Int32Array.from(s)) : 0,
        );
        const purity = neighbourhoodPurity(ppg.graph, ppg.neighbours, ppg.imageOf, ppg.labelOf, k, C);
        const ev = spectrum.values;
        let gapIndex = 1;
        for (let j = 1; j < ev.length; j++) {
          if ((ev[j - 1] as number) - (ev[j] as number) > (ev[gapIndex - 1] as number) - (ev[gapIndex] as number))
            gapIndex = j;
        }
        keepGraph = keep === true;
        return {
          settings: { ...settings, preset: preset as RealGraphSettings['preset'] },
          ...(keepGraph ? { graph: ppg.graph, imageOf: ppg.imageOf, labelOf: ppg.labelOf } : {}),
          dataset: data.name ?? name,
          space: settings.run ?? 'pixel',
          preset,
          images: N,
          augmentations: M,
          k,
          vertices: N * M,
          bandwidth: ppg.bandwidth,
          edgeFractions: {
            ...ppg.edgeFractions,
            insideClass: ppg.edgeFractions.sameImage + ppg.edgeFractions.sameClass,
          },
          edgeCounts: ppg.edgeCounts,
          eigenvalues: ev,
          maxResidual: spectrum.residual,
          epsilon,
          nearOne: ev.filter((l) => l >= 1 - epsilon).length,
          gapIndex,
          classes: C,
          classConductance,
          purity,
          seconds: (performance.now() - start) / 1000,
        };
      } finally {
        if (!keepGraph) ppg.graph.weights.dispose();
      }
    } finally {
      split.images.dispose();
      split.labels.dispose();
    }
  } finally {
    run?.encoder.dispose();
    if (loaded) disposeDataset(loaded);
  }
}

function disposeDataset(d: LabeledDataset): void {
  for (const s of [d.train, d.test]) {
    s.images.dispose();
    s.labels.dispose();
  }
}

/** The preset for the dataset's images (by name, or by channel count), normalized with the dataset's statistics. */
function defaultPipeline(
  name: string | null,
  sigma: number,
  data: LabeledDataset,
  split: ImageSplit,
): { pipeline: Pipeline; preset: string } {
  const [, c, h] = split.images.shape as [number, number, number, number];
  const preset = name ?? (c === 1 ? 'mnist' : 'cifar');
  const { mean, std } = normalizationStats(data.name, data.train);
  return {
    pipeline: presetFromName(preset, { size: h, mean, std, sigma: preset === 'gaussian' ? sigma : undefined }),
    preset,
  };
}

/** Views → pooled features of a frozen encoder: eval mode, no autograd, training flags restored afterwards. */
function encoderSpace(encoder: ReturnType<typeof loadRunEncoder>['encoder']): (x: Tensor) => Tensor {
  return (x) => {
    const modes = encoder.namedModules().map(([, m]) => [m, m.training] as const);
    encoder.eval();
    try {
      return noGrad(() => encoder.forward(x));
    } finally {
      for (const [m, training] of modes) m.training = training;
    }
  };
}

/**
 * Label purity of the neighbourhoods, no classifier fitted:
 * - of the k nearest views of each view, the share from the same image, and
 *   among those from other images the share with the view's class;
 * - a weighted vote: each view predicts argmax_c Σ_{u: image(u) ≠ image(v), label(u) = c} w(v, u)
 *   over its graph neighbours (views with no such neighbour count as wrong).
 */
function neighbourhoodPurity(
  g: Graph,
  neighbours: Int32Array,
  imageOf: Int32Array,
  labelOf: Int32Array,
  k: number,
  classes: number,
): RealGraphResult['purity'] {
  const n = imageOf.length;
  let sameImage = 0;
  let others = 0;
  let sameClass = 0;
  for (let v = 0; v < n; v++) {
    for (let j = 0; j < k; j++) {
      const u = neighbours[v * k + j] as number;
      if (imageOf[u] === imageOf[v]) sameImage++;
      else {
        others++;
        if (labelOf[u] === labelOf[v]) sameClass++;
      }
    }
  }
  const [crow, col, val] = tidy(() => [
    Array.from(sparse.crowIndices(g.weights).toArray() as number[]),
    Int32Array.from(sparse.colIndices(g.weights).toArray() as number[]),
    Float64Array.from(sparse.values(g.weights).toArray() as number[]),
  ]) as [number[], Int32Array, Float64Array];
  let correct = 0;
  const votes = new Float64Array(classes);
  for (let v = 0; v < n; v++) {
    votes.fill(0);
    let any = false;
    for (let p = crow[v] as number; p < (crow[v + 1] as number); p++) {
      const u = col[p] as number;
      if (imageOf[u] === imageOf[v]) continue;
      votes[labelOf[u] as number] += val[p] as number;
      any = true;
    }
    if (!any) continue;
    let best = 0;
    for (let c = 1; c < classes; c++) if ((votes[c] as number) > (votes[best] as number)) best = c;
    if (best === labelOf[v]) correct++;
  }
  return {
    neighbourSameClass: others > 0 ? sameClass / others : 0,
    neighbourSameImage: sameImage / (n * k),
    vote: correct / n,
  };
}
