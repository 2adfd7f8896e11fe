/** Checks of the batches methods receive, with messages that name the method. */
import { isFloating, noGrad, type Tensor } from '../tensor/index.ts';
import type { MethodBatch, MethodName } from './method.ts';

/** The first two views of a batch, after checking there are two of the same shape. */
export function twoViews(method: MethodName, batch: MethodBatch): [Tensor, Tensor] {
  const [x1, x2] = batch.views;
  if (!x1 || !x2) throw new Error(`${method}: a batch must have 2 views, got ${batch.views.length}`);
  if (x1.shape.join() !== x2.shape.join()) {
    throw new Error(`${method}: the 2 views must have the same shape, got [${x1.shape}] and [${x2.shape}]`);
  }
  if (x1.ndim !== 4 || (x1.shape[0] as number) < 2) {
    throw new Error(`${method}: views must be B×C×H×W with B ≥ 2, got shape [${x1.shape}]`);
  }
  return [x1, x2];
}

/**
 * The batch's per-example weights for a loss over `features.shape[0]`
 * examples (null when it carries none): the tensor given, or the batch's
 * weighting rule applied to `features` (the encoder's features of view 0,
 * detached). Checked to be floating-point of shape [B]; no gradient flows
 * through them.
 */
export function exampleWeights(method: MethodName, batch: MethodBatch, features: Tensor): Tensor | null {
  const w = batch.weights;
  if (w === undefined || w === null) return null;
  const b = features.shape[0] as number;
  const t = typeof w === 'function' ? noGrad(() => w(features.detach())) : w;
  if (t.ndim !== 1 || t.shape[0] !== b || !isFloating(t.dtype)) {
    throw new Error(
      `${method}: batch.weights must be a floating-point tensor of shape [${b}], got ${t.dtype} [${t.shape}]`,
    );
  }
  return t.detach();
}
