/**
 * The losses of the methods as pure functions of tensors (B rows = B images,
 * one row per view). Each is differentiable where its method needs it and
 * stops gradients where its paper does; temporaries are freed.
 */
import { arange, cat, eye, isFloating, nnf, noGrad, ones, type Tensor, tidy, zeros } from '../tensor/index.ts';

function checkPair(fn: string, a: Tensor, b: Tensor, minRows = 1): void {
  if (a.ndim !== 2 || a.shape.join() !== b.shape.join()) {
    throw new Error(`${fn}: expected two B×d tensors of the same shape, got [${a.shape}] and [${b.shape}]`);
  }
  if ((a.shape[0] as number) < minRows) {
    throw new Error(`${fn}: expected at least ${minRows} rows, got shape [${a.shape}]`);
  }
}

function checkPositive(fn: string, name: string, v: number): void {
  if (!(Number.isFinite(v) && v > 0)) throw new Error(`${fn}: ${name} must be a finite number > 0, got ${v}`);
}

/** Per-example weights: null, or a floating-point tensor of shape [b] (its values are not read: no host sync). */
function checkWeights(fn: string, w: Tensor | null, b: number): void {
  if (w === null) return;
  if (w.ndim !== 1 || w.shape[0] !== b || !isFloating(w.dtype)) {
    throw new Error(`${fn}: weights must be a floating-point tensor of shape [${b}], got ${w.dtype} [${w.shape}]`);
  }
}

/**
 * Σᵢ wᵢ·xᵢ / Σᵢ wᵢ over a vector x of per-example values (the plain mean
 * without weights): equal weights give the mean. The weights get no gradient.
 */
export function weightedMean(x: Tensor, weights: Tensor | null = null): Tensor {
  if (x.ndim !== 1) throw new Error(`weightedMean: expected a vector of per-example values, got shape [${x.shape}]`);
  checkWeights('weightedMean', weights, x.shape[0] as number);
  if (weights === null) return x.mean();
  return tidy(() => {
    const w = weights.detach().to(x.dtype);
    return x.mul(w).sum().div(w.sum());
  });
}

/** Rows rescaled to norm at most r: z·min(1, r/‖z‖) = z·r/max(‖z‖, r), differentiable. */
function clipRowNorms(z: Tensor, r: number): Tensor {
  return tidy(() => z.mul(z.norm(2, 1, true).clamp(r, null).reciprocal().mul(r)));
}

export interface SpectralLoss {
  /** (part1 + part2)/μ, the value to minimize. */
  loss: Tensor;
  /** −(2/B)·Σᵢ z1ᵢᵀz2ᵢ (not divided by μ); with weights −2·Σᵢ wᵢ·z1ᵢᵀz2ᵢ / Σᵢ wᵢ. */
  part1: Tensor;
  /** (1/(B(B−1)))·Σ_{i≠j} (z1ᵢᵀz2ⱼ)² (not divided by μ); with weights Σ_{i≠j} wᵢwⱼ·(z1ᵢᵀz2ⱼ)² / Σ_{i≠j} wᵢwⱼ. */
  part2: Tensor;
}

/**
 * Spectral contrastive loss (HaoChen, Wei, Gaidon, Ma 2021), the batch form
 * of L(f) = −2·E[f(x)ᵀf(x⁺)] + E[(f(x)ᵀf(x′))²] used by the authors:
 * 1. rows with ‖z‖ > √μ are rescaled to norm √μ (z ← z·min(1, √μ/‖z‖));
 * 2. part1 = −(2/B)·Σᵢ z1ᵢᵀz2ᵢ (positive pairs);
 * 3. part2 = (1/(B(B−1)))·Σ_{i≠j} (z1ᵢᵀz2ⱼ)² (cross-view pairs of different images);
 * 4. loss = (part1 + part2)/μ.
 * μ = 1 on CIFAR, 10 on ImageNet. The authors' code logs part1/μ and part2/μ;
 * here the parts are returned as in steps 2–3. Needs B ≥ 2.
 *
 * With per-example `weights` w (rwSAM's inverse densities), each positive
 * pair's term counts wᵢ and each cross pair's wᵢ·wⱼ, normalized so that
 * equal weights give the loss above:
 * part1 = −2·Σᵢ wᵢ·a1ᵢᵀa2ᵢ / Σᵢ wᵢ, part2 = Σ_{i≠j} wᵢwⱼ·(a1ᵢᵀa2ⱼ)² / Σ_{i≠j} wᵢwⱼ
 * (a the rescaled rows). The weights get no gradient.
 */
export function spectralContrastiveLoss(z1: Tensor, z2: Tensor, mu = 1, weights: Tensor | null = null): SpectralLoss {
  const fn = 'spectralContrastiveLoss';
  checkPair(fn, z1, z2, 2);
  checkPositive(fn, 'mu', mu);
  const b = z1.shape[0] as number;
  checkWeights(fn, weights, b);
  if (weights !== null) return weightedSpectralLoss(z1, z2, mu, weights);
  return tidy(() => {
    const a1 = clipRowNorms(z1, Math.sqrt(mu));
    const a2 = clipRowNorms(z2, Math.sqrt(mu));
    const part1 = a1
      .mul(a2)
      .sum()
      .mul(-2 / b);
    const like = { dtype: z1.dtype, device: z1.device };
    const offDiagonal = ones([b, b], like).sub(eye(b, b, like));
    const part2 = a1
      .mm(a2.t())
      .square()
      .mul(offDiagonal)
      .sum()
      .div(b * (b - 1));
    return { loss: part1.add(part2).div(mu), part1, part2 };
  });
}

/** `spectralContrastiveLoss` with per-example weights (see there). */
function weightedSpectralLoss(z1: Tensor, z2: Tensor, mu: number, weights: Tensor): SpectralLoss {
  const b = z1.shape[0] as number;
  return tidy(() => {
    const w = weights.detach().to(z1.dtype);
    const a1 = clipRowNorms(z1, Math.sqrt(mu));
    const a2 = clipRowNorms(z2, Math.sqrt(mu));
    const part1 = a1.mul(a2).sum(1).mul(w).sum().mul(-2).div(w.sum());
    const like = { dtype: z1.dtype, device: z1.device };
    const pairWeights = w
      .unsqueeze(1)
      .mul(w.unsqueeze(0))
      .mul(ones([b, b], like).sub(eye(b, b, like)));
    const part2 = a1.mm(a2.t()).square().mul(pairWeights).sum().div(pairWeights.sum());
    return { loss: part1.add(part2).div(mu), part1, part2 };
  });
}

/**
 * NT-Xent, SimCLR's loss (Chen, Kornblith, Norouzi, Hinton 2020): with the
 * 2B views uₖ = z/‖z‖ (rows of z1 then z2) and s(k, l) = uₖᵀu_l/τ,
 * ℓ(k) = −log( exp s(k, k⁺) / Σ_{l≠k} exp s(k, l) ), k⁺ the other view of the
 * same image; the loss is the mean of ℓ over all 2B anchors.
 */
export function ntXentLoss(z1: Tensor, z2: Tensor, temperature: number): Tensor {
  const fn = 'ntXentLoss';
  checkPair(fn, z1, z2, 2);
  checkPositive(fn, 'temperature', temperature);
  const b = z1.shape[0] as number;
  return tidy(() => {
    const u = nnf.normalize(cat([z1, z2]), 1);
    const self = eye(2 * b, 2 * b, { dtype: 'bool', device: z1.device });
    const logits = u.mm(u.t()).div(temperature).maskedFill(self, Number.NEGATIVE_INFINITY);
    const positives = cat([arange(b, 2 * b, 1, { device: z1.device }), arange(0, b, 1, { device: z1.device })]);
    return nnf.crossEntropy(logits, positives);
  });
}

/**
 * InfoNCE against a queue, MoCo's loss (He et al. 2020; MoCo v2, Chen, Fan,
 * Girshick, He 2020): with q and k L2-normalized and the queue's rows unit
 * keys, logits = [qᵢᵀkᵢ, qᵢᵀqueueⱼ …]/τ and the loss is the cross-entropy
 * with the positive at index 0, averaged over the B queries. k (the momentum
 * encoder's keys) and the queue get no gradient.
 */
export function infoNceQueueLoss(q: Tensor, k: Tensor, queue: Tensor, temperature: number): Tensor {
  const fn = 'infoNceQueueLoss';
  checkPair(fn, q, k);
  checkPositive(fn, 'temperature', temperature);
  if (queue.ndim !== 2 || queue.shape[1] !== q.shape[1]) {
    throw new Error(`${fn}: queue must be K×${q.shape[1]}, got shape [${queue.shape}]`);
  }
  return tidy(() => {
    const qn = nnf.normalize(q, 1);
    const kn = nnf.normalize(k.detach(), 1);
    const positive = qn.mul(kn).sum(1, true);
    const negatives = qn.mm(queue.detach().t());
    const logits = cat([positive, negatives], 1).div(temperature);
    return nnf.crossEntropy(logits, zeros([q.shape[0] as number], { dtype: 'int64', device: q.device }));
  });
}

/**
 * SimSiam's D(p, z) = −mean_i cos(pᵢ, stopgrad(zᵢ)) (Chen & He 2021): the
 * gradient reaches p only. With per-example `weights`:
 * −Σᵢ wᵢ·cos(pᵢ, zᵢ) / Σᵢ wᵢ (equal weights: the mean).
 */
export function negativeCosineLoss(p: Tensor, z: Tensor, weights: Tensor | null = null): Tensor {
  checkPair('negativeCosineLoss', p, z);
  checkWeights('negativeCosineLoss', weights, p.shape[0] as number);
  return tidy(() => weightedMean(nnf.cosineSimilarity(p, z.detach(), 1), weights).neg());
}

/**
 * Cross-entropy of B×C `logits` with int64 class `labels`, averaged over the
 * batch; with per-example `weights`, Σᵢ wᵢ·ℓᵢ / Σᵢ wᵢ (equal weights: the mean).
 */
export function crossEntropyLoss(logits: Tensor, labels: Tensor, weights: Tensor | null = null): Tensor {
  checkWeights('crossEntropyLoss', weights, logits.shape[0] as number);
  if (weights === null) return nnf.crossEntropy(logits, labels);
  return tidy(() => weightedMean(nnf.crossEntropy(logits, labels, { reduction: 'none' }), weights));
}

/**
 * BYOL's normalized MSE ‖p/‖p‖ − z/‖z‖‖² = 2 − 2·cos(p, stopgrad(z)), averaged
 * over the batch (Grill et al. 2020): the gradient reaches p only.
 */
export function byolLoss(p: Tensor, z: Tensor): Tensor {
  checkPair('byolLoss', p, z);
  return tidy(() => nnf.cosineSimilarity(p, z.detach(), 1).mean().mul(-2).add(2));
}

/**
 * SwAV's Sinkhorn–Knopp (Caron et al. 2020, Alg. 1 `distributed_sinkhorn` on
 * one device) on B×K prototype scores, without gradient: Q ∝ exp(scores/ε),
 * then `iterations` times: scale the columns (prototypes) to sum 1/K, then the
 * rows (samples) to sum 1/B; finally Q·B. The result is B×K, non-negative,
 * with every row summing to exactly 1 (a soft assignment per sample, the last
 * normalization) and columns summing to B/K (equal use of prototypes) up to
 * the error left after the final iteration. Computed in the log domain, which
 * gives the same numbers as the paper's exp-then-divide without overflow or
 * underflow at small ε.
 */
export function sinkhorn(scores: Tensor, epsilon = 0.05, iterations = 3): Tensor {
  const fn = 'sinkhorn';
  if (scores.ndim !== 2) throw new Error(`${fn}: scores must be B×K, got shape [${scores.shape}]`);
  checkPositive(fn, 'epsilon', epsilon);
  if (!Number.isInteger(iterations) || iterations < 1) {
    throw new Error(`${fn}: iterations must be a positive integer, got ${iterations}`);
  }
  const [b, k] = scores.shape as [number, number];
  return noGrad(() =>
    tidy(() => {
      let logQ = scores.detach().div(epsilon);
      for (let i = 0; i < iterations; i++) {
        logQ = logQ.sub(logQ.logsumexp(0, true)).sub(Math.log(k));
        logQ = logQ.sub(logQ.logsumexp(1, true)).sub(Math.log(b));
      }
      return logQ.exp().mul(b);
    }),
  );
}

/**
 * SwAV's swapped prediction (Caron et al. 2020): with pₜ = softmax(scoresₜ/τ)
 * per row, L = −½·(1/B)·Σᵢ Σₖ [q1ᵢₖ·log p2ᵢₖ + q2ᵢₖ·log p1ᵢₖ]; the codes q
 * (from `sinkhorn`) are targets and get no gradient.
 */
export function swavLoss(scores1: Tensor, scores2: Tensor, q1: Tensor, q2: Tensor, temperature = 0.1): Tensor {
  const fn = 'swavLoss';
  checkPair(fn, scores1, scores2);
  checkPair(fn, q1, q2);
  checkPair(fn, scores1, q1);
  checkPositive(fn, 'temperature', temperature);
  return tidy(() => {
    const term = (q: Tensor, s: Tensor) =>
      q
        .detach()
        .mul(nnf.logSoftmax(s.div(temperature), 1))
        .sum(1)
        .mean();
    return term(q1, scores2).add(term(q2, scores1)).mul(-0.5);
  });
}

function checkNonNegative(fn: string, name: string, v: number): void {
  if (!(Number.isFinite(v) && v >= 0)) throw new Error(`${fn}: ${name} must be a finite number ≥ 0, got ${v}`);
}

/** k×k matrix of ones with a zero diagonal, for sums over i ≠ j. */
function offDiagonalMask(k: number, like: Tensor): Tensor {
  const o = { dtype: like.dtype, device: like.device };
  return tidy(() => ones([k, k], o).sub(eye(k, k, o)));
}

export interface BarlowTwinsLoss {
  /** onDiagonal + λ·offDiagonal, the value to minimize. */
  loss: Tensor;
  /** Σᵢ (1 − Cᵢᵢ)², the invariance term. */
  onDiagonal: Tensor;
  /** Σ_{i≠j} Cᵢⱼ², the redundancy-reduction term (not multiplied by λ). */
  offDiagonal: Tensor;
}

/**
 * Barlow Twins' loss (Zbontar, Jing, Misra, LeCun, Deny 2021) on two B×k
 * projections of the same B images:
 * 1. each dimension is standardized over the batch as the authors'
 *    `BatchNorm1d(k, affine=False)` does in training mode:
 *    ẑ_bj = (z_bj − μ_j)/√(σ²_j + ε) with μ_j the batch mean, σ²_j the biased
 *    (1/B) batch variance and ε = 1e-5;
 * 2. the cross-correlation C = ẑ1ᵀẑ2 / B (k×k);
 * 3. onDiagonal = Σᵢ (1 − Cᵢᵢ)², offDiagonal = Σ_{i≠j} Cᵢⱼ²;
 * 4. loss = onDiagonal + λ·offDiagonal.
 * The paper's λ is 0.0051 (a recipe default, not chosen here). The statistics
 * are those of this batch: under data parallelism the caller must gather (the
 * authors use SyncBatchNorm and all-reduce C). Needs B ≥ 2.
 */
export function barlowTwinsLoss(z1: Tensor, z2: Tensor, lambda: number): BarlowTwinsLoss {
  const fn = 'barlowTwinsLoss';
  checkPair(fn, z1, z2, 2);
  checkNonNegative(fn, 'lambda', lambda);
  const [b, k] = z1.shape as [number, number];
  const eps = 1e-5;
  return tidy(() => {
    const standardize = (z: Tensor): Tensor => z.sub(z.mean(0, true)).div(z.var(0, true, 0).add(eps).sqrt());
    const c = standardize(z1).t().mm(standardize(z2)).div(b);
    const onDiagonal = c.diagonal().neg().add(1).square().sum();
    const offDiagonal = c.square().mul(offDiagonalMask(k, c)).sum();
    return { loss: onDiagonal.add(offDiagonal.mul(lambda)), onDiagonal, offDiagonal };
  });
}

export interface VicregLossOptions {
  /** λ, the weight of the invariance term (VICReg's default 25). */
  invariance: number;
  /** μ, the weight of the variance term (default 25). */
  variance: number;
  /** ν, the weight of the covariance term (default 1). */
  covariance: number;
  /** ε inside the square root of the variance term (default 1e-4, as the authors' code). */
  eps?: number;
}

export interface VicregLoss {
  /** λ·invariance + μ·variance + ν·covariance, the value to minimize. */
  loss: Tensor;
  /** (1/(Bk))·Σ_b Σ_j (z1_bj − z2_bj)², the mean squared error (unweighted). */
  invariance: Tensor;
  /** ½·mean_j relu(1 − S1_j) + ½·mean_j relu(1 − S2_j) (unweighted). */
  variance: Tensor;
  /** (1/k)·Σ_{i≠j} Cov1ᵢⱼ² + (1/k)·Σ_{i≠j} Cov2ᵢⱼ² (unweighted). */
  covariance: Tensor;
}

/**
 * VICReg's loss (Bardes, Ponce, LeCun 2022), as the authors' `main_vicreg.py`
 * computes it on two B×k projections z1, z2:
 * - invariance s = (1/(Bk))·Σ_b Σ_j (z1_bj − z2_bj)² (`F.mse_loss`);
 * - variance v = ½·(1/k)·Σ_j relu(1 − S1_j) + ½·(1/k)·Σ_j relu(1 − S2_j), with
 *   S_j = √(Var(z_·j) + ε) and Var the unbiased (B − 1) batch variance;
 * - covariance c = (1/k)·Σ_{i≠j} [Cov1]ᵢⱼ² + (1/k)·Σ_{i≠j} [Cov2]ᵢⱼ², with
 *   Cov = (z − z̄)ᵀ(z − z̄)/(B − 1) the k×k batch covariance of each branch;
 * - loss = λ·s + μ·v + ν·c (the paper's λ = μ = 25, ν = 1 are recipe defaults).
 * The statistics are those of this batch: under data parallelism the caller
 * must gather the projections first, as the authors do. Needs B ≥ 2.
 */
export function vicregLoss(z1: Tensor, z2: Tensor, o: VicregLossOptions): VicregLoss {
  const fn = 'vicregLoss';
  checkPair(fn, z1, z2, 2);
  checkNonNegative(fn, 'invariance', o.invariance);
  checkNonNegative(fn, 'variance', o.variance);
  checkNonNegative(fn, 'covariance', o.covariance);
  const eps = o.eps ?? 1e-4;
  checkPositive(fn, 'eps', eps);
  const [b, k] = z1.shape as [number, number];
  return tidy(() => {
    const invariance = z1.sub(z2).square().mean();
    const mask = offDiagonalMask(k, z1);
    const centered = [z1, z2].map((z) => z.sub(z.mean(0, true)));
    const stdTerm = (x: Tensor): Tensor => x.var(0, false, 1).add(eps).sqrt().neg().add(1).relu().mean().div(2);
    const covTerm = (x: Tensor): Tensor =>
      x
        .t()
        .mm(x)
        .div(b - 1)
        .square()
        .mul(mask)
        .sum()
        .div(k);
    const [x, y] = centered as [Tensor, Tensor];
    const variance = stdTerm(x).add(stdTerm(y));
    const covariance = covTerm(x).add(covTerm(y));
    const loss = invariance.mul(o.invariance).add(variance.mul(o.variance)).add(covariance.mul(o.covariance));
    return { loss, invariance, variance, covariance };
  });
}
