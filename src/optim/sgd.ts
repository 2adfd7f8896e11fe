/** Stochastic gradient descent with momentum, as torch.optim.SGD. */
import type { Tensor } from '../tensor/index.ts';
import { type MomentumHyper, momentumDefaults, momentumStep, validateMomentum } from './momentum.ts';
import { Optimizer, type ParamGroup, type ParamGroupInput, type ParamState } from './optimizer.ts';

export type SGDHyper = MomentumHyper;

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
    super(params, momentumDefaults(o));
  }

  protected override validateGroup(g: ParamGroup<SGDHyper>, i: number): void {
    super.validateGroup(g, i);
    validateMomentum('SGD', g, i);
  }

  protected update(p: Tensor, grad: Tensor, g: ParamGroup<SGDHyper>, s: ParamState): void {
    const d = g.weightDecay !== 0 ? grad.add(p, g.weightDecay) : grad;
    momentumStep(p, d, g, s, (st, name, t) => this.setState(st, name, t));
  }
}
