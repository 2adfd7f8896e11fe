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
import { Generator, linalg, noGrad, randint, randn, type Tensor, tensor, tidy } from '../../tensor/index.ts';
import { gaussianAugment, manifoldMixture } from '../../theory/manifolds.ts';
import { coPosteriorMatrix, nystromKernel } from './nystrom.ts';
import { principalAngleCosines } from './principal-angles.ts';

export interface LearnedOptions {
  /** Number r of manifolds (classes). */
  manifolds: number;
  /** Ambient dimension d (default 8). */
  ambientDim?: number;
  /** Intrinsic dimension of each manifold (default 1: curves). */
  intrinsicDim?: number;
  /** Augmentation standard deviation σ (default 1). */
  sigma?: number;
  /** Separation between manifolds, passed to `manifoldMixture` (default 6). */
  separation?: number;
  /** Curvature of the manifolds, passed to `manifoldMixture` (default 1). */
  curvature?: number;
  /** Natural points n̄ (default 60·r). */
  naturalPoints?: number;
  /** Vertices N of the Nyström matrix (default 2000). */
  vertices?: number;
  /**
   * Feature dimension k, or 'auto' (default): the k in [r, 2r] with the largest
   * gap λ_k − λ_{k+1} of the operator's eigenvalues (`operatorEigenvalues`).
   */
  k?: number | 'auto';
  /** Hidden width of the MLP d → h → h → k (default 128). */
  hidden?: number;
  /** Adam steps (default 2000). */
  steps?: number;
  /** Natural points per batch B (two views each; default 512). */
  batchSize?: number;
  /** Peak learning rate of Adam, warm-up then cosine decay (default 2e-3). */
  lr?: number;
  /** μ of the loss: rows with ‖z‖² > μ are clipped (default 10·k, far above ‖f‖² ≈ Σλᵢψᵢ² at the optimum). */
  mu?: number;
  /** Seed of the data, the vertices, the initialization and the batches (default 0). */
  seed?: number;
  /** Called every `steps/100` steps with the mean batch loss × μ over those steps. */
  onProgress?: (step: number, loss: number) => void;
}

export interface LearnedSettings {
  manifolds: number;
  ambientDim: number;
  intrinsicDim: number;
  sigma: number;
  separation: number;
  curvature: number;
  naturalPoints: number;
  vertices: number;
  k: number | 'auto';
  hidden: number;
  steps: number;
  batchSize: number;
  lr: number;
  mu: number;
  seed: number;
}

export interface LearnedResult {
  /** The options as run (defaults filled in; mu resolved with the chosen k). */
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

function positiveInteger(name: string, v: number, min = 1): number {
  if (!(Number.isInteger(v) && v >= min)) {
    throw new Error(`learnedFeaturesCheck: ${name} must be an integer ≥ ${min}, got ${v}`);
  }
  return v;
}

function positiveNumber(name: string, v: number): number {
  if (!(Number.isFinite(v) && v > 0))
    throw new Error(`learnedFeaturesCheck: ${name} must be a finite number > 0, got ${v}`);
  return v;
}

/** Defaults filled in and every field checked (mu stays undefined when not given: it depends on k). */
export function resolveLearnedOptions(o: LearnedOptions): Omit<LearnedSettings, 'mu'> & { mu?: number } {
  if (typeof o !== 'object' || o === null) throw new Error('learnedFeaturesCheck: options must be an object');
  const r = positiveInteger('manifolds', o.manifolds);
  const s = {
    manifolds: r,
    ambientDim: positiveInteger('ambientDim', o.ambientDim ?? 8),
    intrinsicDim: positiveInteger('intrinsicDim', o.intrinsicDim ?? 1),
    sigma: positiveNumber('sigma', o.sigma ?? 1),
    separation: o.separation ?? 6,
    curvature: o.curvature ?? 1,
    naturalPoints: positiveInteger('naturalPoints', o.naturalPoints ?? 60 * r, r),
    vertices: positiveInteger('vertices', o.vertices ?? 2000, 2),
    k: o.k ?? 'auto',
    hidden: positiveInteger('hidden', o.hidden ?? 128),
    steps: positiveInteger('steps', o.steps ?? 2000),
    batchSize: positiveInteger('batchSize', o.batchSize ?? 512, 2),
    lr: positiveNumber('lr', o.lr ?? 2e-3),
    mu: o.mu === undefined ? undefined : positiveNumber('mu', o.mu),
    seed: o.seed ?? 0,
  };
  for (const key of ['separation', 'curvature'] as const) {
    if (!(Number.isFinite(s[key]) && s[key] >= 0)) {
      throw new Error(`learnedFeaturesCheck: ${key} must be a finite number ≥ 0, got ${s[key]}`);
    }
  }
  if (!(Number.isSafeInteger(s.seed) && s.seed >= 0)) {
    throw new Error(`learnedFeaturesCheck: seed must be a non-negative integer, got ${s.seed}`);
  }
  if (s.k !== 'auto' && !(Number.isInteger(s.k) && s.k >= 1 && s.k < s.vertices)) {
    throw new Error(
      `learnedFeaturesCheck: k must be 'auto' or an integer in [1, vertices − 1 = ${s.vertices - 1}], got ${s.k}`,
    );
  }
  if (s.k === 'auto' && 2 * r + 1 > s.vertices) {
    throw new Error(
      `learnedFeaturesCheck: k = 'auto' needs vertices ≥ 2·manifolds + 1 = ${2 * r + 1}, got ${s.vertices}`,
    );
  }
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') {
    throw new Error('learnedFeaturesCheck: onProgress must be a function');
  }
  return s;
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
 * Orthogonal Procrustes: R = argmin_{RᵀR = I} ‖FR − T‖_F = UVᵀ for FᵀT = USVᵀ.
 * Returns FR and the relative residual ‖FR − T‖_F/‖T‖_F.
 */
function procrustes(f: Tensor, t: Tensor): { aligned: Tensor; residual: number } {
  return tidy(() => {
    const { U, Vh } = linalg.svd(f.t().mm(t));
    const aligned = f.mm(U.mm(Vh));
    const residual = aligned.sub(t).norm().item() / t.norm().item();
    return { aligned, residual };
  });
}

/**
 * Runs the check (see the file comment): builds the mixture, the vertices and
 * the Nyström matrix, picks k, trains the MLP with `spectralContrastiveLoss`
 * and Adam, and compares span(f(X)) with span(U_k). Synchronous; a few
 * seconds to a minute at the defaults.
 */
export function learnedFeaturesCheck(o: LearnedOptions): LearnedResult {
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
      const randomInitProcrustesResidual = tidy(() => procrustes(f0, target).residual);

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
          o.onProgress?.(point.step, point.loss);
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
      const { aligned, residual } = procrustes(f, target);
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
