/**
 * L-BFGS: a generic full-batch minimizer of a smooth function of one flat
 * parameter vector, over tensor ops (Nocedal & Wright, Numerical
 * Optimization, 2nd ed.: Algorithm 7.4 for the direction, Algorithms 3.5/3.6
 * for the strong-Wolfe line search). The linear probe uses it; anything that
 * can return its loss and gradient can.
 */
import { isFloating, type Tensor, tidy } from '../tensor/index.ts';

/**
 * The function to minimize: the loss at `x` (a 1-D tensor) and its gradient,
 * a new 1-D tensor of x's shape that the minimizer then owns (and frees).
 * `x` is only lent for the call: do not keep or dispose it.
 */
export type Objective = (x: Tensor) => { loss: number; grad: Tensor };

export interface LbfgsOptions {
  /** Iterations (direction + line search) at most. Default 500. */
  maxIterations?: number;
  /** Correction pairs (s, y) kept: the memory m. Default 10. */
  history?: number;
  /** Stop when ‖∇f(x)‖∞ ≤ gradTolerance. Default 1e-5. */
  gradTolerance?: number;
  /** Stop when (f_k − f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) ≤ lossTolerance (SciPy's `ftol`). Default 1e-9. */
  lossTolerance?: number;
  /** Function evaluations per line search at most. Default 25. */
  maxLineSearch?: number;
  /** Sufficient-decrease constant c₁ of the Wolfe conditions. Default 1e-4. */
  c1?: number;
  /** Curvature constant c₂ of the strong Wolfe conditions. Default 0.9. */
  c2?: number;
  /** Called after every accepted step (for progress reports); iterations count from 1. */
  onIteration?: (it: LbfgsIteration) => void;
}

/** The state after an accepted step, as given to `onIteration`. */
export interface LbfgsIteration {
  iteration: number;
  /** f at the new iterate. */
  loss: number;
  /** ‖∇f‖∞ at the new iterate. */
  gradNorm: number;
  /** Function-and-gradient evaluations so far. */
  evaluations: number;
}

/** Why the minimizer stopped. */
export type LbfgsStop = 'gradient' | 'loss' | 'maxIterations' | 'lineSearch';

export interface LbfgsResult {
  /** The final iterate (a new tensor the caller owns). */
  x: Tensor;
  /** f(x). */
  loss: number;
  /** ‖∇f(x)‖∞. */
  gradNorm: number;
  /** Iterations done (accepted steps). */
  iterations: number;
  /** Function-and-gradient evaluations, the first one included. */
  evaluations: number;
  /** True when the gradient or the relative loss change fell below its tolerance. */
  converged: boolean;
  stop: LbfgsStop;
}

/** A trial point of the line search φ(t) = f(x + t·d): value, gradient, and slope φ′(t) = ∇f·d. */
interface Trial {
  t: number;
  f: number;
  /** null only for t = 0, whose gradient the main loop owns. */
  g: Tensor | null;
  gtd: number;
}

const dot = (a: Tensor, b: Tensor): number => tidy(() => a.dot(b).item());
const freeTrial = (p: Trial): void => p.g?.dispose();

/**
 * Minimizer of the cubic through (t₁, f₁, φ′₁) and (t₂, f₂, φ′₂), clamped to
 * [lo, hi] (Nocedal & Wright eq. 3.59); the midpoint of [lo, hi] when the
 * cubic has no minimizer or the numbers are not finite.
 */
function cubicMin(a: Trial, b: Trial, lo: number, hi: number): number {
  const d1 = a.gtd + b.gtd - (3 * (a.f - b.f)) / (a.t - b.t);
  const disc = d1 * d1 - a.gtd * b.gtd;
  if (disc >= 0 && Number.isFinite(disc)) {
    const d2 = Math.sqrt(disc);
    const t =
      a.t <= b.t
        ? b.t - (b.t - a.t) * ((b.gtd + d2 - d1) / (b.gtd - a.gtd + 2 * d2))
        : a.t - (a.t - b.t) * ((a.gtd + d2 - d1) / (a.gtd - b.gtd + 2 * d2));
    if (Number.isFinite(t)) return Math.min(Math.max(t, lo), hi);
  }
  return (lo + hi) / 2;
}

/**
 * Strong-Wolfe line search along a descent direction: finds t > 0 with
 *   φ(t) ≤ φ(0) + c₁·t·φ′(0)       (sufficient decrease, Armijo)
 *   |φ′(t)| ≤ c₂·|φ′(0)|           (strong curvature)
 * by bracketing with cubic extrapolation, then zooming with safeguarded cubic
 * interpolation. Returns the accepted trial, or, when the evaluation budget
 * runs out, the best trial satisfying sufficient decrease (null if none does).
 */
function strongWolfe(
  phi: (t: number) => Trial,
  start: Trial,
  t1: number,
  /** Smallest change of x worth evaluating: trials closer than this (in ‖·‖∞) look the same. */
  xResolution: number,
  dNorm: number,
  o: { c1: number; c2: number; maxEvals: number },
): { point: Trial | null; evals: number } {
  const f0 = start.f;
  const g0 = start.gtd;
  const armijo = (p: Trial) => p.f <= f0 + o.c1 * p.t * g0;
  const curvature = (p: Trial) => Math.abs(p.gtd) <= -o.c2 * g0;
  let evals = 0;
  const evaluate = (t: number): Trial => {
    evals++;
    return phi(t);
  };

  // Bracketing phase (Algorithm 3.5).
  let prev = start;
  let cur = evaluate(t1);
  let lo: Trial | null = null;
  let hi: Trial | null = null;
  for (;;) {
    if (!armijo(cur) || (prev !== start && cur.f >= prev.f)) {
      lo = prev;
      hi = cur;
      break;
    }
    if (curvature(cur)) {
      if (prev !== start) freeTrial(prev);
      return { point: cur, evals };
    }
    if (cur.gtd >= 0) {
      lo = cur;
      hi = prev;
      break;
    }
    if (evals >= o.maxEvals) {
      if (prev !== start) freeTrial(prev);
      return { point: cur, evals }; // sufficient decrease holds at cur
    }
    // Still descending: extrapolate, at least 1% further and at most 10× as far.
    const next = cubicMin(prev, cur, cur.t + 0.01 * (cur.t - prev.t), 10 * cur.t);
    if (prev !== start) freeTrial(prev);
    prev = cur;
    cur = evaluate(next);
  }

  // Zoom phase (Algorithm 3.6). Invariants: lo satisfies sufficient decrease with the lowest value
  // seen, and φ′(lo)·(hi − lo) < 0, so [lo, hi] holds a point satisfying the strong Wolfe conditions.
  while (evals < o.maxEvals) {
    const a = Math.min(lo.t, hi.t);
    const b = Math.max(lo.t, hi.t);
    if ((b - a) * dNorm <= xResolution) break; // the bracket is below x's resolution
    const w = 0.1 * (b - a); // stay 10% inside the bracket so every trial shrinks it
    const p = evaluate(cubicMin(lo, hi, a + w, b - w));
    if (!armijo(p) || p.f >= lo.f) {
      if (hi !== start) freeTrial(hi);
      hi = p;
    } else {
      if (curvature(p)) {
        if (lo !== start) freeTrial(lo);
        if (hi !== start) freeTrial(hi);
        return { point: p, evals };
      }
      if (p.gtd * (hi.t - lo.t) >= 0) {
        if (hi !== start) freeTrial(hi);
        hi = lo;
      } else if (lo !== start) {
        freeTrial(lo);
      }
      lo = p;
    }
  }
  if (hi !== start && hi !== lo) freeTrial(hi);
  return { point: lo === start ? null : lo, evals };
}

/**
 * Minimizes `f` from `x0` (a 1-D floating tensor, left untouched) by L-BFGS.
 * Each iteration takes the quasi-Newton direction d = −H_k∇f from the
 * two-loop recursion over the last m pairs s = x_{k+1} − x_k,
 * y = ∇f_{k+1} − ∇f_k (initial H⁰ = (sᵀy / yᵀy)·I; pairs with sᵀy ≤ 1e-10
 * are skipped so H stays positive definite), then a strong-Wolfe line search
 * from t = 1 (t = min(1, 1/‖∇f‖₁) on the first, unscaled step). It stops
 * when ‖∇f‖∞ ≤ gradTolerance, when the relative decrease of f is
 * ≤ lossTolerance, after maxIterations, or when no step along the
 * steepest-descent direction decreases f: `converged` is then false, unless
 * the last step's relative decrease was within 4 units of the dtype's
 * precision (4.8e-7 in float32), where f sits at its rounding floor (stop
 * 'loss': as converged as the dtype resolves).
 * Works in x0's dtype: pass float64 for tight tolerances.
 */
export function lbfgs(f: Objective, x0: Tensor, opts: LbfgsOptions = {}): LbfgsResult {
  if (x0.ndim !== 1) throw new Error(`lbfgs: x0 must be a 1-D tensor, got shape [${x0.shape}]`);
  if (!isFloating(x0.dtype)) throw new Error(`lbfgs: x0 must have a floating dtype, got ${x0.dtype}`);
  const maxIterations = opts.maxIterations ?? 500;
  const m = opts.history ?? 10;
  const gradTolerance = opts.gradTolerance ?? 1e-5;
  const lossTolerance = opts.lossTolerance ?? 1e-9;
  const ls = { c1: opts.c1 ?? 1e-4, c2: opts.c2 ?? 0.9, maxEvals: opts.maxLineSearch ?? 25 };
  if (!(Number.isInteger(maxIterations) && maxIterations >= 0))
    throw new Error(`lbfgs: maxIterations must be an integer ≥ 0, got ${maxIterations}`);
  if (!(Number.isInteger(m) && m >= 1)) throw new Error(`lbfgs: history must be an integer ≥ 1, got ${m}`);
  if (!(ls.c1 > 0 && ls.c1 < ls.c2 && ls.c2 < 1))
    throw new Error(`lbfgs: need 0 < c1 < c2 < 1, got c1 = ${ls.c1}, c2 = ${ls.c2}`);

  // The objective runs in its own scope: its temporaries are freed, its gradient is kept.
  const evalAt = (x: Tensor): { loss: number; grad: Tensor } => {
    const r = tidy(() => f(x));
    r.grad.keep();
    if (r.grad.shape.join() !== x.shape.join()) {
      r.grad.dispose();
      throw new Error(`lbfgs: the objective's gradient has shape [${r.grad.shape}], expected [${x.shape}]`);
    }
    return r;
  };

  const eps = x0.dtype === 'float64' ? Number.EPSILON : x0.dtype === 'float32' ? 2 ** -23 : 2 ** -10;
  // A relative decrease below a few units of the dtype's precision is rounding, not progress: in float32
  // (eps 1.2e-7) a tolerance of 1e-9 is never met, and the run ends in a failed line search at its noise floor.
  const floor = 4 * eps;
  let lastDecrease = Number.POSITIVE_INFINITY;
  let x = x0.clone().keep();
  let { loss, grad } = evalAt(x);
  let evaluations = 1;
  const S: Tensor[] = [];
  const Y: Tensor[] = [];
  const rho: number[] = [];
  const clearHistory = () => {
    for (const t of [...S, ...Y]) t.dispose();
    S.length = 0;
    Y.length = 0;
    rho.length = 0;
  };

  let iterations = 0;
  let stop: LbfgsStop = 'maxIterations';
  let gradNorm = tidy(() => grad.abs().max().item());
  let d: Tensor | null = null; // the current direction, freed on every path
  try {
    while (iterations < maxIterations) {
      if (!Number.isFinite(loss) || !Number.isFinite(gradNorm))
        throw new Error(`lbfgs: the objective is not finite at iteration ${iterations} (loss ${loss})`);
      if (gradNorm <= gradTolerance) {
        stop = 'gradient';
        break;
      }
      d = twoLoop(grad, S, Y, rho);
      const dir = d;
      const gtd = dot(grad, dir);
      if (!(gtd < 0)) {
        dir.dispose();
        if (S.length === 0) throw new Error(`lbfgs: the slope along −∇f is ${gtd} at iteration ${iterations}`);
        clearHistory(); // curvature pairs gone bad: restart from steepest descent
        continue;
      }
      const t1 = S.length === 0 ? Math.min(1, 1 / tidy(() => grad.abs().sum().item())) : 1;
      const dNorm = tidy(() => dir.abs().max().item());
      const xMax = tidy(() => x.abs().max().item());
      const xResolution = eps * Math.max(1, xMax);
      const phi = (t: number): Trial => {
        const xt = x.add(dir, t);
        let r: { loss: number; grad: Tensor };
        try {
          r = evalAt(xt);
        } finally {
          xt.dispose();
        }
        return { t, f: r.loss, g: r.grad, gtd: dot(r.grad, dir) };
      };
      const start: Trial = { t: 0, f: loss, g: null, gtd };
      const { point, evals } = strongWolfe(phi, start, t1, xResolution, dNorm, ls);
      evaluations += evals;
      if (point === null || point.g === null) {
        dir.dispose();
        if (S.length > 0) {
          clearHistory(); // retry this iteration along −∇f
          continue;
        }
        // Not even −∇f decreases f: at the dtype's noise floor (the last step changed f by rounding only)
        // that is convergence as far as the precision resolves it; otherwise the line search failed.
        stop = lastDecrease <= floor ? 'loss' : 'lineSearch';
        break;
      }
      const gNew = point.g;
      tidy(() => {
        const s = dir.mul(point.t);
        const yv = gNew.sub(grad);
        const sy = s.dot(yv).item();
        if (sy > 1e-10) {
          if (S.length === m) {
            S.shift()?.dispose();
            Y.shift()?.dispose();
            rho.shift();
          }
          S.push(s.keep());
          Y.push(yv.keep());
          rho.push(1 / sy);
        }
        const xNew = x.add(s).keep();
        x.dispose();
        x = xNew;
      });
      dir.dispose();
      grad.dispose();
      grad = gNew;
      const prevLoss = loss;
      loss = point.f;
      gradNorm = tidy(() => grad.abs().max().item());
      iterations++;
      opts.onIteration?.({ iteration: iterations, loss, gradNorm, evaluations });
      if (gradNorm <= gradTolerance) {
        stop = 'gradient';
        break;
      }
      lastDecrease = (prevLoss - loss) / Math.max(Math.abs(prevLoss), Math.abs(loss), 1);
      if (lastDecrease <= lossTolerance) {
        stop = 'loss';
        break;
      }
    }
  } catch (e) {
    d?.dispose();
    x.dispose();
    grad.dispose();
    clearHistory();
    throw e;
  }
  grad.dispose();
  clearHistory();
  return { x, loss, gradNorm, iterations, evaluations, converged: stop === 'gradient' || stop === 'loss', stop };
}

/**
 * The two-loop recursion (Nocedal & Wright Algorithm 7.4): d = −H·g for the
 * L-BFGS inverse-Hessian approximation H of the pairs (S, Y), oldest first.
 * With no pairs, d = −g. A new tensor.
 */
function twoLoop(g: Tensor, S: Tensor[], Y: Tensor[], rho: number[]): Tensor {
  return tidy(() => {
    const k = S.length;
    if (k === 0) return g.neg();
    let q = g;
    const alpha = new Array<number>(k);
    for (let i = k - 1; i >= 0; i--) {
      const a = (rho[i] as number) * dot(S[i] as Tensor, q);
      alpha[i] = a;
      q = q.sub(Y[i] as Tensor, a);
    }
    const sNew = S[k - 1] as Tensor;
    const yNew = Y[k - 1] as Tensor;
    let r = q.mul(dot(sNew, yNew) / dot(yNew, yNew));
    for (let i = 0; i < k; i++) {
      const beta = (rho[i] as number) * dot(Y[i] as Tensor, r);
      r = r.add(S[i] as Tensor, (alpha[i] as number) - beta);
    }
    return r.neg();
  });
}
