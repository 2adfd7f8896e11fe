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

import {
  checked,
  fail,
  follows,
  intAtLeast,
  intIn,
  nonNegative,
  nonNegativeInt,
  type OptionsOf,
  option,
  optionsPart,
  orWord,
  pick,
  positive,
  positiveInt,
  resolveOptions,
  type Schema,
  type SettingsOf,
  seed as seedCheck,
} from '../../options/index.ts';
import { Generator, linalg, opT, randn, type Tensor, tensor, tidy } from '../../tensor/index.ts';
import { augmentationGraph } from '../../theory/augmentation-graph.ts';
import {
  augmentationSigma,
  checkAmbientDim,
  gaussianAugment,
  MANIFOLD_MIXTURE_OPTIONS,
  manifoldMixture,
  mixtureScale,
} from '../../theory/manifolds.ts';
import {
  CHUNK_BUFFERS,
  checkDenseMemory,
  denseMatrices,
  FLOAT64_BYTES,
  type MemoryEstimate,
  memoryLimitOf,
} from '../../theory/memory.ts';
import { orthogonalProcrustes } from '../../theory/procrustes.ts';
import { spectralEmbedding } from '../../theory/spectral-embedding.ts';

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
  checked('eckartYoung', 'k', nonNegativeInt, k);
  const sorted = Float64Array.from(eigenvalues).sort().reverse();
  let rest = 0;
  for (let i = 0; i < n; i++) {
    const v = sorted[i] as number;
    if (!Number.isFinite(v)) fail('eckartYoung', 'eigenvalues', 'finite numbers', v);
    if (i >= k || v < 0) rest += v * v;
  }
  return rest;
}

/** The options of `spectralLossDescent` (plain gradient descent on ‖A − FFᵀ‖²), declared once. */
export const SPECTRAL_LOSS_DESCENT_OPTIONS = {
  steps: option(nonNegativeInt, 5000, 'gradient steps at most'),
  lr: option(
    positive,
    0.1,
    'step size η of F ← F − η·∇L (stable below 0.25 on a normalized adjacency, whose spectrum lies in [−1, 1])',
  ),
  initScale: option(positive, 1e-3, 'the starting F has i.i.d. N(0, s²) entries: a small random start'),
  seed: option(seedCheck, 0, 'seeds the starting F'),
  gradTolerance: option(
    nonNegative,
    1e-10,
    'stop once ‖∇L(F)‖ is at most this (checked every 10 steps); 0 runs every step',
  ),
  curvePoints: option(intAtLeast(2), 100, 'about how many points (log-spaced in the step) the loss curve keeps'),
} satisfies Schema;

export type SpectralLossDescentOptions = OptionsOf<typeof SPECTRAL_LOSS_DESCENT_OPTIONS>;

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
  const fn = 'spectralLossDescent';
  const n = checkSymmetric(a, fn);
  checked(fn, 'k', intIn(1, n), k);
  const { steps, lr, initScale, gradTolerance, curvePoints, seed } = resolveOptions(
    SPECTRAL_LOSS_DESCENT_OPTIONS,
    o,
    fn,
  );

  const record = logSpacedSteps(steps, curvePoints);
  return tidy(() => {
    const a64 = a.double();
    const constant = tidy(() => a64.square().sum().item());
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
          // F₀ᵀF₀ ≈ N·s²·I; gradient descent is stable while lr·λ_max(FᵀF) stays small,
          // so a large step and a large start both diverge.
          const start = `initScale ${initScale} (F₀ᵀF₀ ≈ N·s²·I, N·s² = ${(n * initScale * initScale).toPrecision(3)})`;
          throw new Error(
            step === 0
              ? `spectralLossDescent: the loss is not finite at the start: lower ${start}`
              : `spectralLossDescent: the loss diverged at step ${step}: lower lr ${lr} (stable below about 1/(4·λ_max(A)), 0.25 on a normalized adjacency) or ${start}`,
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
 * The peak memory of `optimumOnMatrix` beyond A itself: eigh's 3 N×N float64
 * (eigenvectors and workspace), then the eigenvectors and the two temporaries
 * of ‖A − FFᵀ‖²: 8·3·N² bytes.
 */
export function optimumOnMatrixMemory(): MemoryEstimate {
  return denseMatrices(3);
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
  o: SpectralLossDescentOptions & { maxK?: number; memoryLimit?: number } = {},
): OptimumOnMatrix {
  const fn = 'optimumOnMatrix';
  const n = checkSymmetric(a, fn);
  checked(fn, 'k', orWord(intIn(1, n), ['auto'] as const), kOption);
  const { maxK: givenMaxK, memoryLimit: _limit, ...descent } = o;
  const maxK = givenMaxK ?? n - 1;
  if (kOption === 'auto') checked(fn, 'maxK', intIn(1, n - 1), maxK);
  checkDenseMemory({
    owner: fn,
    key: 'N',
    n,
    estimate: optimumOnMatrixMemory(),
    limit: o.memoryLimit,
    alternative: 'a smaller matrix (the check needs the dense eigendecomposition of A)',
  });
  return tidy(() => {
    const a64 = a.double();
    const eig = linalg.eigh(a64);
    const values = Array.from(eig.values.flip(0).data() as Float64Array);
    const k = kOption === 'auto' ? largestGap(values, maxK) : kOption;
    const uk = eig.vectors.narrow(1, n - k, k).flip(1);
    const lambda = tensor(Float64Array.from(values.slice(0, k), (v) => Math.sqrt(Math.max(v, 0))));
    const target = uk.mul(lambda.reshape(1, k));
    const run = spectralLossDescent(a64, k, descent);
    // ‖FFᵀ − A‖²_F with one N×N temporary besides the square (FFᵀ − A, formed in place).
    const finalLoss = tidy(() => run.f.mm(run.f.t()).sub_(a64).square().sum().item());
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

/**
 * The options of `specl theory optimum`, declared once: the CLI's flags, its
 * `--help` and docs/theory.md come from here.
 */
export const OPTIMUM_OPTIONS = {
  manifolds: option(positiveInt, 3, 'r, the number of manifolds (curves) in the mixture'),
  ambientDim: option(
    intAtLeast(2),
    follows('max(r, 2)', (o) => Math.max(o.get('manifolds'), 2)),
    'd, the dimension of the space the manifolds live in (their centres on a regular simplex)',
  ),
  curvature: MANIFOLD_MIXTURE_OPTIONS.curvature,
  separation: option(mixtureScale, 2, 'distance between manifold centres in units of their spread'),
  vertices: option(intAtLeast(2), 600, 'N, the augmented points: the vertices of the augmentation graph'),
  copies: option(positiveInt, 4, 'augmentations drawn of each natural point (N/copies natural points)'),
  sigma: option(augmentationSigma, 0.5, 'σ of the Gaussian augmentation x = x̄ + σε (also the graph’s)'),
  k: option(
    orWord(positiveInt, ['auto'] as const),
    'auto',
    'the embedding dimension, or auto: the k up to max-k with the largest eigengap λ_k − λ_{k+1}',
  ),
  maxK: option(
    positiveInt,
    follows('2r', (o) => 2 * o.get('manifolds')),
    'the largest k that k = auto considers',
  ),
  ...SPECTRAL_LOSS_DESCENT_OPTIONS,
  seed: option(seedCheck, 0, 'seeds the mixture, the augmentations and the starting F'),
} satisfies Schema;

export type OptimumOptions = OptionsOf<typeof OPTIMUM_OPTIONS> & {
  /** Bytes the check may plan to use (default: 80 % of the machine's memory, see theory/memory.ts). */
  memoryLimit?: number;
};
export type OptimumSettings = SettingsOf<typeof OPTIMUM_OPTIONS>;

export interface OptimumReport extends Omit<OptimumOnMatrix, 'f' | 'target'> {
  /** The options as run: `OPTIMUM_OPTIONS` resolved, every default filled in. */
  settings: OptimumSettings;
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
  const fn = 'theory optimum';
  const limit = memoryLimitOf(fn, (o as { memoryLimit?: unknown } | undefined)?.memoryLimit);
  const settings = resolveOptions(OPTIMUM_OPTIONS, optionsPart(o, ['memoryLimit']), fn);
  const { manifolds, ambientDim, curvature, separation, vertices, copies, sigma, k: kOption, maxK, seed } = settings;
  if (copies > vertices) fail(fn, 'copies', `an integer in [1, vertices = ${vertices}]`, copies);
  const naturalPoints = Math.ceil(vertices / copies);
  if (manifolds > naturalPoints) {
    fail(
      fn,
      'manifolds',
      `at most the ${naturalPoints} natural points (⌈vertices/copies⌉: each manifold needs one)`,
      manifolds,
    );
  }
  if (maxK >= vertices) {
    // Left to its default 2r, max-k is too large because manifolds is.
    const given = (o as { maxK?: unknown } | undefined)?.maxK !== undefined;
    if (!given) {
      fail(
        fn,
        'manifolds',
        `at most ${Math.floor((vertices - 1) / 2)} with max-k at its default 2r (below vertices = ${vertices})`,
        manifolds,
      );
    }
    fail(fn, 'maxK', `an integer in [1, ${vertices - 1}] (below vertices)`, maxK);
  }
  if (kOption !== 'auto' && kOption >= vertices) {
    fail(fn, 'k', `"auto" or an integer in [1, ${vertices - 1}] (below vertices)`, kOption);
  }
  checkAmbientDim(fn, ambientDim, { points: 2 * vertices + naturalPoints, manifolds, intrinsicDim: 1, limit });
  checkDenseMemory({
    owner: fn,
    key: 'vertices',
    n: vertices,
    estimate: optimumMemory(copies, ambientDim),
    limit,
    alternative:
      'the sparse path for large graphs: specl theory separability --graph knn --eigs-method chebyshev (a k-NN graph and the iterative eigensolver; this check needs the dense eigendecomposition)',
  });

  const mixture = manifoldMixture({ manifolds, ambientDim, separation, seed, curvature });
  const result = tidy(() => {
    const natural = mixture.sample(Math.ceil(vertices / copies), seed + 1).x;
    const x = gaussianAugment(natural, sigma, copies, seed + 2).x.narrow(0, 0, vertices);
    const ag = augmentationGraph({ natural, vertices: x, sigma });
    ag.logWeights.dispose(); // not needed here: one N×N matrix less at the peak
    const descent = pick(SPECTRAL_LOSS_DESCENT_OPTIONS, settings);
    const r = optimumOnMatrix(ag.normalizedAdjacency, kOption, { ...descent, maxK, memoryLimit: limit });
    ag.normalizedAdjacency.dispose(); // spectralEmbedding forms its own Ā from the graph
    const emb = spectralEmbedding(ag.graph, r.k, { method: 'dense' });
    const scale = emb.degrees.rsqrt().reshape(vertices, 1);
    const learned = r.f.mul(scale);
    const p = orthogonalProcrustes(learned, emb.embedding);
    const { f: _f, target: _t, ...rest } = r;
    return { ...rest, embeddingResidual: p.relativeResidual };
  });
  return {
    ...result,
    settings,
    vertices,
    seconds: (performance.now() - start) / 1000,
  };
}

/**
 * The peak memory of `specl theory optimum` at N vertices, n̄ = ⌈N/copies⌉
 * natural points in d dimensions: 8·(5N² + 3N·n̄ + 4N·d) bytes + 128 MiB,
 * the largest of its phases with the N×d points around them — the
 * augmentation graph (augmentationGraphMemory: 4N² + 3N·n̄ + 2N·d + 128 MiB),
 * then the weights and Ā with optimumOnMatrix's 3 (eigh), then the weights,
 * the spectral embedding's Ā and its eigh's 3.
 */
export function optimumMemory(copies: number, d: number): MemoryEstimate {
  return denseMatrices(5, {
    bytes: (n) => FLOAT64_BYTES * (3 * n * Math.ceil(n / copies) + 4 * n * d) + CHUNK_BUFFERS,
    formula: `8·(3N·n̄ + 4N·d) bytes + 128 MiB for the N×n̄ and N×d parts (n̄ = ⌈N/${copies}⌉, d = ${d})`,
  });
}

/** The estimated peak memory of `optimumCheck(o)` in bytes (optimumMemory at its settings); pure. */
export function optimumPeakMemory(o: OptimumOptions = {}): number {
  const s = resolveOptions(OPTIMUM_OPTIONS, optionsPart(o, ['memoryLimit']), 'theory optimum');
  return optimumMemory(s.copies, s.ambientDim).bytes(s.vertices);
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
  // One N×N temporary at a time: A may take a large share of memory.
  const x = a.double();
  const finite = tidy(() => x.isfinite().all().item());
  const scale = tidy(() => x.abs().max().item());
  const asym = tidy(() => {
    const diff = x.sub(x.t());
    opT('aten::abs_', [diff]);
    return diff.max().item();
  });
  if (x !== a) x.dispose();
  if (!finite) throw new Error(`${fn}: a must be finite`);
  if (asym > 1e-10 * Math.max(scale, 1e-300)) throw new Error(`${fn}: a must be symmetric (max |A − Aᵀ| = ${asym})`);
  return a.size(0);
}
