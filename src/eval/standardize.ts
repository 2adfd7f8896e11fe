/**
 * Per-feature standardization for linear probes: statistics from the train
 * features only, applied to train and test alike (no test information leaks
 * into the probe).
 */
import { isFloating, type Tensor, tidy } from '../tensor/index.ts';

/** Below this standard deviation a feature counts as constant on the train set. */
const MIN_STD = 1e-8;

/** Floating tensors keep their dtype (float64 stays exact); integer ones become float32. */
const asFloat = (x: Tensor): Tensor => (isFloating(x.dtype) ? x : x.float());

/** Per-feature affine map x ↦ (x − mean)/std fitted on train features. */
export interface Standardizer {
  /** 1×d mean of the train features. */
  readonly mean: Tensor;
  /** 1×d population standard deviation (1 where the train feature is constant). */
  readonly std: Tensor;
  /** (x − mean)/std for an N×d tensor; a new tensor. */
  apply(x: Tensor): Tensor;
  /** Frees mean and std. */
  dispose(): void;
}

/**
 * Fits a standardizer on N×d train features: μ_j = (1/N)·Σᵢ x_ij,
 * σ_j = √((1/N)·Σᵢ (x_ij − μ_j)²) (population std, as scikit-learn's
 * StandardScaler). A feature with σ_j < 1e-8 (constant on the train set, e.g.
 * with one labeled example per class) gets σ_j = 1, so it is centred but not
 * blown up on test data.
 */
export function fitStandardizer(train: Tensor): Standardizer {
  if (train.ndim !== 2) throw new Error(`fitStandardizer: features must be N×d, got shape [${train.shape}]`);
  if (train.size(0) < 1) throw new Error('fitStandardizer: no train features (N = 0)');
  const [mean, std] = tidy(() => {
    const x = asFloat(train);
    const m = x.mean(0, true);
    const s = x.std(0, true, 0);
    const safe = s.maskedFill(s.lt(MIN_STD), 1);
    return [m.keep(), safe.keep()] as const;
  });
  const d = train.size(1);
  return {
    mean,
    std,
    apply(x: Tensor): Tensor {
      if (x.ndim !== 2 || x.size(1) !== d)
        throw new Error(`Standardizer.apply: features must be N×${d}, got shape [${x.shape}]`);
      return tidy(() => asFloat(x).sub(mean).div(std));
    },
    dispose(): void {
      mean.dispose();
      std.dispose();
    },
  };
}

/**
 * Standardizes `train` and every tensor in `others` with the statistics of
 * `train` (see fitStandardizer). Returns new floating tensors in the same order.
 */
export function standardizeFeatures(train: Tensor, ...others: Tensor[]): Tensor[] {
  const s = fitStandardizer(train);
  try {
    return [train, ...others].map((x) => s.apply(x));
  } finally {
    s.dispose();
  }
}
