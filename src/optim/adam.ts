/** Adam and AdamW, as torch.optim.Adam / torch.optim.AdamW. */
import { op, type Tensor, zerosLike } from '../tensor/index.ts';
import { type BaseHyper, Optimizer, type ParamGroup, type ParamGroupInput, type ParamState } from './optimizer.ts';

export interface AdamHyper extends BaseHyper {
  beta1: number;
  beta2: number;
  eps: number;
  /** Use the running maximum of v (Reddi et al. 2018). */
  amsgrad: boolean;
}

export type AdamOptions = Partial<AdamHyper>;

/**
 * Adam (Kingma & Ba 2015) with torch.optim.Adam's arithmetic; t is the step:
 *   g ← g + wd·p                                     (L2, coupled)
 *   m = β₁·m + (1 − β₁)·g,  v = β₂·v + (1 − β₂)·g²   (amsgrad: v ← max(v_max, v))
 *   p ← p − (lr/(1 − β₁ᵗ))·m / (√v/√(1 − β₂ᵗ) + ε)
 * Defaults lr 1e-3, β = (0.9, 0.999), ε = 1e-8, wd 0.
 */
export class Adam extends Optimizer<AdamHyper> {
  /** AdamW decays the weights directly instead of adding wd·p to the gradient. */
  protected readonly decoupled: boolean = false;

  constructor(params: Tensor[] | ParamGroupInput<AdamHyper>[], o: AdamOptions = {}, defaultWeightDecay = 0) {
    super(params, {
      lr: o.lr ?? 1e-3,
      beta1: o.beta1 ?? 0.9,
      beta2: o.beta2 ?? 0.999,
      eps: o.eps ?? 1e-8,
      weightDecay: o.weightDecay ?? defaultWeightDecay,
      amsgrad: o.amsgrad ?? false,
    });
  }

  protected override validateGroup(g: ParamGroup<AdamHyper>, i: number): void {
    super.validateGroup(g, i);
    const name = this.constructor.name;
    for (const k of ['beta1', 'beta2'] as const) {
      if (!(g[k] >= 0 && g[k] < 1)) throw new Error(`${name}: group ${i}: ${k} must be in [0, 1), got ${g[k]}`);
    }
    if (!(g.eps >= 0)) throw new Error(`${name}: group ${i}: eps must be ≥ 0, got ${g.eps}`);
  }

  protected update(p: Tensor, grad: Tensor, h: ParamGroup<AdamHyper>, s: ParamState): void {
    if (h.weightDecay !== 0) {
      if (this.decoupled) p.mul_(1 - h.lr * h.weightDecay);
      else grad = grad.add(p, h.weightDecay);
    }
    const t = (s.scalars.step ?? 0) + 1;
    s.scalars.step = t;
    const m = s.tensors.exp_avg ?? this.setState(s, 'exp_avg', zerosLike(p));
    const v = s.tensors.exp_avg_sq ?? this.setState(s, 'exp_avg_sq', zerosLike(p));
    m.mul_(h.beta1).add_(grad, 1 - h.beta1);
    v.mul_(h.beta2).addcmul_(grad, grad, 1 - h.beta2);
    let second = v;
    if (h.amsgrad) {
      const prev = s.tensors.max_exp_avg_sq;
      // In place, as PyTorch's torch.maximum(max, v, out=max): no new buffer per step.
      if (prev) op('aten::maximum.out', [prev, v], { out: prev });
      second = prev ?? this.setState(s, 'max_exp_avg_sq', v.clone());
    }
    const denom = second
      .sqrt()
      .div_(Math.sqrt(1 - h.beta2 ** t))
      .add_(h.eps);
    p.addcdiv_(m, denom, -h.lr / (1 - h.beta1 ** t));
  }
}

/**
 * AdamW (Loshchilov & Hutter 2019), as torch.optim.AdamW: decoupled decay
 * p ← p·(1 − lr·wd) first, then the Adam step on the raw gradient.
 * Default wd 0.01.
 */
export class AdamW extends Adam {
  protected override readonly decoupled: boolean = true;

  constructor(params: Tensor[] | ParamGroupInput<AdamHyper>[], o: AdamOptions = {}) {
    super(params, o, 1e-2);
  }
}
