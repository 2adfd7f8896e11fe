/** Stochastic gradient descent with momentum, as torch.optim.SGD. */
import type { Tensor } from '../tensor/index.ts';
import { type BaseHyper, Optimizer, type ParamGroup, type ParamGroupInput, type ParamState } from './optimizer.ts';

export interface SGDHyper extends BaseHyper {
  momentum: number;
  dampening: number;
  nesterov: boolean;
}

export type SGDOptions = Partial<SGDHyper> & { lr: number };

/**
 * torch.optim.SGD, step by step:
 *   d = g + wd·p
 *   buf = d at the first step, else buf = μ·buf + (1 − dampening)·d
 *   d = nesterov ? d + μ·buf : buf        (only when μ ≠ 0)
 *   p ← p − lr·d
 */
export class SGD extends Optimizer<SGDHyper> {
  constructor(params: Tensor[] | ParamGroupInput<SGDHyper>[], o: SGDOptions) {
    super(params, {
      lr: o.lr,
      momentum: o.momentum ?? 0,
      dampening: o.dampening ?? 0,
      nesterov: o.nesterov ?? false,
      weightDecay: o.weightDecay ?? 0,
    });
  }

  protected override validateGroup(g: ParamGroup<SGDHyper>, i: number): void {
    super.validateGroup(g, i);
    if (!(g.momentum >= 0)) throw new Error(`SGD: group ${i}: momentum must be ≥ 0, got ${g.momentum}`);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) {
      throw new Error(`SGD: group ${i}: nesterov needs momentum > 0 and dampening 0`);
    }
  }

  protected update(p: Tensor, grad: Tensor, g: ParamGroup<SGDHyper>, s: ParamState): void {
    let d = g.weightDecay !== 0 ? grad.add(p, g.weightDecay) : grad;
    if (g.momentum !== 0) {
      let buf = s.tensors.momentum_buffer;
      if (!buf) buf = this.setState(s, 'momentum_buffer', d.clone());
      else buf.mul_(g.momentum).add_(d, 1 - g.dampening);
      d = g.nesterov ? d.add(buf, g.momentum) : buf;
    }
    p.add_(d, -g.lr);
  }
}
