/**
 * Multinomial logistic regression (a linear softmax classifier) fitted by
 * full-batch L-BFGS: the linear probe's classifier.
 */
import { cat, isFloating, nnf, opT, type Tensor, tidy, zeros } from '../tensor/index.ts';
import { type LbfgsIteration, type LbfgsStop, lbfgs } from './lbfgs.ts';

export interface LogisticRegressionOptions {
  /** C: number of classes; labels lie in 0…C−1. */
  numClasses: number;
  /** λ, the weight of the L2 penalty (λ/2)‖W‖²_F on the mean loss. Default 1e-4. */
  l2?: number;
  /** L-BFGS iterations at most. Default 500. */
  maxIterations?: number;
  /** Stop when the gradient's largest entry |∂L/∂θ|∞ ≤ tolerance. Default 1e-5. */
  tolerance?: number;
  /** Stop when the relative decrease of L in one iteration is ≤ lossTolerance. Default 1e-9. */
  lossTolerance?: number;
  /** L-BFGS memory m. Default 10. */
  history?: number;
  /** Arithmetic precision; features are converted to it. Default 'float32'. */
  dtype?: 'float32' | 'float64';
  /** Called after every L-BFGS iteration (for progress reports). */
  onIteration?: (it: LbfgsIteration) => void;
}

/** A linear classifier: logits = x·Wᵀ + b. */
export interface LinearClassifier {
  /** C×d weights (the layout of nn.Linear's weight). */
  readonly weight: Tensor;
  /** C biases. */
  readonly bias: Tensor;
  /** N×C logits x·Wᵀ + b of N×d features. */
  logits(x: Tensor): Tensor;
  /** N predicted labels argmaxₖ (x·Wᵀ + b)ₖ (int64). */
  predict(x: Tensor): Tensor;
  /** Frees weight and bias. */
  dispose(): void;
}

/** A fitted logistic regression: the classifier and how the fit ended. */
export interface LogisticRegression extends LinearClassifier {
  /** C biases, centred to sum 0 (softmax is invariant to a common shift, so this picks one). */
  readonly bias: Tensor;
  /** L-BFGS iterations done. */
  readonly iterations: number;
  /** The objective L(W, b) at the returned weights. */
  readonly loss: number;
  /** ‖∇L‖∞ at the returned weights. */
  readonly gradNorm: number;
  /** Whether a tolerance was met (rather than maxIterations or a failed line search). */
  readonly converged: boolean;
  readonly stop: LbfgsStop;
}

/**
 * Fits multinomial logistic regression to N×d features `x` and int64 labels
 * `y` ∈ {0…C−1}ᴺ by minimizing, over W ∈ ℝ^{C×d} and b ∈ ℝ^C,
 *
 *   L(W, b) = (1/N)·Σᵢ [log Σₖ exp(wₖ·xᵢ + bₖ) − (w_{yᵢ}·xᵢ + b_{yᵢ})] + (λ/2)·‖W‖²_F
 *
 * (mean softmax cross-entropy plus an L2 penalty on the weights only; the
 * bias is not penalized), with gradients
 *
 *   ∂L/∂W = (1/N)·(P − Y)ᵀX + λW,   ∂L/∂b = (1/N)·(P − Y)ᵀ1,
 *
 * P the N×C softmax probabilities and Y the one-hot labels. Starts from
 * W = 0, b = 0 and runs full-batch L-BFGS (lbfgs.ts). For λ > 0 the problem
 * is strictly convex in W (so the optimum is unique and Σₖ wₖ = 0 there);
 * b is unique up to a common shift, fixed here by centring it. The data term
 * is summed in float64.
 */
export function fitLogisticRegression(x: Tensor, y: Tensor, o: LogisticRegressionOptions): LogisticRegression {
  const C = o.numClasses;
  const l2 = o.l2 ?? 1e-4;
  const dtype = o.dtype ?? 'float32';
  if (!(Number.isInteger(C) && C >= 2)) throw new Error(`fitLogisticRegression: numClasses must be ≥ 2, got ${C}`);
  if (!(Number.isFinite(l2) && l2 >= 0)) throw new Error(`fitLogisticRegression: l2 must be ≥ 0, got ${l2}`);
  if (x.ndim !== 2) throw new Error(`fitLogisticRegression: features must be N×d, got shape [${x.shape}]`);
  const [n, d] = x.shape as [number, number];
  checkLabels(y, n, C, 'fitLogisticRegression');

  return tidy(() => {
    const X = x.to(dtype).contiguous();
    const labels = y.long().unsqueeze(1);
    const onehot = nnf.oneHot(y.long(), C).to(dtype);
    const split = (theta: Tensor) => ({ W: theta.narrow(0, 0, C * d).view(C, d), b: theta.narrow(0, C * d, C) });

    const objective = (theta: Tensor) => {
      const { W, b } = split(theta);
      const logP = nnf.logSoftmax(opT('aten::addmm', [b, X, W.t()]), 1); // N×C log-probabilities
      const dataLoss = -logP.gather(1, labels).double().sum().item() / n;
      const penalty = (l2 / 2) * W.double().square().sum().item();
      const G = logP.exp().sub(onehot).div(n); // (P − Y)/N
      const gW = opT('aten::addmm', [W, G.t(), X], { beta: l2, alpha: 1 });
      return { loss: dataLoss + penalty, grad: cat([gW.flatten(), G.sum(0)]) };
    };

    const theta0 = zeros([C * (d + 1)], { dtype });
    const r = lbfgs(objective, theta0, {
      maxIterations: o.maxIterations ?? 500,
      gradTolerance: o.tolerance ?? 1e-5,
      lossTolerance: o.lossTolerance ?? 1e-9,
      history: o.history ?? 10,
      onIteration: o.onIteration,
    });
    const { W, b } = split(r.x);
    const weight = W.clone();
    const bias = b.sub(b.mean());
    r.x.dispose();
    return {
      ...linearClassifier(weight, bias),
      iterations: r.iterations,
      loss: r.loss,
      gradNorm: r.gradNorm,
      converged: r.converged,
      stop: r.stop,
    };
  });
}

/** Wraps C×d `weight` and C `bias` (taken over: dispose() frees them) as a LinearClassifier. */
export function linearClassifier(weight: Tensor, bias: Tensor): LinearClassifier {
  if (weight.ndim !== 2 || bias.ndim !== 1 || bias.size(0) !== weight.size(0))
    throw new Error(`linearClassifier: need a C×d weight and C biases, got [${weight.shape}] and [${bias.shape}]`);
  const d = weight.size(1);
  const logits = (x: Tensor): Tensor => {
    if (x.ndim !== 2 || x.size(1) !== d)
      throw new Error(`LinearClassifier: features must be N×${d}, got shape [${x.shape}]`);
    return tidy(() => opT('aten::addmm', [bias, x.to(weight.dtype), weight.t()]));
  };
  return {
    weight,
    bias,
    logits,
    predict: (x: Tensor) => tidy(() => logits(x).argmax(1)),
    dispose(): void {
      weight.dispose();
      bias.dispose();
    },
  };
}

/**
 * The objective of fitLogisticRegression at a classifier (W, b):
 * (1/N)·Σᵢ [log Σₖ exp(zᵢₖ) − z_{i,yᵢ}] + (λ/2)·‖W‖²_F with z = x·Wᵀ + b,
 * summed in float64.
 */
export function logisticLoss(model: LinearClassifier, x: Tensor, y: Tensor, l2: number): number {
  const n = x.size(0);
  checkLabels(y, n, model.weight.size(0), 'logisticLoss');
  return tidy(() => {
    const logP = nnf.logSoftmax(model.logits(x), 1);
    const data = -logP.gather(1, y.long().unsqueeze(1)).double().sum().item() / n;
    return data + (l2 / 2) * model.weight.double().square().sum().item();
  });
}

/** Checks N integer labels in 0…C−1. */
export function checkLabels(y: Tensor, n: number, C: number, fn: string): void {
  if (y.ndim !== 1 || y.size(0) !== n) throw new Error(`${fn}: labels must have shape [${n}], got [${y.shape}]`);
  if (isFloating(y.dtype) || y.dtype === 'bool') throw new Error(`${fn}: labels must be integers, got ${y.dtype}`);
  if (n === 0) return;
  const [lo, hi] = tidy(() => [y.min().item(), y.max().item()]);
  if (lo < 0 || hi >= C) throw new Error(`${fn}: label ${lo < 0 ? lo : hi} is out of range 0…${C - 1}`);
}
