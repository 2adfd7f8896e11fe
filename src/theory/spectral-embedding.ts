/**
 * The spectral embedding of a graph (HaoChen, Wei, Gaidon, Ma 2021, §3):
 *
 *   f*(x) = w_x^{-1/2}·(U_k Λ_k^{1/2})_x,
 *
 * for the top-k eigenpairs (U_k, Λ_k) of the normalized adjacency
 * Ā = D^{-1/2}WD^{-1/2}. F* = U_kΛ_k^{1/2} minimizes ‖Ā − FFᵀ‖_F (Eckart–Young),
 * the matrix form of the population spectral contrastive loss with rows
 * F_x = √w_x·f(x), so f* is the loss's minimizer up to an orthogonal rotation.
 * It satisfies Σ_x w_x f*(x)f*(x)ᵀ = Λ_k. For a graph of r disconnected
 * clusters the top r eigenvectors are √w-scaled cluster indicators, so f* is
 * constant on each cluster.
 */
import { checked, intIn } from '../options/index.ts';
import { type Tensor, tensor, tidy } from '../tensor/index.ts';
import { type Eigenpairs, type EigsOptions, topEigenpairs } from './eigs.ts';
import { degrees, type Graph, normalizedAdjacency } from './graph.ts';

/** f* and what it came from. */
export interface SpectralEmbedding {
  /** n×k float64: row x is f*(x); vertices with w_x = 0 get zero rows. Negative λ are clamped to 0. */
  embedding: Tensor;
  /** The top-k eigenpairs of Ā. */
  eigen: Eigenpairs;
  /** Degrees w_x (n). */
  degrees: Tensor;
}

/**
 * f*(x) = w_x^{-1/2}·(U_kΛ_k^{1/2})_x for the top-k eigenpairs of Ā (eigs.ts
 * options pass through; the spectrum of Ā lies in [−1, 1], which the
 * iterative solver is told). The caller owns the three tensors.
 */
export function spectralEmbedding(g: Graph, k: number, o: EigsOptions = {}): SpectralEmbedding {
  if (g === null || typeof g !== 'object' || !Number.isInteger(g.n) || g.weights === undefined) {
    throw new Error('spectralEmbedding: g must be a Graph (denseGraph, graphFromEdges, knnGraph, …)');
  }
  checked('spectralEmbedding', 'k', intIn(1, g.n), k);
  const a = normalizedAdjacency(g);
  let eigen: Eigenpairs;
  try {
    eigen = topEigenpairs(a, k, { lowerBound: -1, ...o });
  } finally {
    a.dispose();
  }
  const d = degrees(g);
  const embedding = tidy(() => {
    const sqrtLam = tensor(
      Float64Array.from(eigen.values, (l) => Math.sqrt(Math.max(l, 0))),
      [1, k],
    );
    const invSqrtW = d.gt(0).double().mul(d.clamp(1e-300).rsqrt()).reshape(g.n, 1);
    return eigen.vectors.mul(sqrtLam).mul(invSqrtW);
  });
  return { embedding, eigen, degrees: d };
}
