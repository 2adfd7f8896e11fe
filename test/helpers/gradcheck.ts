/**
 * Gradient checking by central finite differences in float64. The function
 * under test is reduced to a scalar L = Σ w ⊙ f() with fixed random weights
 * w (so every output element matters), its autograd gradient with respect to
 * each tensor in `wrt` (inputs and parameters alike) is compared with
 * (L(x + εeᵢ) − L(x − εeᵢ)) / 2ε, element by element. Use tiny shapes: the
 * cost is two evaluations per element.
 */
import assert from 'node:assert/strict';
import { Generator, grad, noGrad, randn, type Tensor, tensor, tidy } from '../../src/tensor/index.ts';

export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Accept |analytic − numeric| ≤ atol + rtol·|numeric| (defaults 1e-6, 1e-4). */
  atol?: number;
  rtol?: number;
  /** Seed of the output weights w. */
  seed?: number;
  /** A label for failure messages. */
  label?: string;
}

export interface GradcheckReport {
  /** Largest |analytic − numeric| over all checked elements. */
  maxAbsError: number;
  /** Number of elements compared. */
  checked: number;
}

/**
 * Checks autograd against finite differences for `f` (a closure that reads
 * the tensors in `wrt`, which must be float64 leaves requiring grad).
 * Throws an AssertionError naming the tensor and element that disagree.
 */
export function gradcheck(f: () => Tensor, wrt: Tensor[], o: GradcheckOptions = {}): GradcheckReport {
  const eps = o.eps ?? 1e-6;
  const atol = o.atol ?? 1e-6;
  const rtol = o.rtol ?? 1e-4;
  const label = o.label ?? 'gradcheck';
  for (const [i, t] of wrt.entries()) {
    assert.equal(t.dtype, 'float64', `${label}: tensor ${i} must be float64, got ${t.dtype}`);
    assert.ok(t.requiresGrad && t.isLeaf, `${label}: tensor ${i} must be a leaf that requires grad`);
  }
  return tidy(() => {
    const out0 = f();
    const w = randn(out0.shape, { dtype: 'float64', generator: new Generator(o.seed ?? 1234) });
    const analytic = grad(out0.mul(w).sum(), wrt, { allowUnused: true }).map((g, i) =>
      g === null ? new Float64Array(wrt[i]?.numel ?? 0) : (g.contiguous().data() as Float64Array),
    );
    const loss = (): number => tidy(() => noGrad(() => f().mul(w).sum().item()));
    let maxAbsError = 0;
    let checked = 0;
    wrt.forEach((t, ti) => {
      const base = t.contiguous().data() as Float64Array;
      const set = (values: Float64Array): void => {
        tidy(() => noGrad(() => t.copy_(tensor(values, t.shape))));
      };
      const x = Float64Array.from(base);
      for (let i = 0; i < x.length; i++) {
        x[i] = (base[i] as number) + eps;
        set(x);
        const lp = loss();
        x[i] = (base[i] as number) - eps;
        set(x);
        const lm = loss();
        x[i] = base[i] as number;
        const numeric = (lp - lm) / (2 * eps);
        const a = analytic[ti]?.[i] as number;
        const err = Math.abs(a - numeric);
        maxAbsError = Math.max(maxAbsError, err);
        checked++;
        if (!(err <= atol + rtol * Math.abs(numeric))) {
          set(base);
          assert.fail(
            `${label}: tensor ${ti} (shape [${t.shape}]) element ${i}: autograd ${a}, finite difference ${numeric}, |diff| ${err}`,
          );
        }
      }
      set(base);
    });
    return { maxAbsError, checked };
  });
}
