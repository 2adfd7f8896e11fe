/**
 * The linear classifier of the probe trained the way SSL papers train their
 * linear evaluation head: minibatch SGD with momentum and a cosine schedule,
 * here on precomputed (frozen) features.
 */
import { applySchedule, SGD, warmupCosine } from '../optim/index.ts';
import { Generator, nnf, randperm, type Tensor, tidy, zeros } from '../tensor/index.ts';
import { checkLabels, type LinearClassifier, linearClassifier } from './logistic-regression.ts';

export interface SoftmaxSgdOptions {
  numClasses: number;
  /** λ: weight decay on W only (the same (λ/2)‖W‖² penalty as fitLogisticRegression). Default 1e-4. */
  l2?: number;
  /** Passes over the features. Default 100. */
  epochs?: number;
  /** Default 256. */
  batchSize?: number;
  /** Peak learning rate of the cosine schedule. Default 0.1. */
  lr?: number;
  /** Heavy-ball momentum. Default 0.9. */
  momentum?: number;
  /** Seeds the shuffling. Default 0. */
  seed?: number;
  /** Called after every epoch (for progress reports) with the epoch's mean batch loss (data term only). */
  onEpoch?: (e: { epoch: number; epochs: number; loss: number }) => void;
}

export interface SoftmaxSgdResult extends LinearClassifier {
  /** SGD steps taken. */
  readonly steps: number;
}

/**
 * Minimizes the objective of fitLogisticRegression,
 * (1/N)·Σᵢ CE(x_i·Wᵀ + b, yᵢ) + (λ/2)·‖W‖²_F, stochastically: W = 0, b = 0,
 * then `epochs` passes over a fresh seeded permutation in batches of
 * `batchSize` (the last one smaller), each step torch.optim.SGD (momentum
 * 0.9, weight decay λ on W only) with lr(s) = lr·(1 + cos(π·s/S))/2 over the
 * S steps of the run (no warm-up). Those are the usual linear-evaluation
 * settings of SSL code bases (e.g. solo-learn: SGD, momentum 0.9, cosine,
 * batch 256, 100 epochs); on frozen, precomputed features the run is cheap.
 */
export function fitSoftmaxSgd(x: Tensor, y: Tensor, o: SoftmaxSgdOptions): SoftmaxSgdResult {
  const C = o.numClasses;
  const l2 = o.l2 ?? 1e-4;
  const epochs = o.epochs ?? 100;
  const batch = o.batchSize ?? 256;
  const lr = o.lr ?? 0.1;
  if (!(Number.isInteger(C) && C >= 2)) throw new Error(`fitSoftmaxSgd: numClasses must be ≥ 2, got ${C}`);
  if (!(Number.isFinite(l2) && l2 >= 0)) throw new Error(`fitSoftmaxSgd: l2 must be ≥ 0, got ${l2}`);
  if (!(Number.isInteger(epochs) && epochs >= 1)) throw new Error(`fitSoftmaxSgd: epochs must be ≥ 1, got ${epochs}`);
  if (!(Number.isInteger(batch) && batch >= 1)) throw new Error(`fitSoftmaxSgd: batchSize must be ≥ 1, got ${batch}`);
  if (!(Number.isFinite(lr) && lr > 0)) throw new Error(`fitSoftmaxSgd: lr must be > 0, got ${lr}`);
  if (x.ndim !== 2) throw new Error(`fitSoftmaxSgd: features must be N×d, got shape [${x.shape}]`);
  const [n, d] = x.shape as [number, number];
  if (n === 0) throw new Error('fitSoftmaxSgd: no training features (N = 0)');
  checkLabels(y, n, C, 'fitSoftmaxSgd');

  const dtype = x.dtype === 'float64' ? 'float64' : 'float32';
  const X = x.to(dtype);
  const Y = y.long();
  const weight = zeros([C, d], { dtype }).requiresGrad_();
  const bias = zeros([C], { dtype }).requiresGrad_();
  const opt = new SGD(
    [
      { params: [weight], weightDecay: l2 },
      { params: [bias], weightDecay: 0 },
    ],
    { lr, momentum: o.momentum ?? 0.9 },
  );
  const perEpoch = Math.ceil(n / batch);
  const schedule = warmupCosine({ baseLr: lr, warmupSteps: 0, totalSteps: epochs * perEpoch });
  const gen = new Generator(o.seed ?? 0);
  let step = 0;
  try {
    for (let e = 0; e < epochs; e++) {
      const perm = randperm(n, { generator: gen });
      let lossSum = 0;
      let batches = 0;
      for (let i = 0; i < n; i += batch) {
        applySchedule(opt, schedule, step);
        tidy(() => {
          const idx = perm.narrow(0, i, Math.min(batch, n - i));
          const loss = nnf.crossEntropy(nnf.linear(X.indexSelect(0, idx), weight, bias), Y.indexSelect(0, idx));
          opt.zeroGrad();
          loss.backward();
          opt.step();
          if (o.onEpoch) lossSum += loss.item(); // a host sync per step, only when someone listens
        });
        batches++;
        step++;
      }
      perm.dispose();
      o.onEpoch?.({ epoch: e + 1, epochs, loss: lossSum / batches });
    }
  } finally {
    opt.dispose();
    X.dispose();
    Y.dispose();
  }
  const w = weight.detach();
  const b = bias.detach();
  weight.dispose();
  bias.dispose();
  return { ...linearClassifier(w, b), steps: step };
}
