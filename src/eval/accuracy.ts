/** Top-1 accuracy of predicted labels. */
import { type Tensor, tidy } from '../tensor/index.ts';

/**
 * Fraction of positions where `pred` equals `labels`: (1/N)·Σᵢ [predᵢ = yᵢ],
 * in [0, 1]. Both are 1-D integer tensors of the same length N ≥ 1.
 */
export function accuracy(pred: Tensor, labels: Tensor): number {
  if (pred.ndim !== 1 || labels.ndim !== 1)
    throw new Error(`accuracy: pred and labels must be 1-D, got shapes [${pred.shape}] and [${labels.shape}]`);
  const n = pred.size(0);
  if (labels.size(0) !== n) throw new Error(`accuracy: ${n} predictions for ${labels.size(0)} labels`);
  if (n === 0) throw new Error('accuracy: no predictions (N = 0)');
  return tidy(() => pred.long().eq(labels.long()).sum().item()) / n;
}
