/**
 * Collapse monitor (Chen & He 2021, SimSiam §4.1): the per-dimension standard
 * deviation of L2-normalized embeddings. For embeddings spread over the unit
 * sphere in d dimensions it is ≈ 1/√d; for collapsed ones (every image mapped
 * to one point) it is 0.
 */
import { nnf, type Tensor, tidy } from '../tensor/index.ts';

/**
 * `mean_j std_i(z̄_ij) · √d` for the row-normalized B×d embedding z̄ (population
 * std over the batch): ≈ 1 when spread out, → 0 when collapsed. Detached; a number.
 */
export function embeddingSpread(z: Tensor): number {
  if (z.ndim !== 2 || (z.shape[0] as number) < 2)
    throw new RangeError(`embeddingSpread: expected B×d with B ≥ 2, got [${z.shape}]`);
  return tidy(() => {
    const n = nnf.normalize(z.detach().to('float64'), 1);
    const d = z.shape[1] as number;
    return n.std([0], false, 0).mean().item() * Math.sqrt(d);
  });
}
