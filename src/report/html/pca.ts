/**
 * Principal component analysis by libtorch: the features centred, their
 * covariance's eigendecomposition (linalg.eigh, float64), the data projected
 * onto the leading eigenvectors.
 */
import { linalg, type Tensor, tensor, tidy } from '../../tensor/index.ts';

export interface PcaResult {
  /** N rows of `components` coordinates: the centred data times the leading eigenvectors. */
  coords: number[][];
  /** Variance along each component (the covariance's eigenvalues, largest first; n − 1 in the denominator). */
  variance: number[];
  /** Each component's share of the total variance, in [0, 1]. */
  ratio: number[];
  /** The total variance (the covariance's trace). */
  totalVariance: number;
  /** The leading eigenvectors, one row of length d each (unit norm). */
  axes: number[][];
  /** The mean that was subtracted (length d). */
  mean: number[];
}

/**
 * PCA of the N×d `features` (N ≥ 2) onto `components` axes (default 2, at
 * most d). The sign of each axis is fixed so that its largest-magnitude
 * entry is positive (the decomposition leaves it free), so the same data
 * gives the same picture.
 */
export function pca(features: Tensor, components = 2): PcaResult {
  if (features.ndim !== 2) throw new Error(`pca: features must be N×d, got shape [${features.shape.join(', ')}]`);
  const [n, d] = features.shape as [number, number];
  if (n < 2) throw new Error(`pca: needs at least 2 rows, got ${n}`);
  if (!Number.isInteger(components) || components < 1 || components > d)
    throw new Error(`pca: components must be an integer in 1…${d}, got ${components}`);
  return tidy(() => {
    const x = features.double();
    const mean = x.mean([0], true);
    const xc = x.sub(mean);
    const cov = xc
      .t()
      .mm(xc)
      .div(n - 1);
    const { values, vectors } = linalg.eigh(cov); // ascending
    const order = Array.from({ length: components }, (_, i) => d - 1 - i);
    const vals = values.toArray();
    const vecs = vectors.t().contiguous().toArray(); // row j = eigenvector j
    const axes = order.map((j) => {
      const v = vecs.slice(j * d, (j + 1) * d);
      let big = 0;
      for (const e of v) if (Math.abs(e) > Math.abs(big)) big = e;
      return big < 0 ? v.map((e) => -e) : v;
    });
    const coordsFlat = xc.mm(rowsTensor(axes, d).t()).toArray();
    const coords = Array.from({ length: n }, (_, i) => coordsFlat.slice(i * components, (i + 1) * components));
    const totalVariance = vals.reduce((s, v) => s + v, 0);
    const variance = order.map((j) => vals[j] as number);
    return {
      coords,
      variance,
      ratio: variance.map((v) => (totalVariance > 0 ? v / totalVariance : 0)),
      totalVariance,
      axes,
      mean: mean.toArray(),
    };
  });
}

/** The k×d float64 tensor of `rows`. */
function rowsTensor(rows: number[][], d: number): Tensor {
  const flat = new Float64Array(rows.length * d);
  rows.forEach((r, i) => {
    flat.set(r, i * d);
  });
  return tensor(flat, [rows.length, d]);
}
