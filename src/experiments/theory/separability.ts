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
import { type Tensor, tensor, tidy } from '../../tensor/index.ts';
import { augmentationGraph } from '../../theory/augmentation-graph.ts';
import type { EigsOptions } from '../../theory/eigs.ts';
import type { Graph } from '../../theory/graph.ts';
import { knnGraph } from '../../theory/knn-graph.ts';
import { gaussianAugment, manifoldMixture } from '../../theory/manifolds.ts';
import { spectralEmbedding } from '../../theory/spectral-embedding.ts';
import { orthogonalProcrustes } from './procrustes.ts';

export interface SeparabilityOnGraphOptions {
  /** Largest embedding dimension K probed (k = 1…K). Default 3C, at most N − 1. */
  maxK?: number;
  /** Share of each class's vertices the probe trains on (stratified, seeded); the rest is the test set. Default 0.5. */
  trainFraction?: number;
  /** Seeds the train/test split. Default 0. */
  seed?: number;
  /** λ of the probe's L2 penalty (linearProbe). Default 1e-4. */
  l2?: number;
  /** How many vertices (evenly per cluster) indicatorRows shows. Default 200. */
  sampleRows?: number;
  /** Eigen-solver method passed to spectralEmbedding (topEigenpairs). Default 'auto'. */
  eigsMethod?: EigsOptions['method'];
}

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
  o: SeparabilityOnGraphOptions & { numClasses?: number } = {},
): SeparabilityResult {
  const fn = 'separabilityOnGraph';
  const n = g.n;
  if (labels.length !== n) throw new Error(`${fn}: labels must have one entry per vertex (${n}), got ${labels.length}`);
  let classes = o.numClasses ?? 0;
  for (const y of labels) {
    if (!(Number.isInteger(y) && y >= 0)) throw new Error(`${fn}: labels must be integers ≥ 0, got ${y}`);
    if (o.numClasses === undefined) classes = Math.max(classes, y + 1);
    else if (y >= classes) throw new Error(`${fn}: label ${y} is out of range 0…${classes - 1}`);
  }
  const maxK = o.maxK ?? Math.min(3 * classes, n - 1);
  const trainFraction = o.trainFraction ?? 0.5;
  const seed = o.seed ?? 0;
  const l2 = o.l2 ?? 1e-4;
  const sampleRows = o.sampleRows ?? 200;
  if (!Number.isInteger(maxK) || maxK < 1 || maxK >= n)
    throw new Error(`${fn}: maxK must be an integer in 1…${n - 1}, got ${maxK}`);
  if (classes >= n) throw new Error(`${fn}: ${classes} classes need more than ${n} vertices`);
  if (!(trainFraction > 0 && trainFraction < 1))
    throw new Error(`${fn}: trainFraction must be in (0, 1), got ${trainFraction}`);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`${fn}: seed must be an integer ≥ 0, got ${seed}`);
  if (!(Number.isFinite(l2) && l2 >= 0)) throw new Error(`${fn}: l2 must be finite and ≥ 0, got ${l2}`);
  if (!Number.isInteger(sampleRows) || sampleRows < 0)
    throw new Error(`${fn}: sampleRows must be an integer ≥ 0, got ${sampleRows}`);

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
    const emb = spectralEmbedding(g, dims, o.eigsMethod ? { method: o.eigsMethod } : {});
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

export interface SeparabilityOptions extends Omit<SeparabilityOnGraphOptions, 'maxK'> {
  /** r, the number of manifolds (clusters). Default 4. */
  manifolds?: number;
  /**
   * Distance between manifold centres in units of their spread (manifoldMixture).
   * Default 2.5 (well separated: with the other defaults Ā has r eigenvalues within
   * 3e-4 of 1, then λ_{r+1} ≈ 0.71); 1 is a less separated setting (λ_r ≈ 0.75, λ_{r+1} ≈ 0.61).
   */
  separation?: number;
  /** Curvature of the manifolds (manifoldMixture). Default: manifoldMixture's (1). */
  curvature?: number;
  /** Ambient dimension d. Default max(r, 2) (centres on a regular simplex). */
  ambientDim?: number;
  /** Sub-clusters per manifold. Default 1 (2 when labels = 'subcluster'). */
  subclusters?: number;
  /** N, the number of augmented vertices. Default 1000. */
  vertices?: number;
  /** Augmentations per natural point; n̄ = ⌈N/copies⌉. Default 4. */
  copies?: number;
  /** σ of the Gaussian augmentation. Default 0.5. */
  sigma?: number;
  /**
   * 'exact': augmentationGraph on the vertices; 'knn': knnGraph with Gaussian
   * weights of bandwidth √2·σ (the augmentation graph's edge profile for
   * nearby natural points: exp(−‖x − x′‖²/(4σ²))); 'auto' (default): exact for N ≤ 2000.
   */
  graph?: 'auto' | 'exact' | 'knn';
  /** Neighbours per vertex of the kNN graph. Default 10. */
  neighbors?: number;
  /** Largest k probed. Default 3 × (number of classes). */
  maxK?: number;
  /** 'manifold' (default): class = manifold. 'subcluster': class = (manifold, sub-cluster). */
  labels?: 'manifold' | 'subcluster';
}

export interface SeparabilityReport extends SeparabilityResult {
  /** The settings used (defaults filled in). */
  settings: {
    manifolds: number;
    separation: number;
    curvature: number;
    ambientDim: number;
    subclusters: number;
    vertices: number;
    copies: number;
    sigma: number;
    graph: 'exact' | 'knn';
    neighbors: number;
    maxK: number;
    labels: 'manifold' | 'subcluster';
    trainFraction: number;
    l2: number;
    seed: number;
  };
  /** Wall-clock seconds of the whole check. */
  seconds: number;
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
  const fn = 'separabilityCheck';
  const manifolds = o.manifolds ?? 4;
  const labelKind = o.labels ?? 'manifold';
  const subclusters = o.subclusters ?? (labelKind === 'subcluster' ? 2 : 1);
  const ambientDim = o.ambientDim ?? Math.max(manifolds, 2);
  const separation = o.separation ?? 2.5;
  const vertices = o.vertices ?? 1000;
  const copies = o.copies ?? 4;
  const sigma = o.sigma ?? 0.5;
  const neighbors = o.neighbors ?? 10;
  const seed = o.seed ?? 0;
  const graphKind = o.graph ?? 'auto';
  if (!Number.isInteger(manifolds) || manifolds < 1)
    throw new Error(`${fn}: manifolds must be an integer ≥ 1, got ${manifolds}`);
  if (labelKind !== 'manifold' && labelKind !== 'subcluster')
    throw new Error(`${fn}: labels must be 'manifold' or 'subcluster', got '${String(labelKind)}'`);
  if (!Number.isInteger(subclusters) || subclusters < 1)
    throw new Error(`${fn}: subclusters must be an integer ≥ 1, got ${subclusters}`);
  if (!Number.isInteger(vertices) || vertices < 4)
    throw new Error(`${fn}: vertices must be an integer ≥ 4, got ${vertices}`);
  if (!Number.isInteger(copies) || copies < 1) throw new Error(`${fn}: copies must be an integer ≥ 1, got ${copies}`);
  if (!(Number.isFinite(sigma) && sigma > 0)) throw new Error(`${fn}: sigma must be finite and > 0, got ${sigma}`);
  if (graphKind !== 'auto' && graphKind !== 'exact' && graphKind !== 'knn')
    throw new Error(`${fn}: graph must be 'auto', 'exact' or 'knn', got '${String(graphKind)}'`);
  if (!Number.isInteger(neighbors) || neighbors < 1 || neighbors >= vertices)
    throw new Error(`${fn}: neighbors must be an integer in 1…${vertices - 1}, got ${neighbors}`);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`${fn}: seed must be an integer ≥ 0, got ${seed}`);
  const graph: 'exact' | 'knn' = graphKind === 'auto' ? (vertices <= 2000 ? 'exact' : 'knn') : graphKind;
  const classes = labelKind === 'manifold' ? manifolds : manifolds * subclusters;
  const maxK = o.maxK ?? 3 * classes;

  const mixture = manifoldMixture({
    manifolds,
    ambientDim,
    subclusters,
    separation,
    seed,
    ...(o.curvature !== undefined ? { curvature: o.curvature } : {}),
  });
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
      graph === 'exact'
        ? augmentationGraph({ natural: sample.x, vertices: x, sigma }).graph
        : knnGraph(x, { k: neighbors, bandwidth: Math.SQRT2 * sigma });
    return separabilityOnGraph(g, labels, { ...o, maxK, numClasses: classes });
  });
  return {
    ...result,
    settings: {
      manifolds,
      separation,
      curvature: mixture.options.curvature,
      ambientDim,
      subclusters,
      vertices,
      copies,
      sigma,
      graph,
      neighbors,
      maxK,
      labels: labelKind,
      trainFraction: o.trainFraction ?? 0.5,
      l2: o.l2 ?? 1e-4,
      seed,
    },
    seconds: (performance.now() - start) / 1000,
  };
}
