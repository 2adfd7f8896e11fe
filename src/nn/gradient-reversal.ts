/**
 * The gradient-reversal layer of domain-adversarial training (Ganin et al.,
 * "Domain-Adversarial Training of Neural Networks", JMLR 2016): the identity
 * on the forward pass, −λ times the incoming gradient on the backward pass,
 *
 *   R_λ(x) = x,   ∂R_λ/∂x = −λ·I,
 *
 * so a domain classifier placed after it is trained to tell domains apart
 * while the features before it are pushed to make them indistinguishable.
 */
import { checked, nonNegative } from '../options/index.ts';
import { Tensor, tidy } from '../tensor/index.ts';

/**
 * R_λ(x): returns a tensor equal to `x` whose gradient is −λ times the
 * gradient reaching it (Ganin et al. 2016). λ must be finite and ≥ 0
 * (λ = 0 cuts the gradient, λ = 1 is the plain reversal).
 *
 * The addon has no custom autograd functions, so R_λ is composed from
 * differentiable ops: with s = λ·x,
 *
 *   y = detach(x) − (s − detach(s)).
 *
 * `s − detach(s)` is +0 in every entry where λ·x is finite (a − a = +0 in
 * IEEE arithmetic) and has gradient λ, so y has the value x − (+0) = x bit
 * for bit (−0 included) and the gradient −λ. Where λ·x is ±∞ or NaN the
 * value is NaN (∞ − ∞): a run with infinite activations has diverged anyway.
 * The caller owns the result.
 */
export function gradientReversal(x: Tensor, lambda: number): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError('gradientReversal: x must be a Tensor');
  checked('gradientReversal', 'lambda', nonNegative, lambda);
  return tidy(() => {
    const s = x.mul(lambda);
    return x.detach().sub(s.sub(s.detach()));
  });
}
