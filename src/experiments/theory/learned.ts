/**
 * Theorem check 2 ("specl theory learned", HaoChen, Wei, Gaidon, Ma 2021):
 * an MLP trained with the batch spectral contrastive loss on Gaussian
 * augmentations of data from a mixture of manifolds learns features whose span
 * is the span of the top-k eigenfunctions of the augmentation kernel.
 *
 * The setting, all of it exact:
 * - natural data: n̄ points x̄ drawn once from `manifoldMixture`, then fixed, with
 *   p(x̄) = 1/n̄, so training samples come from exactly the distribution that
 *   defines the graph;
 * - augmentation A(x|x̄) = N(x̄, σ²I); a positive pair (x, x⁺) is two independent
 *   augmentations of one x̄; a batch draws its B natural points i.i.d. (with
 *   replacement), so z1ᵢ and z2ⱼ (i ≠ j) are independent draws of the
 *   augmented marginal p(x) = Σ_x̄ p(x̄)A(x|x̄) and the batch loss is an
 *   unbiased estimate of L(f) = −2·E[f(x)ᵀf(x⁺)] + E[(f(x)ᵀf(x′))²] (times 1/μ)
 *   whenever no row is clipped to the μ-ball;
 * - target: L's minimizers are f = (√λᵢψᵢ)_{i≤k}·R, with ψᵢ the top
 *   eigenfunctions of K(x, x′) = w(x, x′)/(p(x)p(x′)) in L²(p) and
 *   w(x, x′) = Σ_x̄ p(x̄)A(x|x̄)A(x′|x̄); on N vertices X drawn from p (stratified
 *   over x̄) the Nyström matrix M = K(X, X)/N has eigenvectors U ≈ ψ(X)/√N and
 *   eigenvalues ≈ λ (see nystrom.ts). The check: principal angles between
 *   span(f(X)) (N×k learned features) and span(U_k), reported as their cosines.
 * Also reported: min L = −Σ_{i≤k} λᵢ² (Eckart–Young; λ from the co-posterior
 * matrix on 50 augmentations per natural point, see nystrom.ts) against the
 * trained network's loss estimated on fresh batches; the Procrustes residual
 * ‖f(X)R − √N·U_kΛ_k^{1/2}‖/‖√N·U_kΛ_k^{1/2}‖ (scale too, not only span); and the
 * same network at its random initialization as a floor.
 */

import { spectralContrastiveLoss } from '../../methods/losses.ts';
import { MLP } from '../../nn/index.ts';
import { Adam, applySchedule, warmupCosine } from '../../optim/index.ts';
import {
  fail,
  follows,
  intAtLeast,
  nullable,
  numberIn,
  type OptionsOf,
  option,
  optionsPart,
  orWord,
  positive,
  positiveInt,
  refine,
  resolveOptions,
  type Schema,
  type SettingsOf,
  seed as seedCheck,
} from '../../options/index.ts';
import { Generator, linalg, noGrad, randint, randn, type Tensor, tensor, tidy } from '../../tensor/index.ts';
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
  FLOAT64_BYTES,
  type MemoryEstimate,
  memoryLimitOf,
} from '../../theory/memory.ts';
import { coPosteriorMatrix, coPosteriorMemory, nystromKernel } from '../../theory/nystrom.ts';
import { principalAngleCosines } from '../../theory/principal-angles.ts';
import { orthogonalProcrustes } from '../../theory/procrustes.ts';

/**
 * The options of `specl theory learned`, declared once: the CLI's flags, its
 * `--help` and docs/theory.md come from here.
 */
export const LEARNED_OPTIONS = {
  manifolds: option(positiveInt, 2, 'r, the number of manifolds (classes) in the mixture'),
  ambientDim: option(intAtLeast(2), 8, 'd, the dimension of the space the manifolds live in (the network’s input)'),
  intrinsicDim: MANIFOLD_MIXTURE_OPTIONS.intrinsicDim,
  sigma: option(augmentationSigma, 1, 'σ of the Gaussian augmentation: a positive pair is x̄ + σε, x̄ + σε′'),
  separation: option(mixtureScale, 6, 'distance between manifold centres in units of their spread'),
  curvature: MANIFOLD_MIXTURE_OPTIONS.curvature,
  naturalPoints: option(
    positiveInt,
    follows('60r', (o) => 60 * o.get('manifolds')),
    'n̄, the natural points x̄ drawn once and then fixed (at least r)',
  ),
  vertices: option(
    intAtLeast(2),
    2000,
    'N, the points of the augmented distribution the learned features are compared on (the Nyström matrix)',
  ),
  k: option(
    orWord(positiveInt, ['auto'] as const),
    'auto',
    'the feature dimension, or auto: the k in [r, 2r] with the largest eigengap of the kernel operator',
  ),
  hidden: option(positiveInt, 128, 'hidden width of the MLP d → h → h → k'),
  steps: option(positiveInt, 2000, 'training steps of Adam, one batch each'),
  batchSize: option(intAtLeast(2), 512, 'natural points per batch (two views of each)'),
  lr: option(positive, 2e-3, 'peak learning rate of Adam (warm-up, then cosine decay to a hundredth)'),
  mu: option(
    nullable(
      refine(numberIn(0, 1e30, 'lower'), 'a number in (0, 1e30] (the loss is float32, at most 3.4e38)', () => true),
    ),
    follows('10k', () => null),
    'μ of the loss: rows with ‖z‖² > μ are rescaled; the default is far above ‖f‖² at the optimum',
  ),
  seed: option(seedCheck, 0, 'seeds the data, the vertices, the initialization and the batches'),
} satisfies Schema;

export type LearnedOptions = OptionsOf<typeof LEARNED_OPTIONS> & {
  /** Called every `steps/100` steps with the mean batch loss × μ over those steps. */
  onProgress?: (step: number, loss: number) => void;
  /** Bytes the check may plan to use (default: 80 % of the machine's memory, see theory/memory.ts). */
  memoryLimit?: number;
};

/** `LEARNED_OPTIONS` resolved; `mu` is the μ used (10k unless given) once the check has run. */
export type LearnedSettings = Omit<SettingsOf<typeof LEARNED_OPTIONS>, 'mu'> & { mu: number };

export interface LearnedResult {
  /** The options as run: `LEARNED_OPTIONS` resolved, mu with the chosen k. */
  settings: LearnedSettings;
  /** The feature dimension used. */
  k: number;
  /** Top eigenvalues of M, descending (max(2k, 2r + 1) of them, at most N); operator eigenvalues beyond n̄ are 0. */
  eigenvalues: number[];
  /** λ_k − λ_{k+1} of M (how well the target span is determined). */
  eigengap: number;
  /** Mean of `cosines`. */
  meanCosine: number;
  /** Principal-angle cosines between span(f(X)) and span(U_k), descending. */
  cosines: number[];
  /** The same at the network's random initialization (the floor). */
  randomInitMeanCosine: number;
  randomInitCosines: number[];
  /** ‖f(X)R − T‖_F/‖T‖_F after orthogonal Procrustes, T = √N·U_kΛ_k^{1/2} (the optimum's scale, not only its span). */
  procrustesResidual: number;
  /** The same at the random initialization. */
  randomInitProcrustesResidual: number;
  /** (step, mean of part1 + part2 over the steps since the last point): the batch loss × μ. */
  lossCurve: { step: number; loss: number }[];
  /** The trained network's L(f) estimated on fresh batches (part1 + part2, no gradient). */
  finalLoss: number;
  /** Standard error of `finalLoss` over the evaluation batches. */
  finalLossStdError: number;
  /**
   * Top eigenvalues of the kernel operator, descending, from the n̄×n̄
   * co-posterior matrix G on 50 augmentations per natural point (nystrom.ts):
   * the same quantity as `eigenvalues` with a far larger sample (λ₁ = 1 in the limit).
   */
  operatorEigenvalues: number[];
  /** λ_k − λ_{k+1} of `operatorEigenvalues` (what k = 'auto' maximizes). */
  operatorEigengap: number;
  /** Eckart–Young optimum min L = −Σ_{i≤k} λᵢ², λ = `operatorEigenvalues`. */
  optimalLoss: number;
  /** Fraction of training rows (both views, all steps) with ‖z‖² > μ, i.e. rescaled by the loss. */
  clippedFraction: number;
  /** Wall-clock seconds of the whole check. */
  seconds: number;
  /** First two learned dimensions after Procrustes to T, per vertex, with the vertex's manifold. */
  embedding2d: { x: Float64Array; y: Float64Array; labels: Int32Array };
}

const EVAL_BATCHES = 8;
/** Augmentations per natural point for the co-posterior matrix behind `operatorEigenvalues`. */
const OPERATOR_SAMPLES_PER_POINT = 50;
const EVAL_BATCH_SIZE = 2048;

/** `LEARNED_OPTIONS` resolved and checked together (mu stays null when not given: it depends on k). */
export function resolveLearnedOptions(o: LearnedOptions = {}): SettingsOf<typeof LEARNED_OPTIONS> {
  const fn = 'theory learned';
  const onProgress = (o as { onProgress?: unknown } | undefined)?.onProgress;
  if (onProgress !== undefined && typeof onProgress !== 'function') fail(fn, 'onProgress', 'a function', onProgress);
  const s = resolveOptions(LEARNED_OPTIONS, optionsPart(o, ['onProgress', 'memoryLimit']), fn);
  const r = s.manifolds;
  if (s.naturalPoints < r) fail(fn, 'naturalPoints', `an integer ≥ r = ${r}`, s.naturalPoints);
  if (s.intrinsicDim >= s.ambientDim) {
    fail(fn, 'intrinsicDim', `an integer in [1, ambientDim − 1 = ${s.ambientDim - 1}]`, s.intrinsicDim);
  }
  if (s.k !== 'auto' && s.k >= s.vertices) {
    fail(fn, 'k', `"auto" or an integer in [1, vertices − 1 = ${s.vertices - 1}]`, s.k);
  }
  if (s.k === 'auto' && 2 * r + 1 > s.vertices) {
    fail(fn, 'vertices', `at least 2·manifolds + 1 = ${2 * r + 1} with k = "auto"`, s.vertices);
  }
  const limit = memoryLimitOf(fn, (o as { memoryLimit?: unknown } | undefined)?.memoryLimit);
  const alternative =
    'the sparse path for large graphs: specl theory separability --graph knn --eigs-method chebyshev (this check needs the dense Nyström matrix and its eigendecomposition)';
  checkAmbientDim(fn, s.ambientDim, {
    points: s.vertices + operatorSamples(s.naturalPoints, s.vertices) + s.naturalPoints,
    manifolds: r,
    intrinsicDim: s.intrinsicDim,
    limit,
  });
  // While its sample is 50·n̄ (N ≤ 50·n̄) the co-posterior matrix grows as n̄² alone: too many
  // natural points are named as such; then the whole check, vertices included.
  if (Math.ceil(s.vertices / s.naturalPoints) <= OPERATOR_SAMPLES_PER_POINT) {
    checkDenseMemory({
      owner: fn,
      key: 'naturalPoints',
      n: s.naturalPoints,
      estimate: {
        bytes: (nbar) => coPosteriorMemory(nbar).bytes(operatorSamples(nbar, s.vertices)),
        formula: `the co-posterior matrix: 9 dense N′×n̄ float64 matrices and 3 n̄×n̄ on N′ = n̄·max(50, ⌈N/n̄⌉) = ${operatorSamples(s.naturalPoints, s.vertices)} samples, 8·(9N′·n̄ + 3n̄²) bytes`,
      },
      limit,
      alternative: `fewer vertices, or ${alternative}`,
    });
  }
  checkDenseMemory({
    owner: fn,
    key: 'vertices',
    n: s.vertices,
    estimate: learnedMemory(s.naturalPoints, s.ambientDim),
    limit,
    alternative,
  });
  // The network: k is not known before 'auto' picks it, at most 2r.
  const k = s.k === 'auto' ? 2 * r : s.k;
  checkDenseMemory({
    owner: fn,
    key: 'hidden',
    n: s.hidden,
    estimate: { bytes: (h) => networkMemory(s.ambientDim, h, k, s.batchSize), formula: NETWORK_FORMULA },
    limit,
    smallest: 1,
    alternative: 'a smaller batchSize',
  });
  checkDenseMemory({
    owner: fn,
    key: 'batchSize',
    n: s.batchSize,
    estimate: { bytes: (b) => networkMemory(s.ambientDim, s.hidden, k, b), formula: NETWORK_FORMULA },
    limit,
    alternative: 'a smaller hidden width',
  });
  return s;
}

const NETWORK_FORMULA =
  'the MLP d → h → h → k in float32: its P = dh + h² + hk weights 4 times (with gradients and Adam’s two moments), and the activations of two views of B′ = max(B, 2048) rows, 16·P + 24·B′·(d + 2h + k) bytes';

/** The memory of the MLP and its batches (NETWORK_FORMULA). */
function networkMemory(d: number, h: number, k: number, b: number): number {
  const params = d * h + h * h + h * k;
  return 16 * params + 24 * Math.max(b, EVAL_BATCH_SIZE) * (d + 2 * h + k);
}

/**
 * The peak memory of `specl theory learned` at N vertices, n̄ natural points
 * in d dimensions, the co-posterior sample N′ = n̄·max(50, ⌈N/n̄⌉):
 * 8·(5N² + 3N·n̄ + 4N·d) bytes + 128 MiB for the Nyström matrix M
 * (augmentationGraphMemory, then M and eigh's 3), or, once M and its
 * eigenvectors are kept, 8·(2N² + 9N′·n̄ + 3n̄²) bytes for the co-posterior
 * matrix (coPosteriorMemory) — the larger of the two.
 */
export function learnedMemory(nbar: number, d: number): MemoryEstimate {
  const nystrom = (n: number) => FLOAT64_BYTES * (5 * n * n + 3 * n * nbar + 4 * n * d) + CHUNK_BUFFERS;
  const operator = (n: number) => FLOAT64_BYTES * 2 * n * n + coPosteriorMemory(nbar).bytes(operatorSamples(nbar, n));
  return {
    bytes: (n) => Math.max(nystrom(n), operator(n)),
    formula: `the larger of 8·(5N² + 3N·n̄ + 4N·d) bytes + 128 MiB (the Nyström matrix) and 8·(2N² + 9N′·n̄ + 3n̄²) bytes (the co-posterior matrix on N′ = n̄·max(50, ⌈N/n̄⌉) samples; n̄ = ${nbar}, d = ${d})`,
  };
}

/** The estimated peak memory of `learnedFeaturesCheck(o)` in bytes (learnedMemory at its settings); pure. */
export function learnedPeakMemory(o: LearnedOptions = {}): number {
  const s = resolveOptions(LEARNED_OPTIONS, optionsPart(o, ['onProgress', 'memoryLimit']), 'theory learned');
  return learnedMemory(s.naturalPoints, s.ambientDim).bytes(s.vertices);
}

/** N′, the augmentations the co-posterior matrix is estimated on: n̄·max(50, ⌈N/n̄⌉). */
function operatorSamples(nbar: number, vertices: number): number {
  return nbar * Math.max(OPERATOR_SAMPLES_PER_POINT, Math.ceil(vertices / nbar));
}

/** The k in [r, 2r] with the largest λ_k − λ_{k+1} (ties: the smallest k). */
export function autoK(values: ArrayLike<number>, r: number): number {
  let best = r;
  let bestGap = Number.NEGATIVE_INFINITY;
  for (let k = r; k <= 2 * r && k < values.length; k++) {
    const gap = (values[k - 1] as number) - (values[k] as number);
    if (gap > bestGap) {
      best = k;
      bestGap = gap;
    }
  }
  return best;
}

/** f(X) for the rows of `x` (already in the network's input coordinates), float64, no gradient. */
function features(mlp: MLP, x: Tensor): Tensor {
  return noGrad(() => tidy(() => mlp.forward(x).double()));
}

/**
 * Runs the check (see the file comment): builds the mixture, the vertices and
 * the Nyström matrix, picks k, trains the MLP with `spectralContrastiveLoss`
 * and Adam, and compares span(f(X)) with span(U_k). Synchronous; a few
 * seconds to a minute at the defaults.
 */
export function learnedFeaturesCheck(o: LearnedOptions = {}): LearnedResult {
  const s = resolveLearnedOptions(o);
  const t0 = performance.now();
  const r = s.manifolds;
  const d = s.ambientDim;
  const nbar = s.naturalPoints;
  const n = s.vertices;

  return tidy(() => {
    // ---- data, vertices, Nyström matrix, target subspace -----------------
    const mixture = manifoldMixture({
      manifolds: r,
      ambientDim: d,
      intrinsicDim: s.intrinsicDim,
      curvature: s.curvature,
      separation: s.separation,
      seed: s.seed,
    });
    const natural = mixture.sample(nbar, s.seed + 1);
    const xbar = natural.x.double();
    // Stratified over x̄ (vertex i augments x̄_{i mod n̄}): a lower-variance sample of p.
    const sourceIdx = BigInt64Array.from({ length: n }, (_, i) => BigInt(i % nbar));
    const vertexSources = xbar.indexSelect(0, tensor(sourceIdx));
    const vertices = gaussianAugment(vertexSources, s.sigma, 1, s.seed + 2).x.double();
    const labels = Int32Array.from({ length: n }, (_, i) => natural.labels[i % nbar] as number);

    const m = nystromKernel({ natural: xbar, vertices, sigma: s.sigma }).matrix;
    const eig = linalg.eigh(m);
    const all = eig.values.data() as Float64Array; // ascending
    const desc = (i: number): number => all[n - 1 - i] as number;
    // The operator's eigenvalues from the n̄×n̄ co-posterior matrix on a much larger
    // sample than M's: they pick k (a tail natural point that M's few vertices
    // undersample can fake an eigenvalue in M) and give the Eckart–Young optimum.
    const perPoint = Math.max(OPERATOR_SAMPLES_PER_POINT, Math.ceil(n / nbar));
    const opSamples = gaussianAugment(xbar, s.sigma, perPoint, s.seed + 4).x;
    const opAll = linalg
      .eigvalsh(coPosteriorMatrix({ natural: xbar, vertices: opSamples, sigma: s.sigma }))
      .data() as Float64Array;
    const opDesc = (i: number): number => (i < nbar ? (opAll[nbar - 1 - i] as number) : 0);
    const k =
      s.k === 'auto'
        ? autoK(
            Array.from({ length: 2 * r + 2 }, (_, i) => opDesc(i)),
            r,
          )
        : s.k;
    const mu = s.mu ?? 10 * k;
    const shown = Math.min(n, Math.max(2 * k, 2 * r + 1));
    const eigenvalues = Array.from({ length: shown }, (_, i) => desc(i));
    const eigengap = desc(k - 1) - desc(k);
    const operatorEigenvalues = Array.from({ length: shown }, (_, i) => opDesc(i));
    const operatorEigengap = opDesc(k - 1) - opDesc(k);
    let optimalLoss = 0;
    for (let i = 0; i < k; i++) optimalLoss -= opDesc(i) ** 2;
    const uk = eig.vectors.narrow(1, n - k, k).flip(1); // top k, descending
    const lambdaK = tensor(Float64Array.from({ length: k }, (_, i) => Math.sqrt(Math.max(0, desc(i)))));
    const target = uk.mul(lambdaK.reshape(1, k)).mul(Math.sqrt(n));

    // ---- network input coordinates: a fixed affine standardization of x --
    const center = xbar.mean(0, true);
    const scale = Math.sqrt(xbar.sub(center).square().sum(1).mean().item()) || 1;
    const toInput = (x: Tensor): Tensor => x.double().sub(center).div(scale).float();
    const naturalIn = toInput(xbar);
    const verticesIn = toInput(vertices);
    const sigmaIn = s.sigma / scale;

    const gen = new Generator(s.seed + 3);
    const mlp = new MLP([d, s.hidden, s.hidden, k], { generator: gen });
    const opt = new Adam(mlp.parameters());
    try {
      return trainAndCompare();
    } finally {
      // Parameters and optimizer state live outside scopes: free them here.
      opt.dispose();
      mlp.dispose();
    }

    function trainAndCompare(): LearnedResult {
      const f0 = features(mlp, verticesIn);
      const randomInitCosines = Array.from(principalAngleCosines(f0, uk));
      const randomInitProcrustesResidual = tidy(() => orthogonalProcrustes(f0, target).relativeResidual);

      // ---- training -------------------------------------------------------
      const schedule = warmupCosine({
        baseLr: s.lr,
        warmupSteps: Math.floor(s.steps / 20),
        totalSteps: s.steps + 1,
        finalLr: s.lr / 100,
      });
      const b = s.batchSize;
      const batch = (): [Tensor, Tensor] => {
        const xb = naturalIn.indexSelect(0, randint(0, nbar, [b], { generator: gen }));
        const x1 = xb.add(randn([b, d], { generator: gen }).mul(sigmaIn));
        const x2 = xb.add(randn([b, d], { generator: gen }).mul(sigmaIn));
        return [x1, x2];
      };
      const logEvery = Math.max(1, Math.floor(s.steps / 100));
      const lossCurve: { step: number; loss: number }[] = [];
      let clipped = 0;
      let acc = 0;
      let accCount = 0;
      for (let step = 1; step <= s.steps; step++) {
        applySchedule(opt, schedule, step);
        const out = tidy(() => {
          const [x1, x2] = batch();
          const z1 = mlp.forward(x1);
          const z2 = mlp.forward(x2);
          const l = spectralContrastiveLoss(z1, z2, mu);
          const over = noGrad(() => z1.square().sum(1).gt(mu).sum().add(z2.square().sum(1).gt(mu).sum()).item());
          const value = l.part1.add(l.part2).item();
          opt.zeroGrad();
          l.loss.backward();
          opt.step();
          return { value, over };
        });
        if (!Number.isFinite(out.value)) {
          throw new Error(`learnedFeaturesCheck: the loss became ${out.value} at step ${step}; lower lr (now ${s.lr})`);
        }
        clipped += out.over;
        acc += out.value;
        accCount++;
        if (step % logEvery === 0 || step === s.steps) {
          const point = { step, loss: acc / accCount };
          lossCurve.push(point);
          o?.onProgress?.(point.step, point.loss);
          acc = 0;
          accCount = 0;
        }
      }

      // ---- evaluation -----------------------------------------------------
      const evals: number[] = [];
      const evalB = Math.max(b, EVAL_BATCH_SIZE);
      for (let i = 0; i < EVAL_BATCHES; i++) {
        evals.push(
          noGrad(() =>
            tidy(() => {
              const xb = naturalIn.indexSelect(0, randint(0, nbar, [evalB], { generator: gen }));
              const z1 = mlp.forward(xb.add(randn([evalB, d], { generator: gen }).mul(sigmaIn))).double();
              const z2 = mlp.forward(xb.add(randn([evalB, d], { generator: gen }).mul(sigmaIn))).double();
              // μ = ∞ in effect: the population loss of f itself, whatever the clipping.
              const l = spectralContrastiveLoss(z1, z2, Number.MAX_VALUE);
              return l.part1.add(l.part2).item();
            }),
          ),
        );
      }
      const finalLoss = evals.reduce((a, v) => a + v, 0) / evals.length;
      const variance = evals.reduce((a, v) => a + (v - finalLoss) ** 2, 0) / Math.max(1, evals.length - 1);

      const f = features(mlp, verticesIn);
      const cosines = Array.from(principalAngleCosines(f, uk));
      const fit = orthogonalProcrustes(f, target);
      const residual = fit.relativeResidual;
      const aligned = f.mm(fit.rotation);
      const x2d = new Float64Array(n);
      const y2d = new Float64Array(n);
      const a = aligned.data() as Float64Array;
      for (let i = 0; i < n; i++) {
        x2d[i] = a[i * k] as number;
        y2d[i] = k > 1 ? (a[i * k + 1] as number) : 0;
      }
      const mean = (v: number[]): number => v.reduce((p, q) => p + q, 0) / v.length;
      return {
        settings: { ...s, mu },
        k,
        eigenvalues,
        eigengap,
        meanCosine: mean(cosines),
        cosines,
        randomInitMeanCosine: mean(randomInitCosines),
        randomInitCosines,
        procrustesResidual: residual,
        randomInitProcrustesResidual,
        lossCurve,
        finalLoss,
        finalLossStdError: Math.sqrt(variance / evals.length),
        operatorEigenvalues,
        operatorEigengap,
        optimalLoss,
        clippedFraction: clipped / (2 * b * s.steps),
        seconds: (performance.now() - t0) / 1000,
        embedding2d: { x: x2d, y: y2d, labels },
      };
    }
  });
}
