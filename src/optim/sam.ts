/**
 * Sharpness-aware minimization as tensor code: the weight perturbation ε of
 * SAM (Foret, Kleiner, Mobahi, Neyshabur 2021) and of adaptive SAM (ASAM,
 * Kwon, Kim, Park, Choi 2021), applied to the parameters in place and undone
 * exactly; and the inverse-density example weights of rwSAM (Liu, HaoChen,
 * Gaidon, Ma 2022, §4), a Gaussian kernel density estimate on a batch's
 * features. One SAM step is two forward+backward passes:
 *
 * 1. the gradient g of the batch loss at w (for rwSAM, of the density-weighted loss);
 * 2. `perturbWeights`: w ← w + ε with ε from g;
 * 3. the gradient of the (unweighted) batch loss at w + ε;
 * 4. `restore()`: w back, bit for bit; the base optimizer (SGD/LARS, its
 *    schedule and weight decay unchanged) steps with the second gradient.
 *
 * The trainer (src/train/pretrain.ts) drives these; nothing here knows a
 * method or draws a random number.
 */
import type { Module } from '../nn/module.ts';
import { arange, eye, nnf, noGrad, ones, stack, type Tensor, tidy } from '../tensor/index.ts';

export interface SamOptions {
  /** Radius ρ of the perturbation (> 0; ρ = 0 gives ε = 0). */
  rho: number;
  /** ASAM: ε = ρ·T²g/‖Tg‖ with T = |w| + η on the scaled parameters (default false: SAM). */
  adaptive?: boolean;
  /** ASAM's η (default 0.01, Kwon et al.'s code); 0 gives T = diag(|w|) exactly. */
  eta?: number;
}

/** A parameter SAM perturbs. */
export interface SamParameter {
  tensor: Tensor;
  /**
   * Whether ASAM scales it by T = |w| + η: true for the tensors named
   * `weight` (convolutions, linear layers and BatchNorm's γ), false (T = 1)
   * for the others (biases, BatchNorm's β), as in Kwon et al.'s official code
   * (`if 'weight' in n`). Plain SAM ignores it.
   */
  scaled: boolean;
}

/** The trainable parameters of `modules`, in order, with ASAM's scaling decided by name (see {@link SamParameter}). */
export function samParameters(...modules: Module[]): SamParameter[] {
  return modules.flatMap((m) =>
    m
      .namedParameters()
      .filter(([, t]) => t.requiresGrad)
      .map(([name, tensor]) => ({ tensor, scaled: name.slice(name.lastIndexOf('.') + 1) === 'weight' })),
  );
}

function checkSamOptions(fn: string, o: SamOptions): void {
  if (!(Number.isFinite(o.rho) && o.rho >= 0)) throw new Error(`${fn}: rho must be a finite number ≥ 0, got ${o.rho}`);
  const eta = o.eta ?? 0.01;
  if (!(Number.isFinite(eta) && eta >= 0)) throw new Error(`${fn}: eta must be a finite number ≥ 0, got ${eta}`);
}

/**
 * ε for each parameter from its current `.grad` (null for a parameter
 * without a gradient, which is not perturbed):
 * - SAM: ε = ρ·g/‖g‖₂;
 * - ASAM: ε = ρ·T²g/‖Tg‖₂, T = |w| + η elementwise on scaled parameters, 1 on the others;
 * the norm taken over all the parameters together (guarded: ‖·‖ below 1e-12
 * counts as 1e-12, so a zero gradient gives ε = 0). Computed on the device
 * (no host sync); the tensors are new, in the current scope.
 */
export function samPerturbation(params: readonly SamParameter[], o: SamOptions): (Tensor | null)[] {
  checkSamOptions('samPerturbation', o);
  const eta = o.eta ?? 0.01;
  const adaptive = o.adaptive ?? false;
  return noGrad(() => {
    const grads = params.map((p) => p.tensor.grad);
    const live = params.flatMap((_p, i) => (grads[i] ? [i] : []));
    if (live.length === 0) return params.map(() => null);
    const eps = tidy(() => {
      const scales = live.map((i) => {
        const p = params[i] as SamParameter;
        return adaptive && p.scaled ? p.tensor.detach().abs().add(eta) : null;
      });
      const tg = live.map((i, k) => {
        const g = grads[i] as Tensor;
        const t = scales[k];
        return t ? g.mul(t) : g;
      });
      const total = stack(tg.map((t) => t.norm().to('float64'))).norm();
      const factor = total.clamp(1e-12, null).reciprocal().mul(o.rho);
      return tg.map((t, k) => {
        const s = scales[k];
        return (s ? t.mul(s) : t).mul(factor.to(t.dtype));
      });
    });
    const out: (Tensor | null)[] = params.map(() => null);
    live.forEach((i, k) => {
      out[i] = eps[k] as Tensor;
    });
    return out;
  });
}

/** Weights moved to w + ε, until `restore()`. */
export interface Perturbation {
  /** ε per parameter (null: not perturbed); valid until `restore()`. */
  readonly epsilons: readonly (Tensor | null)[];
  /** Puts back the weights as they were before, exactly (a saved copy, not w + ε − ε); then frees ε. Idempotent. */
  restore(): void;
}

/**
 * Moves every parameter with a gradient to w + ε (`samPerturbation` of its
 * current gradient), in place, and returns the handle that restores w. The
 * gradients are left as they are: the caller clears them before the second
 * backward pass.
 */
export function perturbWeights(params: readonly SamParameter[], o: SamOptions): Perturbation {
  const eps = samPerturbation(params, o).map((e) => e?.keep() ?? null);
  const saved = noGrad(() => params.map((p, i) => (eps[i] ? p.tensor.detach().clone().keep() : null)));
  noGrad(() => {
    params.forEach((p, i) => {
      const e = eps[i];
      if (e) p.tensor.add_(e);
    });
  });
  let done = false;
  return {
    epsilons: eps,
    restore() {
      if (done) return;
      done = true;
      noGrad(() => {
        params.forEach((p, i) => {
          const s = saved[i];
          if (s) p.tensor.copy_(s);
        });
      });
      for (const t of [...saved, ...eps]) t?.dispose();
    },
  };
}

/**
 * Holds copies of `tensors` (a network's buffers: BatchNorm's running
 * statistics) and puts them back on `restore()`, so that SAM's second
 * forward pass, at w + ε, leaves them as the first pass left them.
 */
export function holdBuffers(tensors: readonly Tensor[]): { restore(): void } {
  const saved = noGrad(() => tensors.map((t) => t.detach().clone().keep()));
  let done = false;
  return {
    restore() {
      if (done) return;
      done = true;
      noGrad(() => {
        tensors.forEach((t, i) => {
          t.copy_(saved[i] as Tensor);
        });
      });
      for (const s of saved) s.dispose();
    },
  };
}

export interface DensityWeightOptions {
  /**
   * Bandwidth h of the Gaussian kernel on the L2-normalized features (> 0);
   * null or absent: the median of the batch's B(B−1)/2 pairwise distances
   * (the lower middle one for an even count, as torch.median).
   */
  bandwidth?: number | null;
}

/**
 * rwSAM's example weights for a batch (Liu, HaoChen, Gaidon, Ma 2022, §4):
 * each example weighted by its inverse density, estimated by a Gaussian
 * kernel density estimate on the batch's own features. With uᵢ = fᵢ/‖fᵢ‖
 * (rows of `features`, B×d, gradients not followed):
 *   p̂ᵢ = (1/B)·Σⱼ exp(−‖uᵢ − uⱼ‖²/(2h²))   (j = i included, as a KDE at a sample point),
 *   wᵢ = (1/p̂ᵢ) / mean_k(1/p̂ₖ),
 * so the weights are positive with mean 1 and examples in sparse regions of
 * feature space (rare ones) weigh more. The kernel's normalizing constant
 * cancels. A batch of one gets weight 1. B weights, in the features' dtype.
 */
export function inverseDensityWeights(features: Tensor, o: DensityWeightOptions = {}): Tensor {
  const fn = 'inverseDensityWeights';
  if (features.ndim !== 2) throw new Error(`${fn}: features must be B×d, got shape [${features.shape}]`);
  const h = o.bandwidth ?? null;
  if (h !== null && !(Number.isFinite(h) && h > 0))
    throw new Error(`${fn}: bandwidth must be a finite number > 0 or null (the median distance), got ${h}`);
  const b = features.shape[0] as number;
  const like = { dtype: features.dtype, device: features.device };
  if (b < 2) return ones([b], like);
  return noGrad(() =>
    tidy(() => {
      const u = nnf.normalize(features.detach(), 1);
      const offDiagonal = ones([b, b], like).sub(eye(b, b, like));
      // ‖uᵢ − uⱼ‖² = 2 − 2·uᵢᵀuⱼ for unit rows (0 on the diagonal)
      const sq = u.mm(u.t()).mul(-2).add(2).clamp(0, null).mul(offDiagonal);
      let twoH2: Tensor | number;
      if (h === null) {
        const idx = arange(0, b, 1, { device: features.device });
        const upper = idx.unsqueeze(1).lt(idx.unsqueeze(0));
        const pairs = (b * (b - 1)) / 2;
        const median = sq
          .maskedSelect(upper)
          .sqrt()
          .sort()
          .values.narrow(0, Math.floor((pairs - 1) / 2), 1);
        twoH2 = median.clamp(1e-12, null).square().mul(2);
      } else twoH2 = 2 * h * h;
      const density = sq.div(twoH2).neg().exp().mean(1);
      const inverse = density.reciprocal();
      return inverse.div(inverse.mean());
    }),
  );
}
