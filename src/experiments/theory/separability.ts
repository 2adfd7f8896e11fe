/**
 * Theorem 3 of the talk, checked numerically: the top eigenvectors of the
 * augmentation graph make its clusters linearly separable.
 *
 * HaoChen, Wei, Gaidon, Ma (2021): when the graph has r well-separated
 * clusters, a linear head on the spectral embedding f*(x) = w_x^{-1/2}·(U_kΛ_k^{1/2})_x
 * with k ≥ 2r dimensions classifies any labeling constant on the clusters;
 * the rows of U_r are (close to) one-hot cluster indicators scaled by √w_x,
 * up to a rotation. Here: the linear-probe accuracy of f* restricted to its
 * first k coordinates, k = 1…K, and how one-hot the rows of U_r are.
 */
import { drawPerClass } from '../../data/index.ts';
import { linearProbe } from '../../eval/linear-probe.ts';
import {
  checked,
  fail,
  follows,
  intAtLeast,
  intIn,
  nonNegative,
  nonNegativeInt,
  nullable,
  numberIn,
  type OptionsOf,
  oneOf,
  option,
  optionsPart,
  pick,
  positiveInt,
  resolveOptions,
  type Schema,
  type SettingsOf,
  seed as seedCheck,
} from '../../options/index.ts';
import { type Tensor, tensor, tidy } from '../../tensor/index.ts';
import { augmentationGraph } from '../../theory/augmentation-graph.ts';
import { DENSE_MAX, EIGS_OPTIONS } from '../../theory/eigs.ts';
import type { Graph } from '../../theory/graph.ts';
import { knnGraph } from '../../theory/knn-graph.ts';
import {
  augmentationSigma,
  checkAmbientDim,
  gaussianAugment,
  MANIFOLD_MIXTURE_OPTIONS,
  manifoldMixture,
  mixturePointsMemory,
  mixtureScale,
} from '../../theory/manifolds.ts';
import {
  CHUNK_BUFFERS,
  checkDenseMemory,
  denseMatrices,
  FLOAT64_BYTES,
  type MemoryEstimate,
  memoryLimitOf,
} from '../../theory/memory.ts';
import { orthogonalProcrustes } from '../../theory/procrustes.ts';
import { spectralEmbedding } from '../../theory/spectral-embedding.ts';

/** The options of `separabilityOnGraph` (a linear probe on the spectral embedding of a given graph), declared once. */
export const SEPARABILITY_ON_GRAPH_OPTIONS = {
  maxK: option(
    nullable(positiveInt),
    follows('3C (C classes), at most N − 1', () => null),
    'the largest embedding dimension k probed (k = 1…max-k)',
  ),
  trainFraction: option(
    numberIn(0, 1, 'both'),
    0.5,
    'share of each class’s vertices the probe trains on (a seeded stratified split); the rest is the test set',
  ),
  l2: option(nonNegative, 1e-4, 'λ of the linear probe’s L2 penalty'),
  sampleRows: option(nonNegativeInt, 200, 'how many vertices (evenly per cluster) the indicator rows show'),
  eigsMethod: option(
    EIGS_OPTIONS.method.check,
    EIGS_OPTIONS.method.default,
    'the eigensolver of the spectral embedding: auto, dense or chebyshev',
  ),
  numClasses: option(
    nullable(positiveInt),
    follows('the largest label + 1', () => null),
    'C, the number of classes (labels lie in 0…C − 1)',
  ),
  seed: option(seedCheck, 0, 'seeds the train/test split'),
} satisfies Schema;

export type SeparabilityOnGraphOptions = OptionsOf<typeof SEPARABILITY_ON_GRAPH_OPTIONS>;

export interface SeparabilityResult {
  /** Linear-probe top-1 accuracy (train and test vertices) of the first k coordinates of f*. */
  accuracyByK: { k: number; train: number; test: number }[];
  /** Chance level: the share of the test set's largest class. */
  chance: number;
  /** Top max(K, C) eigenvalues of Ā, descending. */
  eigenvalues: number[];
  /** Largest residual ‖Āv − λv‖ of those eigenpairs. */
  maxResidual: number;
  /**
   * How many of those eigenvalues are within 1e-10 of 1: the number of (numerically)
   * disconnected components. When > 1 the eigenbasis inside that eigenspace is arbitrary,
   * and so is the accuracy for k below this count.
   */
  unitEigenvalues: number;
  /**
   * Rows of U_C·R for a sample of vertices sorted by cluster, R the orthogonal
   * Procrustes map of U_C onto the indicator matrix T (T[x, c] = √w_x·[x ∈ c]/‖√w on c‖):
   * `values` are the rows themselves (one-hot indicators scaled by √w_x),
   * `unscaled` the rows divided by √(w_x/w̄) (w̄ the mean degree), which makes them
   * constant on each cluster in the ideal case; `cluster` and `vertex` per row.
   */
  indicatorRows: { values: number[][]; unscaled: number[][]; cluster: number[]; vertex: number[] };
  /**
   * Mean over clusters c of Σ_{x∈c} (U_C R)[x, c]² / Σ_{x∈c} ‖(U_C R)_x‖²: the share of
   * each cluster's row mass on its own indicator direction. 1 = exactly one-hot; ≈ 1/C = no structure.
   */
  oneHotScore: number;
  /** The per-cluster shares averaged in oneHotScore. */
  oneHotByCluster: number[];
  /** ‖U_C R − T‖_F / ‖T‖_F: how far span(U_C) is from the cluster indicators. */
  indicatorResidual: number;
  /** C, the number of classes (= clusters for the indicator rows). */
  classes: number;
}

/**
 * Theorem 3 on a given graph with a class per vertex: the spectral embedding
 * with K = max(maxK, C) dimensions (spectralEmbedding), then for k = 1…maxK a
 * linear probe (standardized features, L-BFGS logistic regression, float64) on
 * the first k coordinates of f*, trained on a stratified split of the vertices
 * and scored on the rest; and the rows of U_C (C classes) rotated onto the
 * √w-scaled cluster indicators by orthogonal Procrustes.
 *
 * On a connected graph the first coordinate of f* is constant (u₁ ∝ √w), so
 * k = 1 gives chance accuracy. Eigenvalues that agree to rounding (clusters
 * with no edges between them) have an arbitrary eigenbasis; the accuracy at
 * k < C then depends on that basis.
 */
export function separabilityOnGraph(
  g: Graph,
  labels: Int32Array,
  o: SeparabilityOnGraphOptions = {},
): SeparabilityResult {
  const fn = 'separabilityOnGraph';
  const n = g.n;
  if (labels.length !== n) throw new Error(`${fn}: labels must have one entry per vertex (${n}), got ${labels.length}`);
  const s = resolveOptions(SEPARABILITY_ON_GRAPH_OPTIONS, o, fn);
  const { trainFraction, seed, l2, sampleRows, eigsMethod } = s;
  let classes = s.numClasses ?? 0;
  const label = s.numClasses === null ? nonNegativeInt : intIn(0, classes - 1);
  labels.forEach((y, i) => {
    checked(fn, `labels[${i}]`, label, y);
    if (s.numClasses === null) classes = Math.max(classes, y + 1);
  });
  const maxK = checked(fn, 'maxK', intIn(1, n - 1), s.maxK ?? Math.min(3 * classes, n - 1));
  if (classes >= n)
    fail(fn, 'numClasses', `fewer than the ${n} vertices (C: given, or the largest label + 1)`, classes);

  const byClass = Array.from({ length: classes }, (): number[] => []);
  labels.forEach((y, i) => {
    byClass[y]?.push(i);
  });
  for (let c = 0; c < classes; c++) {
    if ((byClass[c]?.length ?? 0) < 2)
      throw new Error(`${fn}: class ${c} needs at least 2 vertices (one train, one test)`);
  }
  const counts = byClass.map((m) => Math.min(m.length - 1, Math.max(1, Math.round(trainFraction * m.length))));
  const train = drawPerClass(byClass, counts, seed, fn);
  const inTrain = new Uint8Array(n);
  for (const i of train) inTrain[i] = 1;
  const test = Array.from({ length: n }, (_, i) => i).filter((i) => inTrain[i] === 0);
  const testCounts = new Array<number>(classes).fill(0);
  for (const i of test) testCounts[labels[i] as number]++;
  const chance = Math.max(...testCounts) / test.length;

  return tidy(() => {
    const dims = Math.max(maxK, classes);
    const emb = spectralEmbedding(g, dims, { method: eigsMethod });
    const index = (ids: number[]) => tensor(BigInt64Array.from(ids, BigInt), [ids.length]);
    const iTrain = index(train);
    const iTest = index(test);
    const y = tensor(BigInt64Array.from(labels, BigInt), [n]);
    const yTrain = y.indexSelect(0, iTrain);
    const yTest = y.indexSelect(0, iTest);
    const xTrain = emb.embedding.indexSelect(0, iTrain);
    const xTest = emb.embedding.indexSelect(0, iTest);
    const accuracyByK: { k: number; train: number; test: number }[] = [];
    for (let k = 1; k <= maxK; k++) {
      const r = tidy(() =>
        linearProbe({
          trainFeatures: xTrain.narrow(1, 0, k),
          trainLabels: yTrain,
          testFeatures: xTest.narrow(1, 0, k),
          testLabels: yTest,
          numClasses: classes,
          l2,
          lbfgs: { dtype: 'float64' },
        }),
      );
      accuracyByK.push({ k, train: r.trainTop1, test: r.top1 });
    }
    const eigenvalues = Array.from(emb.eigen.values);
    const maxResidual = Math.max(...emb.eigen.residuals);
    const unitEigenvalues = eigenvalues.filter((v) => v >= 1 - 1e-10).length;
    const ind = indicators(emb.eigen.vectors.narrow(1, 0, classes), emb.degrees, labels, byClass, sampleRows);
    return { accuracyByK, chance, eigenvalues, maxResidual, unitEigenvalues, ...ind, classes };
  });
}

/** The one-hot analysis of U_C (see SeparabilityResult). */
function indicators(
  u: Tensor,
  degrees: Tensor,
  labels: Int32Array,
  byClass: number[][],
  sampleRows: number,
): Pick<SeparabilityResult, 'indicatorRows' | 'oneHotScore' | 'oneHotByCluster' | 'indicatorResidual'> {
  const n = labels.length;
  const classes = byClass.length;
  return tidy(() => {
    const w = Float64Array.from(degrees.double().data() as Float64Array);
    const t = new Float64Array(n * classes);
    for (let c = 0; c < classes; c++) {
      const members = byClass[c] as number[];
      let mass = 0;
      for (const i of members) mass += w[i] as number;
      for (const i of members) t[i * classes + c] = Math.sqrt((w[i] as number) / mass);
    }
    const p = orthogonalProcrustes(u, tensor(t, [n, classes]));
    const rotated = Float64Array.from(u.double().mm(p.rotation).data() as Float64Array);
    const oneHotByCluster = byClass.map((members, c) => {
      let own = 0;
      let all = 0;
      for (const i of members)
        for (let j = 0; j < classes; j++) {
          const v = (rotated[i * classes + j] as number) ** 2;
          all += v;
          if (j === c) own += v;
        }
      return all > 0 ? own / all : 0;
    });
    let meanW = 0;
    for (const v of w) meanW += v / n;
    const values: number[][] = [];
    const unscaled: number[][] = [];
    const cluster: number[] = [];
    const vertex: number[] = [];
    byClass.forEach((members, c) => {
      const take = Math.min(members.length, Math.floor(sampleRows / classes) + (c < sampleRows % classes ? 1 : 0));
      for (let s = 0; s < take; s++) {
        // Evenly spaced over the cluster's vertices (deterministic, covers the whole cluster).
        const i = members[Math.floor((s * members.length) / take)] as number;
        const row = Array.from(rotated.subarray(i * classes, (i + 1) * classes));
        values.push(row);
        const scale = Math.sqrt(meanW / (w[i] as number));
        unscaled.push(row.map((v) => v * scale));
        cluster.push(c);
        vertex.push(i);
      }
    });
    return {
      indicatorRows: { values, unscaled, cluster, vertex },
      oneHotScore: oneHotByCluster.reduce((a, b) => a + b, 0) / classes,
      oneHotByCluster,
      indicatorResidual: p.relativeResidual,
    };
  });
}

/**
 * The options of `specl theory separability`, declared once: the CLI's
 * flags, its `--help` and docs/theory.md come from here.
 */
export const SEPARABILITY_OPTIONS = {
  manifolds: option(positiveInt, 4, 'r, the number of manifolds (curves), each a cluster of the graph'),
  separation: option(
    mixtureScale,
    2.5,
    'distance between manifold centres in units of their spread (2.5: well apart, Ā has r eigenvalues within 3e-4 of 1; at 1 the clusters overlap)',
  ),
  curvature: MANIFOLD_MIXTURE_OPTIONS.curvature,
  ambientDim: option(
    intAtLeast(2),
    follows('max(r, 2)', (o) => Math.max(o.get('manifolds'), 2)),
    'd, the dimension of the space the manifolds live in (their centres on a regular simplex)',
  ),
  labels: option(
    oneOf(['manifold', 'subcluster'] as const),
    'manifold',
    'what the probe classifies: manifold (class = manifold) or subcluster (class = manifold and sub-cluster)',
  ),
  subclusters: option(
    positiveInt,
    follows('1, or 2 with labels subcluster', (o) => (o.get<string>('labels') === 'subcluster' ? 2 : 1)),
    'sub-clusters per manifold',
  ),
  vertices: option(intAtLeast(4), 1000, 'N, the augmented points: the vertices of the graph'),
  copies: option(positiveInt, 4, 'augmentations drawn of each natural point (N/copies natural points)'),
  sigma: option(augmentationSigma, 0.5, 'σ of the Gaussian augmentation x = x̄ + σε'),
  graph: option(
    oneOf(['auto', 'exact', 'knn'] as const),
    'auto',
    'exact: the augmentation graph itself; knn: a k-NN graph with Gaussian weights of bandwidth √2·σ (the exact graph’s edge profile between nearby points); auto: exact up to 2000 vertices',
  ),
  neighbors: option(positiveInt, 10, 'neighbours per vertex of the k-NN graph'),
  maxK: option(
    positiveInt,
    follows(
      '3 × the number of classes',
      (o) =>
        3 * (o.get<string>('labels') === 'subcluster' ? o.get('manifolds') * o.get('subclusters') : o.get('manifolds')),
    ),
    'the largest embedding dimension k probed (k = 1…max-k)',
  ),
  trainFraction: SEPARABILITY_ON_GRAPH_OPTIONS.trainFraction,
  l2: SEPARABILITY_ON_GRAPH_OPTIONS.l2,
  // At least one row here: the check draws them as a heatmap.
  sampleRows: option(
    positiveInt,
    SEPARABILITY_ON_GRAPH_OPTIONS.sampleRows.default,
    SEPARABILITY_ON_GRAPH_OPTIONS.sampleRows.help,
  ),
  eigsMethod: SEPARABILITY_ON_GRAPH_OPTIONS.eigsMethod,
  seed: option(seedCheck, 0, 'seeds the mixture, the augmentations and the train/test split'),
} satisfies Schema;

export type SeparabilityOptions = OptionsOf<typeof SEPARABILITY_OPTIONS> & {
  /** Bytes the check may plan to use (default: 80 % of the machine's memory, see theory/memory.ts). */
  memoryLimit?: number;
};
export type SeparabilitySettings = SettingsOf<typeof SEPARABILITY_OPTIONS>;

export interface SeparabilityReport extends SeparabilityResult {
  /** The options as run: `SEPARABILITY_OPTIONS` resolved, every default filled in. */
  settings: SeparabilitySettings;
  /** The graph that was built: `graph` with auto decided. */
  graphUsed: 'exact' | 'knn';
  /** Wall-clock seconds of the whole check. */
  seconds: number;
}

/** The exact augmentation graph's weights alone (its other two N×N matrices freed at once). */
function exactGraph(natural: Tensor, vertices: Tensor, sigma: number): Graph {
  const ag = augmentationGraph({ natural, vertices, sigma });
  ag.logWeights.dispose();
  ag.normalizedAdjacency.dispose();
  return ag.graph;
}

/**
 * The peak memory of `specl theory separability` at N vertices with a dense
 * step (n̄ = ⌈N/copies⌉ natural points in d dimensions). The exact graph:
 * 8·(5N² + 3N·n̄ + 4N·d) bytes + 128 MiB — the augmentation graph
 * (augmentationGraphMemory), then its weights, the embedding's Ā and eigh's 3.
 * A k-NN graph with the dense solver: 8·(4N² + 4N·d) bytes — Ā made dense and
 * eigh's 3 (the sparse graph itself is O(N·neighbors)).
 */
export function separabilityMemory(graph: 'exact' | 'knn', copies: number, d: number): MemoryEstimate {
  if (graph === 'knn') {
    return denseMatrices(4, {
      bytes: (n) => FLOAT64_BYTES * 4 * n * d,
      formula: `8·4N·d bytes for the points (d = ${d})`,
    });
  }
  return denseMatrices(5, {
    bytes: (n) => FLOAT64_BYTES * (3 * n * Math.ceil(n / copies) + 4 * n * d) + CHUNK_BUFFERS,
    formula: `8·(3N·n̄ + 4N·d) bytes + 128 MiB for the N×n̄ and N×d parts (n̄ = ⌈N/${copies}⌉, d = ${d})`,
  });
}

/**
 * The estimated peak memory of `separabilityCheck(o)` in bytes when it has a
 * dense step (separabilityMemory at its settings), else 0; pure.
 */
export function separabilityPeakMemory(o: SeparabilityOptions = {}): number {
  const s = resolveOptions(SEPARABILITY_OPTIONS, optionsPart(o, ['memoryLimit']), 'theory separability');
  const graph = s.graph === 'auto' ? (s.vertices <= 2000 ? 'exact' : 'knn') : s.graph;
  const dense = s.eigsMethod === 'dense' || (s.eigsMethod === 'auto' && (graph === 'exact' || s.vertices <= DENSE_MAX));
  return graph === 'exact' || dense ? separabilityMemory(graph, s.copies, s.ambientDim).bytes(s.vertices) : 0;
}

/**
 * `specl theory separability`: theorem 3 on a mixture of r manifolds. Draws
 * n̄ natural points (manifoldMixture), `copies` Gaussian augmentations of each
 * as the N vertices (each labelled with its natural point's manifold, or
 * sub-cluster), builds the augmentation graph (exact, or a kNN proximity graph
 * for large N) and runs separabilityOnGraph.
 */
export function separabilityCheck(o: SeparabilityOptions = {}): SeparabilityReport {
  const start = performance.now();
  const fn = 'theory separability';
  const limit = memoryLimitOf(fn, (o as { memoryLimit?: unknown } | undefined)?.memoryLimit);
  const settings = resolveOptions(SEPARABILITY_OPTIONS, optionsPart(o, ['memoryLimit']), fn);
  const { manifolds, labels: labelKind, subclusters, ambientDim, separation, curvature } = settings;
  const { vertices, copies, sigma, neighbors, seed, graph: graphKind, maxK, eigsMethod } = settings;
  if (neighbors >= vertices) fail(fn, 'neighbors', `an integer in [1, ${vertices - 1}] (below vertices)`, neighbors);
  if (copies > vertices) fail(fn, 'copies', `an integer in [1, vertices = ${vertices}]`, copies);
  const classCount = labelKind === 'manifold' ? manifolds : manifolds * subclusters;
  if (classCount < 2) {
    fail(
      fn,
      'manifolds',
      'at least 2 with labels manifold: the probe separates classes, and each manifold is one (labels subcluster splits each into sub-clusters)',
      manifolds,
    );
  }
  const naturalPoints = Math.ceil(vertices / copies);
  const each = '⌈vertices/copies⌉ natural points';
  if (manifolds > naturalPoints) {
    fail(fn, 'manifolds', `at most ${naturalPoints} (the ${each}: each manifold needs one)`, manifolds);
  }
  if (manifolds * subclusters > naturalPoints) {
    const most = Math.floor(naturalPoints / manifolds);
    fail(
      fn,
      'subclusters',
      `at most ${most} with ${manifolds} manifolds (manifolds × subclusters ≤ the ${naturalPoints} ${each}: each sub-cluster needs one)`,
      subclusters,
    );
  }
  if (maxK >= vertices) {
    // Left to its default 3 × classes, max-k is too large because the classes are too many.
    if ((o as { maxK?: unknown } | undefined)?.maxK === undefined) {
      fail(
        fn,
        'maxK',
        `below vertices = ${vertices} (its default is 3 × the ${classCount} classes): give --max-k`,
        maxK,
      );
    }
    fail(fn, 'maxK', `an integer in [1, ${vertices - 1}] (below vertices)`, maxK);
  }
  const graph: 'exact' | 'knn' = graphKind === 'auto' ? (vertices <= 2000 ? 'exact' : 'knn') : graphKind;
  // topEigenpairs' 'auto': dense for a dense matrix (the exact graph) or up to DENSE_MAX vertices.
  const denseEigs = eigsMethod === 'dense' || (eigsMethod === 'auto' && (graph === 'exact' || vertices <= DENSE_MAX));
  checkAmbientDim(fn, ambientDim, { points: 2 * vertices + naturalPoints, manifolds, intrinsicDim: 1, limit });
  // The sparse path holds the points and the k-NN graph (index, weight, and their CSR copies per edge).
  checkDenseMemory({
    owner: fn,
    key: 'vertices',
    n: vertices,
    estimate: {
      bytes: (n) =>
        mixturePointsMemory(2 * n + Math.ceil(n / copies), manifolds, 1).bytes(ambientDim) + 64 * n * neighbors,
      formula: `the points, 8·d·(4·(2N + ⌈N/${copies}⌉)) bytes (d = ${ambientDim}), and the k-NN graph, 64·N·${neighbors} bytes`,
    },
    limit,
    alternative: 'fewer neighbors or a smaller ambientDim',
  });
  if (graph === 'exact' || denseEigs) {
    checkDenseMemory({
      owner: fn,
      key: 'vertices',
      n: vertices,
      estimate: separabilityMemory(graph, copies, ambientDim),
      limit,
      alternative: `the sparse path: --graph knn --eigs-method chebyshev (a k-NN graph and the iterative eigensolver; now --graph ${graph} --eigs-method ${eigsMethod})`,
    });
  }
  const classes = classCount;

  const mixture = manifoldMixture({ manifolds, ambientDim, subclusters, separation, seed, curvature });
  const result = tidy(() => {
    const sample = mixture.sample(Math.ceil(vertices / copies), seed + 1);
    const aug = gaussianAugment(sample.x, sigma, copies, seed + 2);
    const x = aug.x.narrow(0, 0, vertices);
    const labels = new Int32Array(vertices);
    for (let i = 0; i < vertices; i++) {
      const s = aug.source[i] as number;
      labels[i] =
        labelKind === 'manifold'
          ? (sample.labels[s] as number)
          : (sample.manifold[s] as number) * subclusters + (sample.subcluster[s] as number);
    }
    const g: Graph =
      graph === 'exact' ? exactGraph(sample.x, x, sigma) : knnGraph(x, { k: neighbors, bandwidth: Math.SQRT2 * sigma });
    return separabilityOnGraph(g, labels, {
      ...pick(SEPARABILITY_ON_GRAPH_OPTIONS, settings),
      maxK,
      numClasses: classes,
    });
  });
  return {
    ...result,
    settings,
    graphUsed: graph,
    seconds: (performance.now() - start) / 1000,
  };
}
