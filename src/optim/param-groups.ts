/** Splitting a module's parameters into weight-decay and no-decay groups. */
import type { Module } from '../nn/module.ts';
import type { Tensor } from '../tensor/index.ts';

export interface SplitOptions {
  /**
   * Which parameters get no weight decay. Default: 1-D tensors, i.e. biases
   * and normalization γ/β (common practice since Goyal et al. 2017).
   */
  exclude?: (name: string, t: Tensor) => boolean;
}

/** A group as `splitWeightDecay` returns it; valid input to every optimizer. */
export interface DecayGroup {
  params: Tensor[];
  weightDecay: number;
  /** Also exempt from LARS adaptation (solo-learn's exclude_bias_n_norm). */
  larsExclude: boolean;
  name: string;
}

/**
 * Two groups over the module's parameters: `{ name: 'decay', weightDecay }`
 * and `{ name: 'no_decay', weightDecay: 0, larsExclude: true }` for the
 * excluded ones. Empty groups are kept so the group layout is always the same.
 */
export function splitWeightDecay(module: Module, weightDecay: number, o: SplitOptions = {}): [DecayGroup, DecayGroup] {
  if (!(Number.isFinite(weightDecay) && weightDecay >= 0)) {
    throw new Error(`splitWeightDecay: weightDecay must be ≥ 0, got ${weightDecay}`);
  }
  const exclude = o.exclude ?? ((_n: string, t: Tensor) => t.ndim <= 1);
  const decay: Tensor[] = [];
  const noDecay: Tensor[] = [];
  for (const [n, t] of module.namedParameters()) (exclude(n, t) ? noDecay : decay).push(t);
  return [
    { params: decay, weightDecay, larsExclude: false, name: 'decay' },
    { params: noDecay, weightDecay: 0, larsExclude: true, name: 'no_decay' },
  ];
}
