/** LARS: layer-wise adaptive rate scaling over SGD with momentum. */
import { type Tensor, where } from '../tensor/index.ts';
import { type MomentumHyper, momentumDefaults, momentumStep, validateMomentum } from './momentum.ts';
import { Optimizer, type ParamGroup, type ParamGroupInput, type ParamState } from './optimizer.ts';

export interface LARSHyper extends MomentumHyper {
  /** Trust coefficient η. */
  eta: number;
  eps: number;
  /** Clip the local rate: q ← min(q/lr, 1) (solo-learn's clip_lr). */
  clipLr: boolean;
}

export type LARSOptions = Partial<LARSHyper> & { lr: number };

/**
 * LARS (You, Gitman, Ginsburg 2017) exactly as solo-learn's `LARS`. For a
 * parameter p with gradient g in a group without `larsExclude`, when ‖p‖ > 0
 * and ‖g‖ > 0:
 *   q = η·‖p‖ / (‖g‖ + wd·‖p‖ + ε)          (clipLr: q ← min(q/lr, 1))
 *   d = q·(g + wd·p)
 * otherwise (excluded groups, zero norms) d = g with no weight decay. Then SGD
 * with momentum: buf = μ·buf + (1 − dampening)·d (buf = d at first), d = nesterov
 * ? d + μ·buf : buf, p ← p − lr·d. Defaults η = 0.001, ε = 1e-8, μ = 0.
 * Mark bias/norm groups `larsExclude: true` (see `splitWeightDecay`).
 */
export class LARS extends Optimizer<LARSHyper> {
  constructor(params: Tensor[] | ParamGroupInput<LARSHyper>[], o: LARSOptions) {
    super(params, {
      ...momentumDefaults(o),
      eta: o.eta ?? 1e-3,
      eps: o.eps ?? 1e-8,
      clipLr: o.clipLr ?? false,
    });
  }

  protected override validateGroup(g: ParamGroup<LARSHyper>, i: number): void {
    super.validateGroup(g, i);
    if (!(g.eta > 0)) throw new Error(`LARS: group ${i}: eta must be > 0, got ${g.eta}`);
    validateMomentum('LARS', g, i);
  }

  protected update(p: Tensor, grad: Tensor, g: ParamGroup<LARSHyper>, s: ParamState): void {
    let d = grad;
    if (!g.larsExclude) {
      // Computed on the device with `where` (no host sync per parameter).
      const pn = p.norm();
      const gn = grad.norm();
      const ok = pn.gt(0).mul(gn.gt(0));
      let q = pn.mul(g.eta).div(gn.add(pn, g.weightDecay).add(g.eps));
      if (g.clipLr) q = q.div(g.lr).clamp(null, 1);
      const scale = where(ok, q, pn.mul(0).add(1));
      const decay = g.weightDecay !== 0 ? where(ok, grad.add(p, g.weightDecay), grad) : grad;
      d = decay.mul(scale);
    }
    momentumStep(p, d, g, s, (st, name, t) => this.setState(st, name, t));
  }
}
