/**
 * The connectivity of a dataset with domains under an augmentation, the
 * explanation "Connect, not collapse" (Shen, Jones, Kumar, Xie, HaoChen, Ma,
 * Liang, ICML 2022) gives for domain transfer: same-class cross-domain (α)
 * and cross-class same-domain (β) pairs more connected than cross-class
 * cross-domain pairs (γ). Measured two ways on the same seeded sample of
 * images, `imagesPerGroup` of each (class, domain) group:
 *
 * - on the empirical positive-pair graph of their augmented views
 *   (`positivePairGraph`), every view labelled by the (class, domain) of its
 *   image: the edge mass between groups normalized by their volumes,
 *   Q[g,h] = W[g,h]/√(vol g · vol h), and ρ, α, β, γ its means over the
 *   four kinds of group pairs (`groupMasses`);
 * - as the paper's code does it: how well a classifier tells augmented
 *   images of two groups apart, on images it was not fitted on (here a
 *   linear classifier on the views' pixels, one per pair of groups, fitted on
 *   the views of half of each group's images and scored on the other half's);
 *   the mean held-out accuracy over sampled pairs of each kind is
 *   dist-α, dist-β, dist-γ — 0.5 where two groups' views are
 *   indistinguishable (connected), 1 where they are apart.
 */
import type { Pipeline } from '../augment/index.ts';
import { type DomainUnion, drawPerClass, subsetOf } from '../data/index.ts';
import { linearProbe } from '../eval/index.ts';
import { cat, Generator, ones, randperm, type Tensor, tensor, tidy, zeros } from '../tensor/index.ts';
import { groupMasses, positivePairGraph } from '../theory/index.ts';

/** What `domainConnectivity` samples and builds. */
export interface ConnectivitySettings {
  /** Training images drawn from each (class, domain) group. */
  imagesPerGroup: number;
  /** Views per image in the positive-pair graph (M). */
  augmentations: number;
  /** Nearest neighbours per view in the graph. */
  k: number;
  /** Pairs of groups of each kind (α, β, γ) a distinguishing classifier is fitted for. */
  pairsPerKind: number;
}

export const DEFAULT_CONNECTIVITY: ConnectivitySettings = {
  imagesPerGroup: 40,
  augmentations: 4,
  k: 10,
  pairsPerKind: 6,
};

/** The metrics of `evaluation.connectivity`, in table order. */
export const CONNECTIVITY_METRICS = [
  'rho',
  'alpha',
  'beta',
  'gamma',
  'alpha-vs-gamma',
  'dist-alpha',
  'dist-beta',
  'dist-gamma',
] as const;
export type ConnectivityMetric = (typeof CONNECTIVITY_METRICS)[number];

/** The metrics that are graph quantities, not accuracies: reports show them as they are, not in %. */
export const GRAPH_METRICS: ReadonlySet<string> = new Set(['rho', 'alpha', 'beta', 'gamma', 'alpha-vs-gamma']);

type Kind = 'alpha' | 'beta' | 'gamma';

/**
 * ρ, α, β, γ of the positive-pair graph, (α − γ)/(α + γ) (`alpha-vs-gamma`:
 * 1 when no cross-class cross-domain mass, 0 when α = γ, −1 when no
 * same-class cross-domain mass; 0 when both are 0), and the distinguishing
 * classifiers' mean held-out accuracies dist-α, dist-β, dist-γ (see the
 * module comment), of `data`'s training images under `pipeline`, all drawn
 * from `Generator(seed)` streams.
 */
export function domainConnectivity(
  data: DomainUnion,
  pipeline: Pipeline,
  settings: ConnectivitySettings,
  seed: number,
): Record<ConnectivityMetric, number> {
  const C = data.classes.length;
  const D = data.domains.names.length;
  const { indices: picked, groupOfImage } = connectivitySample(data, settings.imagesPerGroup, seed);
  const split = subsetOf(data.train, picked);
  try {
    const ppg = positivePairGraph({
      split,
      pipeline,
      augmentations: settings.augmentations,
      k: settings.k,
      seed,
    });
    let masses: ReturnType<typeof groupMasses>;
    try {
      const domainOfView = Int32Array.from(ppg.imageOf, (i) => (groupOfImage[i] as number) % D);
      masses = groupMasses(ppg.graph, ppg.labelOf, domainOfView, { numClasses: C, numDomains: D });
    } finally {
      ppg.graph.weights.dispose();
    }
    const { alpha, gamma } = masses;
    const dist = distinguishability(split.images, groupOfImage, C, D, pipeline, settings.pairsPerKind, seed);
    return {
      rho: masses.rho,
      alpha,
      beta: masses.beta,
      gamma,
      'alpha-vs-gamma': alpha + gamma > 0 ? (alpha - gamma) / (alpha + gamma) : 0,
      'dist-alpha': dist.alpha,
      'dist-beta': dist.beta,
      'dist-gamma': dist.gamma,
    };
  } finally {
    split.images.dispose();
    split.labels.dispose();
  }
}

/**
 * The images the connectivity is measured on: `n` training images of every (class c, domain d) group,
 * drawn with `seed` (indices ascending); `groupOfImage[j]` = c·D + d, the group of image j of the sample.
 * @throws naming the group when it has fewer than n images.
 */
export function connectivitySample(
  data: DomainUnion,
  n: number,
  seed: number,
): { indices: number[]; groupOfImage: Int32Array } {
  const C = data.classes.length;
  const D = data.domains.names.length;
  const G = C * D;
  if (!Number.isInteger(n) || n < 2) throw new Error(`connectivity: imagesPerGroup must be an integer ≥ 2, got ${n}`);
  const labels = Array.from(data.train.labels.toArray() as ArrayLike<number | bigint>, Number);
  const byGroup = Array.from({ length: G }, (): number[] => []);
  labels.forEach((c, i) => {
    byGroup[c * D + (data.domains.train[i] as number)]?.push(i);
  });
  byGroup.forEach((members, g) => {
    if (members.length < n)
      throw new Error(
        `connectivity: group (class ${data.classes[Math.floor(g / D)]}, domain ${data.domains.names[g % D]}) of ` +
          `${data.name} has ${members.length} training images, fewer than imagesPerGroup = ${n}`,
      );
  });
  const indices = drawPerClass(byGroup, new Array(G).fill(n), seed, 'connectivity');
  const groupOfImage = Int32Array.from(indices, (i) => (labels[i] as number) * D + (data.domains.train[i] as number));
  return { indices, groupOfImage };
}

/** The kind of an ordered pair of distinct groups a = c·D + d, b = c′·D + d′. */
const kindOf = (a: number, b: number, D: number): Kind => {
  const sameClass = Math.floor(a / D) === Math.floor(b / D);
  return sameClass ? 'alpha' : a % D === b % D ? 'beta' : 'gamma';
};

/**
 * Mean held-out accuracy of linear classifiers telling two groups' augmented views apart, over up to
 * `pairsPerKind` seeded pairs (g < h) of each kind.
 */
function distinguishability(
  images: Tensor,
  groupOfImage: Int32Array,
  C: number,
  D: number,
  pipeline: Pipeline,
  pairsPerKind: number,
  seed: number,
): Record<Kind, number> {
  const G = C * D;
  const pairs: Record<Kind, [number, number][]> = { alpha: [], beta: [], gamma: [] };
  for (let a = 0; a < G; a++) for (let b = a + 1; b < G; b++) pairs[kindOf(a, b, D)].push([a, b]);
  const gen = new Generator(seed + 1);
  // Two views of every sampled image, flattened: the classifiers' inputs.
  const views = tidy(() => {
    const [v1, v2] = pipeline.views(images, gen, 2) as [Tensor, Tensor];
    return { first: v1.flatten(1), second: v2.flatten(1) };
  });
  const members = Array.from({ length: G }, (): number[] => []);
  groupOfImage.forEach((g, j) => {
    members[g]?.push(j);
  });
  const out: Record<Kind, number> = { alpha: Number.NaN, beta: Number.NaN, gamma: Number.NaN };
  try {
    for (const kind of ['alpha', 'beta', 'gamma'] as const) {
      const all = pairs[kind];
      if (all.length === 0) continue;
      const order = tidy(() => randperm(all.length, { generator: gen }).toArray() as number[]);
      const chosen = order.slice(0, Math.min(pairsPerKind, all.length)).map((i) => all[i] as [number, number]);
      let sum = 0;
      for (const [a, b] of chosen) sum += pairAccuracy(views, members[a] as number[], members[b] as number[]);
      out[kind] = sum / chosen.length;
    }
  } finally {
    views.first.dispose();
    views.second.dispose();
  }
  return out;
}

/** Fits on both views of the first half of each group's images, scores on both views of the second half. */
function pairAccuracy(views: { first: Tensor; second: Tensor }, a: number[], b: number[]): number {
  return tidy(() => {
    const half = (m: number[]) => [m.slice(0, Math.floor(m.length / 2)), m.slice(Math.floor(m.length / 2))];
    const [fitA, testA] = half(a) as [number[], number[]];
    const [fitB, testB] = half(b) as [number[], number[]];
    const rows = (idx: number[]) => {
      const t = tensor(Int32Array.from(idx), [idx.length]);
      return cat([views.first.indexSelect(0, t), views.second.indexSelect(0, t)], 0);
    };
    const labels = (na: number, nb: number) =>
      cat([zeros([2 * na], { dtype: 'int64' }), ones([2 * nb], { dtype: 'int64' })], 0);
    return linearProbe({
      trainFeatures: cat([rows(fitA), rows(fitB)], 0),
      trainLabels: labels(fitA.length, fitB.length),
      testFeatures: cat([rows(testA), rows(testB)], 0),
      testLabels: labels(testA.length, testB.length),
      numClasses: 2,
    }).top1;
  });
}
