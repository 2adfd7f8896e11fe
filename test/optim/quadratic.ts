/**
 * Shared fixture of the optimizer tests: the quadratic
 * f(p) = ½·Σᵢ aᵢ·(pᵢ − cᵢ)², ∇f = a ⊙ (p − c), over float64 parameters, run
 * both through libtorch autograd + an optimizer and in plain TypeScript.
 */
import { noGrad, type Tensor, tensor, tidy } from '../../src/tensor/index.ts';

export interface Problem {
  /** Initial values of each parameter tensor. */
  init: Float64Array[];
  /** Curvatures aᵢ and centres cᵢ, per parameter tensor. */
  a: Float64Array[];
  c: Float64Array[];
}

export const PROBLEM: Problem = {
  init: [Float64Array.from([1.5, -2, 0.25, 3]), Float64Array.from([-1, 0.5, 2])],
  a: [Float64Array.from([1, 0.5, 2, 0.1]), Float64Array.from([3, 1, 0.2])],
  c: [Float64Array.from([0.2, 0.4, -1, 1]), Float64Array.from([0.5, -0.5, 1])],
};

/** Fresh float64 leaf parameters at the problem's initial point. */
export const makeParams = (pr: Problem = PROBLEM): Tensor[] =>
  pr.init.map((v) => tensor(Float64Array.from(v), [v.length]).requiresGrad_().keep());

/** The gradient a ⊙ (p − c) computed in TypeScript. */
export const gradTs = (p: Float64Array, i: number, pr: Problem = PROBLEM): Float64Array =>
  p.map((v, k) => (pr.a[i]?.[k] as number) * (v - (pr.c[i]?.[k] as number)));

/** Sets each parameter's .grad by autograd of f, then runs `step`. */
export function autogradStep(params: Tensor[], step: () => void, pr: Problem = PROBLEM): void {
  tidy(() => {
    for (const p of params) p.grad = null;
    let loss: Tensor | null = null;
    params.forEach((p, i) => {
      const a = tensor(pr.a[i] as Float64Array);
      const c = tensor(pr.c[i] as Float64Array);
      const term = p.sub(c).square().mul(a).sum().mul(0.5);
      loss = loss ? loss.add(term) : term;
    });
    (loss as unknown as Tensor).backward();
    step();
  });
}

/** Host copies of the parameter values. */
export const values = (params: Tensor[]): Float64Array[] =>
  params.map((p) => noGrad(() => Float64Array.from(p.toArray())));

/**
 * Textbook heavy-ball step on host arrays (the reference for SGD and LARS):
 * b = μb + (1−τ)d (b = d at first); d = nesterov ? d + μb : b; p −= lr·d.
 * Returns the new momentum buffer (null without momentum).
 */
export function hostMomentumStep(
  p: Float64Array,
  d: Float64Array,
  buf: Float64Array | null,
  h: { lr: number; momentum: number; dampening: number; nesterov: boolean },
): Float64Array | null {
  let upd = d;
  let b: Float64Array | null = null;
  if (h.momentum !== 0) {
    b = buf ? buf.map((bk, k) => h.momentum * bk + (1 - h.dampening) * (d[k] as number)) : Float64Array.from(d);
    const bb = b;
    upd = h.nesterov ? d.map((dk, k) => dk + h.momentum * (bb[k] as number)) : b;
  }
  for (let k = 0; k < p.length; k++) p[k] = (p[k] as number) - h.lr * (upd[k] as number);
  return b;
}
