/**
 * Weighted k-nearest-neighbour classification in feature space, the monitor
 * of SSL training runs (Wu et al. 2018, "Unsupervised Feature Learning via
 * Non-Parametric Instance Discrimination", §3.4; the kNN callbacks of
 * solo-learn and lightly). No fitting: the labeled bank is the classifier.
 */
import { cat, type Tensor, tidy, zeros } from '../tensor/index.ts';
import { accuracy } from './accuracy.ts';
import { checkLabels } from './logistic-regression.ts';
import type { EvalProgress } from './progress.ts';

export interface KnnOptions {
  numClasses: number;
  /** Neighbours per query. Default 200; larger than the bank means the whole bank. */
  k?: number;
  /** τ of the weights exp(sim/τ). Default 0.1. */
  temperature?: number;
  /** Queries per block (bounds memory at chunk × bank similarities). Default 1024. */
  chunk?: number;
  /** A 'knn' event after every block of queries (done and total queries). */
  onProgress?: (e: EvalProgress) => void;
}

/**
 * Predicted labels (int64, one per query row) by weighted kNN vote:
 * features are L2-normalized, so sᵢⱼ = cos(qᵢ, bⱼ); Nₖ(i) is the k bank rows
 * of highest similarity (all of them when k ≥ bank size); class c scores
 * Σ_{j∈Nₖ(i), yⱼ=c} exp(sᵢⱼ/τ), and the prediction is the class of highest
 * score (the lowest index among exact ties). Queries are processed `chunk`
 * rows at a time; the result does not depend on `chunk`.
 */
export function knnClassify(bankFeatures: Tensor, bankLabels: Tensor, queryFeatures: Tensor, o: KnnOptions): Tensor {
  const C = o.numClasses;
  const tau = o.temperature ?? 0.1;
  const chunk = o.chunk ?? 1024;
  if (!(Number.isInteger(C) && C >= 1)) throw new Error(`knnClassify: numClasses must be ≥ 1, got ${C}`);
  if (!(tau > 0 && Number.isFinite(tau))) throw new Error(`knnClassify: temperature must be > 0, got ${tau}`);
  if (!(Number.isInteger(chunk) && chunk >= 1)) throw new Error(`knnClassify: chunk must be ≥ 1, got ${chunk}`);
  if (bankFeatures.ndim !== 2 || queryFeatures.ndim !== 2 || bankFeatures.size(1) !== queryFeatures.size(1))
    throw new Error(
      `knnClassify: bank and query features must be N×d and M×d, got [${bankFeatures.shape}] and [${queryFeatures.shape}]`,
    );
  const n = bankFeatures.size(0);
  if (n === 0) throw new Error('knnClassify: the bank is empty');
  checkLabels(bankLabels, n, C, 'knnClassify');
  const k = Math.min(o.k ?? 200, n);
  if (!(Number.isInteger(k) && k >= 1)) throw new Error(`knnClassify: k must be a positive integer, got ${o.k}`);
  const m = queryFeatures.size(0);

  return tidy(() => {
    const bank = unit(bankFeatures).t().contiguous(); // d×N
    const labels = bankLabels.long();
    const parts: Tensor[] = [];
    for (let i = 0; i < m; i += chunk) {
      parts.push(
        tidy(() => {
          const q = unit(queryFeatures.narrow(0, i, Math.min(chunk, m - i)));
          const { values, indices } = q.matmul(bank).topk(k, 1, true, false);
          const votes = labels.index([indices]); // rows×k neighbour labels
          const weights = values.div(tau).exp();
          return zeros([q.size(0), C], { dtype: weights.dtype })
            .scatterAdd(1, votes, weights)
            .argmax(1);
        }),
      );
      o.onProgress?.({ phase: 'knn', done: Math.min(i + chunk, m), total: m });
    }
    return parts.length === 0 ? zeros([0], { dtype: 'int64' }) : cat(parts);
  });
}

/** Top-1 accuracy of knnClassify on labeled queries, in [0, 1]. */
export function knnAccuracy(
  bankFeatures: Tensor,
  bankLabels: Tensor,
  queryFeatures: Tensor,
  queryLabels: Tensor,
  o: KnnOptions,
): number {
  return tidy(() => accuracy(knnClassify(bankFeatures, bankLabels, queryFeatures, o), queryLabels));
}

/** Rows scaled to unit L2 norm, in floating point (float64 stays float64). */
function unit(x: Tensor): Tensor {
  return tidy(() => {
    const f = x.dtype === 'float64' ? x : x.float();
    return f.div(f.norm(2, 1, true).clamp(1e-12, null));
  });
}
