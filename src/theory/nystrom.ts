/**
 * The Nyström discretization of the kernel whose top eigenfunctions minimize
 * the population spectral contrastive loss, on a finite vertex set.
 *
 * Natural data x̄ ~ p(x̄) (finite support here), augmentation A(x|x̄) = N(x; x̄, σ²I),
 * positive pair = two independent augmentations of one x̄. Then
 *   w(x, x′) = Σ_x̄ p(x̄)·A(x|x̄)·A(x′|x̄)   (joint density of a positive pair),
 *   p(x)     = Σ_x̄ p(x̄)·A(x|x̄) = ∫ w(x, x′) dx′   (augmented marginal, = w_x),
 *   K(x, x′) = w(x, x′) / (p(x)·p(x′)).
 * The population loss L(f) = −2·E[f(x)ᵀf(x⁺)] + E[(f(x)ᵀf(x′))²] equals
 * ‖Ā − uuᵀ‖² − ‖Ā‖² with u(x) = √p(x)·f(x) and Ā(x, x′) = w/√(p(x)p(x′)), so
 * (Eckart–Young) its minimizers are f = (√λ₁ψ₁, …, √λ_kψ_k)·R, R orthogonal,
 * where ψᵢ are the top eigenfunctions of K in L²(p): ∫ K(x, x′)ψ(x′)p(x′)dx′ = λψ(x),
 * and min L = −Σ_{i≤k} λᵢ². For vertices x₁…x_N drawn from p, the Nyström
 * matrix M_ij = K(xᵢ, x_j)/N has eigenvalues ≈ λᵢ and eigenvectors ≈ ψᵢ(X)/√N.
 * (λ₁ = 1 with ψ₁ = 1 exactly, since ∫ w(x, x′)dx′ = p(x).)
 *
 * The marginal is the exact density p(xᵢ), not a row sum of the finite graph.
 *
 * With Φ(x, x̄) = √p(x̄)·A(x|x̄)/p(x) = π(x̄|x)/√p(x̄) (π the posterior of the
 * natural point given the augmentation), K(x, x′) = Σ_x̄ Φ(x, x̄)Φ(x′, x̄), so
 * M = ΦΦᵀ/N and the n̄×n̄ matrix G = ΦᵀΦ/N = Σᵢ π(·|xᵢ)π(·|xᵢ)ᵀ/(N·√p√p) have the
 * same non-zero eigenvalues. G is a Monte Carlo estimate of the operator's
 * n̄×n̄ form E_x[π(·|x)π(·|x)ᵀ]/√(p(x̄)p(x̄′)), so many more samples than M's N vertices
 * are cheap: that is how the eigenvalues for the Eckart–Young optimum are estimated.
 */
import { checked, nonNegative, positive } from '../options/index.ts';
import { nnf, opT, type Tensor, tensor, tidy } from '../tensor/index.ts';
import { augmentationGraph, augmentationGraphMemory } from './augmentation-graph.ts';
import { checkDenseMemory, FLOAT64_BYTES, type MemoryEstimate } from './memory.ts';

export interface NystromKernelOptions {
  /** Natural points x̄, n̄×d. */
  natural: Tensor;
  /** Vertices x, N×d (draws from the augmented marginal p). */
  vertices: Tensor;
  /** Augmentation standard deviation σ > 0. */
  sigma: number;
  /** p(x̄), non-negative and summing to 1 (default uniform 1/n̄). */
  probabilities?: Float64Array;
}

export interface NystromKernel {
  /** N×N float64 M_ij = w(xᵢ, x_j)/(N·p(xᵢ)·p(x_j)), symmetric. */
  matrix: Tensor;
  /** N float64: log p(xᵢ) = logsumexp_x̄ (log p(x̄) + log A(xᵢ|x̄)). */
  logMarginal: Tensor;
}

/** log p(x) for each row of `vertices`: logsumexp over x̄ of log p(x̄) + log N(x; x̄, σ²I). */
export function logAugmentedMarginal(
  natural: Tensor,
  vertices: Tensor,
  sigma: number,
  probabilities: Float64Array,
): Tensor {
  const d = natural.shape[1] as number;
  return tidy(() => {
    const xb = natural.double();
    const center = xb.mean(0, true);
    const a = vertices.double().sub(center);
    const b = xb.sub(center);
    const sq = a
      .square()
      .sum(1, true)
      .add(
        b
          .square()
          .sum(1)
          .reshape(1, b.shape[0] as number),
      )
      .sub(a.mm(b.t()).mul(2))
      .clamp(0);
    const logNorm = (-d / 2) * Math.log(2 * Math.PI * sigma * sigma);
    const logP = tensor(Float64Array.from(probabilities, Math.log)).reshape(1, probabilities.length);
    return sq
      .mul(-1 / (2 * sigma * sigma))
      .add(logNorm)
      .add(logP)
      .logsumexp(1);
  });
}

function checkInputs(fn: string, o: NystromKernelOptions): Float64Array {
  const { natural, vertices, sigma } = o;
  if (natural.ndim !== 2 || (natural.shape[0] as number) < 1 || (natural.shape[1] as number) < 1) {
    throw new Error(`${fn}: natural must be a non-empty n̄×d matrix, got shape [${natural.shape}]`);
  }
  if (vertices.ndim !== 2 || (vertices.shape[0] as number) < 1 || vertices.shape[1] !== natural.shape[1]) {
    throw new Error(`${fn}: vertices must be a non-empty N×${natural.shape[1]} matrix, got shape [${vertices.shape}]`);
  }
  checked(fn, 'sigma', positive, sigma);
  const nbar = natural.shape[0] as number;
  const p = o.probabilities ?? new Float64Array(nbar).fill(1 / nbar);
  if (p.length !== nbar) throw new Error(`${fn}: probabilities must have n̄ = ${nbar} entries, got ${p.length}`);
  let total = 0;
  p.forEach((v, i) => {
    checked(fn, `probabilities[${i}]`, nonNegative, v);
    total += v;
  });
  if (Math.abs(total - 1) > 1e-9) throw new Error(`${fn}: probabilities must sum to 1 (a distribution), got ${total}`);
  return p;
}

/**
 * The peak memory of `coPosteriorMatrix` for N vertices and n̄ natural points:
 * the N×n̄ squared distances and posteriors, 9 float64 N×n̄ matrices while they
 * are formed, and 3 n̄×n̄ for G: 8·(9N·n̄ + 3n̄²) bytes.
 */
export function coPosteriorMemory(nbar: number): MemoryEstimate {
  return {
    bytes: (n) => FLOAT64_BYTES * (9 * n * nbar + 3 * nbar * nbar),
    formula: `9 dense N×n̄ float64 matrices and 3 n̄×n̄, 8·(9N·n̄ + 3n̄²) bytes (n̄ = ${nbar})`,
  };
}

/**
 * The peak memory of `nystromKernel` for N vertices, n̄ natural points in d
 * dimensions: that of `augmentationGraph`, whose log-weights it then turns
 * into M with at most 3 N×N float64 alive.
 */
export function nystromKernelMemory(nbar: number, d: number): MemoryEstimate {
  return augmentationGraphMemory(nbar, d);
}

/**
 * G = ΦᵀΦ/N, n̄×n̄ float64 (see the file comment): G_ab = (1/N)·Σᵢ π(a|xᵢ)·π(b|xᵢ)/√(p_a·p_b)
 * with the posterior π(a|x) = p_a·A(x|a)/p(x) from a row-wise softmax in log
 * space. Its non-zero eigenvalues are those of `nystromKernel` on the same
 * vertices; natural points with p = 0 get zero rows and columns.
 */
export function coPosteriorMatrix(o: NystromKernelOptions): Tensor {
  const p = checkInputs('coPosteriorMatrix', o);
  const { natural, vertices, sigma } = o;
  const nbar = natural.shape[0] as number;
  const n = vertices.shape[0] as number;
  checkDenseMemory({
    owner: 'coPosteriorMatrix',
    key: 'vertices',
    n,
    estimate: coPosteriorMemory(nbar),
    alternative: 'fewer vertices or natural points (the N×n̄ posterior is dense)',
  });
  return tidy(() => {
    const xb = natural.double();
    const center = xb.mean(0, true);
    const a = vertices.double().sub(center);
    const b = xb.sub(center);
    const sq = a.square().sum(1, true).add(b.square().sum(1).reshape(1, nbar)).sub(a.mm(b.t()).mul(2)).clamp(0);
    // log p_a + log A(x|a) up to the x-independent Gaussian constant, which the softmax cancels.
    const logP = tensor(Float64Array.from(p, (v) => (v > 0 ? Math.log(v) : Number.NEGATIVE_INFINITY))).reshape(1, nbar);
    const post = nnf.softmax(sq.mul(-1 / (2 * sigma * sigma)).add(logP), 1);
    const invSqrtP = tensor(Float64Array.from(p, (v) => (v > 0 ? 1 / Math.sqrt(v) : 0))).reshape(1, nbar);
    const phi = post.mul(invSqrtP);
    const g = phi.t().mm(phi).div(n);
    return g.add(g.t()).mul(0.5);
  });
}

/**
 * The Nyström matrix M = K(X, X)/N of the augmentation kernel (see the file
 * comment), from the exact log-weights of `augmentationGraph` and the exact
 * log-marginals, combined in log space.
 */
export function nystromKernel(o: NystromKernelOptions): NystromKernel {
  const p = checkInputs('nystromKernel', o);
  const { natural, vertices, sigma } = o;
  const nbar = natural.shape[0] as number;
  const n = vertices.shape[0] as number;
  checkDenseMemory({
    owner: 'nystromKernel',
    key: 'vertices',
    n,
    estimate: nystromKernelMemory(nbar, natural.shape[1] as number),
    alternative: 'fewer vertices (the Nyström matrix is dense)',
  });
  return tidy(() => {
    const g = augmentationGraph({ natural, vertices, sigma, probabilities: p });
    // Only the log-weights are needed: free the graph's two other N×N matrices now.
    g.graph.weights.dispose();
    g.normalizedAdjacency.dispose();
    // Zero-probability points contribute nothing to p(x); drop them so log 0 never enters.
    const keepIdx: number[] = [];
    for (let i = 0; i < nbar; i++) if ((p[i] as number) > 0) keepIdx.push(i);
    const support =
      keepIdx.length === nbar ? natural : natural.indexSelect(0, tensor(BigInt64Array.from(keepIdx, BigInt)));
    const logMarginal = logAugmentedMarginal(
      support,
      vertices,
      sigma,
      Float64Array.from(keepIdx, (i) => p[i] as number),
    );
    const lm = logMarginal.reshape(n, 1);
    // In place where possible: x − a − b − c, then (X + Xᵀ)/2 (exact symmetry for eigh), then exp.
    const logM = g.logWeights.sub(lm).sub_(lm.reshape(1, n)).sub_(Math.log(n));
    g.logWeights.dispose();
    const matrix = logM.add(logM.t()).mul_(0.5);
    logM.dispose();
    opT('aten::exp_', [matrix]);
    return { matrix, logMarginal };
  });
}
