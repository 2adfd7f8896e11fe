/**
 * Heavy-ball momentum and the parameter update, shared by SGD and LARS
 * (torch.optim.SGD's rule): buf = d at the first step, else
 * buf = μ·buf + (1 − dampening)·d; d = nesterov ? d + μ·buf : buf (when μ ≠ 0);
 * p ← p − lr·d.
 */
import type { Tensor } from '../tensor/index.ts';
import type { BaseHyper, ParamGroup, ParamState } from './optimizer.ts';

export interface MomentumHyper extends BaseHyper {
  momentum: number;
  dampening: number;
  nesterov: boolean;
}

/** Defaults of the momentum hyper-parameters (as torch.optim.SGD): no momentum, dampening, nesterov or decay. */
export const momentumDefaults = (o: Partial<MomentumHyper> & { lr: number }): MomentumHyper => ({
  lr: o.lr,
  momentum: o.momentum ?? 0,
  dampening: o.dampening ?? 0,
  nesterov: o.nesterov ?? false,
  weightDecay: o.weightDecay ?? 0,
});

/** Applies direction `d` to `p` through the momentum buffer kept in `state` (stored with `keepState`). */
export function momentumStep(
  p: Tensor,
  d: Tensor,
  g: ParamGroup<MomentumHyper>,
  state: ParamState,
  keepState: (state: ParamState, name: string, t: Tensor) => Tensor,
): void {
  if (g.momentum !== 0) {
    let buf = state.tensors.momentum_buffer;
    if (!buf) buf = keepState(state, 'momentum_buffer', d.clone());
    else buf.mul_(g.momentum).add_(d, 1 - g.dampening);
    d = g.nesterov ? d.add(buf, g.momentum) : buf;
  }
  p.add_(d, -g.lr);
}

/** Checks the momentum hyper-parameters of group `i` of optimizer `name`. */
export function validateMomentum(name: string, g: MomentumHyper, i: number): void {
  if (!(g.momentum >= 0)) throw new Error(`${name}: group ${i}: momentum must be ≥ 0, got ${g.momentum}`);
  if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) {
    throw new Error(`${name}: group ${i}: nesterov needs momentum > 0 and dampening 0`);
  }
}
