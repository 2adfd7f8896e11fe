/**
 * The 2-D projection of a run's frozen test features: a stratified subset of
 * the test images (each class in its share of the split), through the run's
 * final encoder (encoder.safetensors), onto the features' first two
 * principal components (PCA by libtorch, see pca.ts).
 */
import { disposeDataset, drawPerClass, indicesByClass, type LabeledDataset, subsetOf } from '../../data/index.ts';
import { extractFeatures } from '../../eval/index.ts';
import { loadRunDataset, loadRunEncoder } from '../../train/index.ts';
import { type PcaResult, pca } from './pca.ts';

/** The projection as the report embeds it. */
export interface Projection {
  /** Test images projected, and of how many in the split. */
  images: number;
  ofTest: number;
  /** Feature dimension d of the encoder. */
  dim: number;
  /** Class names, index = label. */
  classes: string[];
  /** Label of each point. */
  labels: number[];
  /** Index of each point in the test split. */
  indices: number[];
  /** PC1, PC2 of each point. */
  coords: number[][];
  /** Variance along PC1, PC2, their share of the total, and the total. */
  variance: number[];
  ratio: number[];
  totalVariance: number;
  /** The weights the features came from. */
  weights: string;
  /** Seed of the subset's draw (the run's seed). */
  seed: number;
}

/**
 * Per-class counts summing to min(n, total) in proportion to the class sizes
 * (largest remainders get the rounding), each at most its class's size.
 */
export function stratifiedCounts(sizes: readonly number[], n: number): number[] {
  const total = sizes.reduce((a, b) => a + b, 0);
  const want = Math.min(n, total);
  if (total === 0) return sizes.map(() => 0);
  const exact = sizes.map((s) => (s * want) / total);
  const counts = exact.map(Math.floor);
  let left = want - counts.reduce((a, b) => a + b, 0);
  const order = exact.map((e, c) => [e - Math.floor(e), c] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, c] of order) {
    if (left <= 0) break;
    if ((counts[c] as number) < (sizes[c] as number)) {
      counts[c] = (counts[c] as number) + 1;
      left--;
    }
  }
  return counts;
}

/**
 * The projection of the run in `dir` on `images` test images (drawn per
 * class with the run's seed). `data`: the run's dataset when already loaded
 * (not freed here); otherwise it is loaded by the name the config records,
 * and freed.
 */
export async function featureProjection(
  dir: string,
  o: { images: number; data?: LabeledDataset; batchSize?: number },
): Promise<Projection> {
  const run = loadRunEncoder(dir);
  let data = o.data;
  try {
    data ??= await loadRunDataset(run.config);
    const ys = data.test.labels.toArray();
    const byClass = indicesByClass(data.test.labels, data.classes.length, 'report projection');
    const counts = stratifiedCounts(
      byClass.map((c) => c.length),
      o.images,
    );
    const indices = drawPerClass(byClass, counts, run.config.seed, 'report projection');
    if (indices.length < 2) throw new Error(`the test split has ${indices.length} image(s); a projection needs 2`);
    const subset = subsetOf(data.test, indices);
    let result: PcaResult;
    let dim: number;
    try {
      const features = extractFeatures(run.encoder, subset.images, {
        mean: run.config.augment.mean as number[],
        std: run.config.augment.std as number[],
        batchSize: o.batchSize,
      });
      try {
        dim = features.shape[1] as number;
        result = pca(features, 2);
      } finally {
        features.dispose();
      }
    } finally {
      subset.images.dispose();
      subset.labels.dispose();
    }
    return {
      images: indices.length,
      ofTest: ys.length,
      dim,
      classes: data.classes,
      labels: indices.map((i) => ys[i] as number),
      indices,
      coords: result.coords,
      variance: result.variance,
      ratio: result.ratio,
      totalVariance: result.totalVariance,
      weights: run.weights,
      seed: run.config.seed,
    };
  } finally {
    run.encoder.dispose();
    if (data && data !== o.data) disposeDataset(data);
  }
}
