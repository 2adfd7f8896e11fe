/**
 * Theorem 1 of the talk, checked numerically: minimizing the matrix form of
 * the spectral contrastive loss by gradient descent reaches the Eckart–Young
 * optimum, and the minimizer is the spectral embedding up to a rotation.
 *
 * HaoChen, Wei, Gaidon, Ma (2021): with F the N×k matrix whose row x is
 * √w_x·f(x), the population spectral loss is
 *   L_spec(F) = −2·tr(FᵀĀF) + ‖FᵀF‖²_F = ‖Ā − FFᵀ‖²_F − ‖Ā‖²_F,
 * so minimizing it is the best approximation of Ā by FFᵀ (PSD, rank ≤ k).
 */

import { Generator, linalg, randn, type Tensor, tensor, tidy } from '../../tensor/index.ts';
import { augmentationGraph } from '../../theory/augmentation-graph.ts';
import { gaussianAugment, manifoldMixture } from '../../theory/manifolds.ts';
import { spectralEmbedding } from '../../theory/spectral-embedding.ts';
import { orthogonalProcrustes } from './procrustes.ts';

/**
 * Eckart–Young optimum of min over F ∈ ℝ^{N×k} of ‖A − FFᵀ‖²_F for a
 * symmetric A with eigenvalues λ₁ ≥ … ≥ λ_N (any order accepted; sorted here).
 * FFᵀ is PSD of rank ≤ k, so the best choice keeps the k largest eigenvalues
 * BY VALUE, and only those that are positive: FFᵀ = Σ_{i≤k, λᵢ>0} λᵢuᵢuᵢᵀ. The
 * optimum is the rest, Σ_{i>k} λᵢ² + Σ_{i≤k, λᵢ<0} λᵢ² — negative eigenvalues
 * always count entirely, however large their magnitude (unlike the
 * unconstrained rank-k Eckart–Young, which keeps the k largest |λᵢ|).
 * Summed directly over the remaining eigenvalues (no cancellation).
 */
export function eckartYoung(eigenvalues: ArrayLike<number>, k: number): number {
  const n = eigenvalues.length;
  if (!Number.isInteger(k) || k < 0) throw new Error(`eckartYoung: k must be an integer ≥ 0, got ${k}`);
  const sorted = Float64Array.from(eigenvalues).sort().reverse();
  let rest = 0;
  for (let i = 0; i < n; i++) {
    const v = sorted[i] as number;
    if (!Number.isFinite(v)) throw new Error(`eckartYoung: eigenvalues must be finite, got ${v}`);
    if (i >= k || v < 0) rest += v * v;
  }
  return rest;
}

export interface SpectralLossDescentOptions {
  /** Gradient steps at most. Default 5000. */
  steps?: number;
  /**
   * Step size η of F ← F − η·∇L. Default 0.1: at the optimum the Hessian of L
   * is at most 8·‖A‖₂ (= 8 for a normalized adjacency, whose spectrum lies in
   * [−1, 1]), so plain GD is stable for η < 2/8.
   */
  lr?: number;
  /** F₀ has i.i.d. N(0, initScale²) entries. Default 1e-3 (a small random init). */
  initScale?: number;
  /** Seeds F₀. Default 0. */
  seed?: number;
  /** Stop once ‖∇L(F)‖_F ≤ gradTolerance (checked every 10 steps). Default 1e-10; 0 runs every step. */
  gradTolerance?: number;
  /** About how many (log-spaced) points the loss curve keeps. Default 100. */
  curvePoints?: number;
}

export interface SpectralLossDescent {
  /** N×k float64 minimizer found. */
  f: Tensor;
  /** L(F) = ‖A − FFᵀ‖²_F at the end (from the trace form, see spectralLossDescent). */
  loss: number;
  /** Steps done. */
  steps: number;
  /** ‖∇L(F)‖_F at the end. */
  gradNorm: number;
  /** (step, L(F)) at log-spaced steps, step 0 (the init) and the last step included. */
  lossCurve: { step: number; loss: number }[];
  /** ‖A‖²_F, the constant between the matrix form and the spectral loss. */
  constant: number;
}

/**
 * Plain gradient descent on L(F) = ‖A − FFᵀ‖²_F over F ∈ ℝ^{N×k}, from a small
 * random F₀, with the closed-form gradient ∇L = 4·(FFᵀ − A)·F = 4·(F·(FᵀF) − A·F)
 * (A symmetric). The loss is evaluated in trace form,
 * L = ‖A‖²_F − 2·tr(FᵀAF) + ‖FᵀF‖²_F, from the A·F the step needs anyway, so
 * no N×N product FFᵀ is ever formed. Float64 throughout.
 */
export function spectralLossDescent(a: Tensor, k: number, o: SpectralLossDescentOptions = {}): SpectralLossDescent {
  const n = checkSymmetric(a, 'spectralLossDescent');
  if (!Number.isInteger(k) || k < 1 || k > n)
    throw new Error(`spectralLossDescent: k must be an integer in 1…${n}, got ${k}`);
  const steps = o.steps ?? 5000;
  const lr = o.lr ?? 0.1;
  const initScale = o.initScale ?? 1e-3;
  const gradTolerance = o.gradTolerance ?? 1e-10;
  const curvePoints = o.curvePoints ?? 100;
  const seed = o.seed ?? 0;
  if (!Number.isInteger(steps) || steps < 0)
    throw new Error(`spectralLossDescent: steps must be an integer ≥ 0, got ${steps}`);
  if (!(Number.isFinite(lr) && lr > 0)) throw new Error(`spectralLossDescent: lr must be finite and > 0, got ${lr}`);
  if (!(Number.isFinite(initScale) && initScale > 0))
    throw new Error(`spectralLossDescent: initScale must be finite and > 0, got ${initScale}`);
  if (!(gradTolerance >= 0)) throw new Error(`spectralLossDescent: gradTolerance must be ≥ 0, got ${gradTolerance}`);
  if (!Number.isInteger(curvePoints) || curvePoints < 2)
    throw new Error(`spectralLossDescent: curvePoints must be an integer ≥ 2, got ${curvePoints}`);
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new Error(`spectralLossDescent: seed must be an integer ≥ 0, got ${seed}`);

  const record = logSpacedSteps(steps, curvePoints);
  return tidy(() => {
    const a64 = a.double();
    const constant = a64.square().sum().item();
    let f = tidy(() => randn([n, k], { dtype: 'float64', generator: new Generator(seed) }).mul(initScale));
    const lossCurve: { step: number; loss: number }[] = [];
    let loss = Number.NaN;
    let gradNorm = Number.NaN;
    let done = 0;
    for (let step = 0; ; step++) {
      const last = step === steps;
      const check = last || step % 10 === 0;
      const next = tidy(() => {
        const af = a64.mm(f);
        const gram = f.t().mm(f);
        const grad = f.mm(gram).sub(af).mul(4);
        const out: { f?: Tensor; loss?: number; gradNorm?: number } = {};
        if (record.has(step) || last || check) {
          // ‖A‖² − 2·tr(FᵀAF) + ‖FᵀF‖²; tr(FᵀAF) = Σ F ⊙ AF.
          out.loss = constant - 2 * f.mul(af).sum().item() + gram.square().sum().item();
          out.gradNorm = grad.norm().item();
        }
        if (!last) out.f = f.sub(grad.mul(lr));
        return out;
      });
      if (next.loss !== undefined) {
        loss = next.loss;
        gradNorm = next.gradNorm as number;
        if (!Number.isFinite(loss)) {
          throw new Error(
            `spectralLossDescent: the loss diverged at step ${step} (lr ${lr} too large for this matrix)`,
          );
        }
      }
      const converged = check && gradNorm <= gradTolerance;
      if (record.has(step) || last || converged) lossCurve.push({ step, loss });
      if (last || converged) {
        next.f?.dispose();
        done = step;
        break;
      }
      f.dispose();
      f = next.f as Tensor;
    }
    return { f, loss, steps: done, gradNorm, lossCurve, constant };
  });
}

export interface OptimumOnMatrix extends Omit<SpectralLossDescent, 'f' | 'loss'> {
  /** The k used. */
  k: number;
  /** All eigenvalues of A, descending (dense eigh). */
  eigenvalues: number[];
  /** λ_k − λ_{k+1} (0 when k = N). */
  eigengap: number;
  /** Σ of λᵢ² over the eigenvalues not kept (see eckartYoung): the optimum of ‖A − FFᵀ‖²_F. */
  eckartYoung: number;
  /** ‖A − FFᵀ‖²_F at the end, computed directly from the N×N difference. */
  finalLoss: number;
  /** finalLoss − eckartYoung (≥ 0 up to rounding). */
  gap: number;
  /** gap / eckartYoung; gap / ‖A‖²_F when the optimum is 0. */
  relativeGap: number;
  /** The spectral loss form −2·tr(FᵀAF) + ‖FᵀF‖²_F = finalLoss − ‖A‖²_F at the end, and its optimum. */
  spectralLoss: { final: number; optimum: number };
  /** ‖F − U_kΛ_k^{1/2}R*‖_F / ‖U_kΛ_k^{1/2}‖_F with R* the orthogonal Procrustes rotation (Λ clamped at 0). */
  procrustesResidual: number;
  /** The learned N×k F (float64); the caller disposes it. */
  f: Tensor;
  /** The N×k target U_kΛ_k^{1/2} (float64); the caller disposes it. */
  target: Tensor;
}

/**
 * Theorem 1 on a given dense symmetric matrix A (e.g. a normalized adjacency Ā):
 * runs spectralLossDescent and compares the result with the dense
 * eigendecomposition A = UΛUᵀ — the loss with the Eckart–Young optimum
 * (eckartYoung), and F with U_kΛ_k^{1/2} up to the best orthogonal R
 * (orthogonalProcrustes; unique only when λ_k > λ_{k+1}, so choose k at an eigengap).
 * k = 'auto' picks the k ∈ 1…maxK (default N − 1) with the largest λ_k − λ_{k+1}.
 */
export function optimumOnMatrix(
  a: Tensor,
  kOption: number | 'auto',
  o: SpectralLossDescentOptions & { maxK?: number } = {},
): OptimumOnMatrix {
  const fn = 'optimumOnMatrix';
  const n = checkSymmetric(a, fn);
  if (kOption !== 'auto' && !(Number.isInteger(kOption) && kOption >= 1 && kOption <= n)) {
    throw new Error(`${fn}: k must be 'auto' or an integer in 1…${n}, got ${String(kOption)}`);
  }
  const maxK = o.maxK ?? n - 1;
  if (kOption === 'auto' && !(Number.isInteger(maxK) && maxK >= 1 && maxK < n)) {
    throw new Error(`${fn}: maxK must be an integer in 1…${n - 1}, got ${maxK}`);
  }
  return tidy(() => {
    const a64 = a.double();
    const eig = linalg.eigh(a64);
    const values = Array.from(eig.values.flip(0).data() as Float64Array);
    const k = kOption === 'auto' ? largestGap(values, maxK) : kOption;
    const uk = eig.vectors.narrow(1, n - k, k).flip(1);
    const lambda = tensor(Float64Array.from(values.slice(0, k), (v) => Math.sqrt(Math.max(v, 0))));
    const target = uk.mul(lambda.reshape(1, k));
    const run = spectralLossDescent(a64, k, o);
    const finalLoss = tidy(() => a64.sub(run.f.mm(run.f.t())).square().sum().item());
    const optimum = eckartYoung(values, k);
    const gap = finalLoss - optimum;
    const relativeGap = optimum > 0 ? gap / optimum : gap / run.constant;
    const p = orthogonalProcrustes(target, run.f);
    const scale = target.norm().item();
    return {
      k,
      eigenvalues: values,
      eigengap: k < n ? (values[k - 1] as number) - (values[k] as number) : 0,
      eckartYoung: optimum,
      finalLoss,
      gap,
      relativeGap,
      spectralLoss: { final: finalLoss - run.constant, optimum: optimum - run.constant },
      procrustesResidual: scale > 0 ? p.residual / scale : p.residual,
      steps: run.steps,
      gradNorm: run.gradNorm,
      lossCurve: run.lossCurve,
      constant: run.constant,
      f: run.f,
      target,
    };
  });
}

export interface OptimumOptions extends SpectralLossDescentOptions {
  /** r, the number of manifolds of the mixture. Default 3. */
  manifolds?: number;
  /** Ambient dimension d. Default max(r, 2) (centres on a regular simplex). */
  ambientDim?: number;
  /** Curvature of the manifolds (manifoldMixture). Default: manifoldMixture's (1). */
  curvature?: number;
  /** Distance between manifold centres in units of their spread (manifoldMixture). Default 2. */
  separation?: number;
  /** N, the number of augmented vertices of the graph. Default 600. */
  vertices?: number;
  /** Augmentations drawn per natural point; n̄ = ⌈N/copies⌉ natural points. Default 4. */
  copies?: number;
  /** σ of the Gaussian augmentation (also the graph's). Default 0.5. */
  sigma?: number;
  /** The embedding dimension, or 'auto': the k ∈ 1…maxK with the largest eigengap λ_k − λ_{k+1}. Default 'auto'. */
  k?: number | 'auto';
  /** Largest k 'auto' considers. Default 2r. */
  maxK?: number;
}

export interface OptimumReport extends Omit<OptimumOnMatrix, 'f' | 'target'> {
  /** The settings used (defaults filled in). */
  settings: Required<Omit<OptimumOptions, 'k' | 'curvature'>> & { k: number | 'auto'; curvature: number };
  /** N. */
  vertices: number;
  /** ‖f·R − f*‖_F/‖f*‖_F for the learned f(x) = w_x^{-1/2}·F_x and the spectral embedding f* (spectralEmbedding), R by Procrustes. */
  embeddingResidual: number;
  /** Wall-clock seconds of the whole check. */
  seconds: number;
}

/**
 * `specl theory optimum`: theorem 1 on the exact augmentation graph of a
 * manifold mixture. Draws n̄ natural points from manifoldMixture, `copies`
 * Gaussian augmentations of each (σ) as the N vertices, builds Ā with
 * augmentationGraph (same σ), picks k (at an eigengap with 'auto'), and runs
 * optimumOnMatrix. Also compares the learned representation f(x) = w_x^{-1/2}F_x
 * with the spectral embedding f*(x) = w_x^{-1/2}(U_kΛ_k^{1/2})_x up to rotation.
 */
export function optimumCheck(o: OptimumOptions = {}): OptimumReport {
  const start = performance.now();
  const manifolds = o.manifolds ?? 3;
  const ambientDim = o.ambientDim ?? Math.max(manifolds, 2);
  const separation = o.separation ?? 2;
  const vertices = o.vertices ?? 600;
  const copies = o.copies ?? 4;
  const sigma = o.sigma ?? 0.5;
  const seed = o.seed ?? 0;
  const maxK = o.maxK ?? 2 * manifolds;
  const kOption = o.k ?? 'auto';
  const fn = 'optimumCheck';
  if (!Number.isInteger(manifolds) || manifolds < 1)
    throw new Error(`${fn}: manifolds must be an integer ≥ 1, got ${manifolds}`);
  if (!Number.isInteger(vertices) || vertices < 2)
    throw new Error(`${fn}: vertices must be an integer ≥ 2, got ${vertices}`);
  if (!Number.isInteger(copies) || copies < 1) throw new Error(`${fn}: copies must be an integer ≥ 1, got ${copies}`);
  if (!(Number.isFinite(sigma) && sigma > 0)) throw new Error(`${fn}: sigma must be finite and > 0, got ${sigma}`);
  if (!Number.isInteger(maxK) || maxK < 1 || maxK >= vertices)
    throw new Error(`${fn}: maxK must be an integer in 1…${vertices - 1}, got ${maxK}`);
  if (kOption !== 'auto' && !(Number.isInteger(kOption) && kOption >= 1 && kOption < vertices)) {
    throw new Error(`${fn}: k must be 'auto' or an integer in 1…${vertices - 1}, got ${String(kOption)}`);
  }
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`${fn}: seed must be an integer ≥ 0, got ${seed}`);

  const mixture = manifoldMixture({
    manifolds,
    ambientDim,
    separation,
    seed,
    ...(o.curvature !== undefined ? { curvature: o.curvature } : {}),
  });
  const result = tidy(() => {
    const natural = mixture.sample(Math.ceil(vertices / copies), seed + 1).x;
    const x = gaussianAugment(natural, sigma, copies, seed + 2).x.narrow(0, 0, vertices);
    const ag = augmentationGraph({ natural, vertices: x, sigma });
    const r = optimumOnMatrix(ag.normalizedAdjacency, kOption, { ...o, maxK });
    const emb = spectralEmbedding(ag.graph, r.k, { method: 'dense' });
    const scale = emb.degrees.rsqrt().reshape(vertices, 1);
    const learned = r.f.mul(scale);
    const p = orthogonalProcrustes(learned, emb.embedding);
    const { f: _f, target: _t, ...rest } = r;
    return { ...rest, embeddingResidual: p.relativeResidual };
  });
  return {
    ...result,
    settings: {
      manifolds,
      ambientDim,
      separation,
      curvature: mixture.options.curvature,
      vertices,
      copies,
      sigma,
      seed,
      maxK,
      k: kOption,
      steps: o.steps ?? 5000,
      lr: o.lr ?? 0.1,
      initScale: o.initScale ?? 1e-3,
      gradTolerance: o.gradTolerance ?? 1e-10,
      curvePoints: o.curvePoints ?? 100,
    },
    vertices,
    seconds: (performance.now() - start) / 1000,
  };
}

/** The k ∈ 1…maxK maximizing λ_k − λ_{k+1} (values descending); the smallest such k on ties. */
export function largestGap(values: ArrayLike<number>, maxK: number): number {
  let best = 1;
  let bestGap = Number.NEGATIVE_INFINITY;
  for (let k = 1; k <= Math.min(maxK, values.length - 1); k++) {
    const g = (values[k - 1] as number) - (values[k] as number);
    if (g > bestGap) {
      bestGap = g;
      best = k;
    }
  }
  return best;
}

/** Steps 0…steps at which the loss curve records: 0, last, and ≈points log-spaced between. */
function logSpacedSteps(steps: number, points: number): Set<number> {
  const out = new Set<number>([0, steps]);
  for (let i = 0; i < points; i++) out.add(Math.round((steps + 1) ** (i / (points - 1)) - 1));
  return out;
}

function checkSymmetric(a: Tensor, fn: string): number {
  if (a.ndim !== 2 || a.size(0) !== a.size(1) || a.size(0) === 0) {
    throw new Error(`${fn}: a must be a non-empty dense symmetric N×N matrix, got shape [${a.shape}]`);
  }
  if (a.layout !== 'Strided') throw new Error(`${fn}: a must be a dense matrix, got layout ${a.layout}`);
  const [asym, scale, finite] = tidy(() => {
    const x = a.double();
    return [x.sub(x.t()).abs().max().item(), x.abs().max().item(), x.isfinite().all().item()];
  });
  if (!finite) throw new Error(`${fn}: a must be finite`);
  if (asym > 1e-10 * Math.max(scale, 1e-300)) throw new Error(`${fn}: a must be symmetric (max |A − Aᵀ| = ${asym})`);
  return a.size(0);
}
