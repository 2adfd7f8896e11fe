/**
 * The toy of the transfer theorems: a class × domain stochastic-block
 * *expected* graph (Shen et al., "Connect, Not Collapse", ICML 2022;
 * HaoChen, Wei, Kumar, Ma, "Beyond Separability", NeurIPS 2022), its exact
 * spectral embedding, and the target accuracy of a linear head fit on the
 * source domain.
 *
 * C classes × D domains, n nodes per group g = (c, d) (group index c·D + d,
 * nodes g·n … g·n + n − 1). The weight of nodes i ∈ g, j ∈ h is B[g,h]:
 * ρ (same class, same domain, self-loops included), α (same class, other
 * domain), β (other class, same domain), γ (other class, other domain).
 *
 * Spectrum (derivation). W = B ⊗ J_n (J the all-ones matrix), every degree is
 * n·s with s = ρ + (D−1)α + (C−1)β + (C−1)(D−1)γ, so Ā = W/(n·s). For
 * Bv = μv, Ā(v ⊗ 1_n) = (μ/s)(v ⊗ 1_n); vectors summing to 0 inside every
 * group have eigenvalue 0 (multiplicity G(n−1), G = C·D). With
 * B = ρI + α·I_C⊗(J_D−I) + β·(J_C−I)⊗I_D + γ·(J_C−I)⊗(J_D−I), the
 * eigenvectors of B are a ⊗ b with a ∈ {1_C, ⊥1_C}, b ∈ {1_D, ⊥1_D} (J ↦ C
 * or 0), giving four eigenvalues μ of B (those of Ā are μ/s):
 * - constant, 1 ⊗ 1:            s                                (×1)
 * - class, ⊥ ⊗ 1:               ρ − β + (D−1)(α − γ)             (×(C−1))
 * - domain, 1 ⊗ ⊥:              ρ − α + (C−1)(β − γ)             (×(D−1))
 * - class×domain, ⊥ ⊗ ⊥:        ρ − α − β + γ                    (×(C−1)(D−1))
 *
 * Transfer (derivations for `sourceToTargetAccuracy`, least squares with an
 * intercept, fit on domain 0, scored on domain 1):
 * 1. Whole group space (k ≥ G, every μ > 0, so the top G eigenpairs are the
 *    block ones): F*F*ᵀ = Ā, hence f*(x)ᵀf*(x′) = B[g,h]/(ns)² whatever the
 *    rotation. The source Gram is ∝ (ρ−β)I + βJ, the target–source one
 *    ∝ (α−γ)I + γJ; centred, they are (ρ−β)H and (α−γ)H with H = I − J/C, and
 *    the target scores are 1/C + ((α−γ)/(ρ−β))·H: the true class wins by
 *    (α−γ)/(ρ−β). Accuracy 1 if α > γ (so γ = 0 with α > 0 transfers
 *    perfectly), 1/C (all classes tied) if α = γ, 0 if α < γ.
 * 2. k = C with the class eigenvalue above the domain and class×domain ones
 *    (with γ = 0: D·α > C·β): the top C eigenvectors are 1 and ⊥ ⊗ 1, f*
 *    depends on the class alone, a target node sits on its class's source
 *    point, and the head interpolating the C source points has accuracy 1.
 * 3. k = D with the domain eigenvalue on top instead: f* depends on the
 *    domain alone, the source nodes share one point, the head is constant:
 *    accuracy 1/C. The ordering of the eigenvalues, not separability, decides.
 * 4. α = γ: the class and class×domain eigenvalues coincide (ρ − β), their
 *    (C−1)·D-dimensional eigenspace holds class directions confined to one
 *    domain, and for any k that does not split an eigenspace the target–source
 *    Gram is constant across classes: accuracy 1/C. A k that splits it leaves
 *    the embedding to the eigensolver's choice of basis (see `gap`).
 */
import {
  checked,
  fail,
  intIn,
  nonNegative,
  nonNegativeInt,
  type OptionsOf,
  option,
  optionsPart,
  positive,
  positiveInt,
  required,
  resolveOptions,
  type Schema,
} from '../options/index.ts';
import { linalg, noGrad, Tensor, tensor, tidy } from '../tensor/index.ts';
import { denseGraph, type Graph } from './graph.ts';
import { checkDenseMemory, denseMatrices } from './memory.ts';
import { type SpectralEmbedding, spectralEmbedding } from './spectral-embedding.ts';

/** The options of `classDomainBlockGraph`, declared once (src/options). */
export const CLASS_DOMAIN_BLOCK_OPTIONS = {
  classes: option(positiveInt, required<number>(), 'C, the number of classes'),
  domains: option(positiveInt, required<number>(), 'D, the number of domains'),
  perGroup: option(positiveInt, required<number>(), 'n, the nodes of each (class, domain) group'),
  rho: option(positive, required<number>(), 'ρ, the edge weight inside a group (self-loops included)'),
  alpha: option(nonNegative, required<number>(), 'α, the edge weight between groups of one class in different domains'),
  beta: option(nonNegative, required<number>(), 'β, the edge weight between groups of different classes in one domain'),
  gamma: option(nonNegative, required<number>(), 'γ, the edge weight between groups differing in class and domain'),
} satisfies Schema;

export type ClassDomainBlockOptions = OptionsOf<typeof CLASS_DOMAIN_BLOCK_OPTIONS> & {
  /** Bytes the dense graph and its eigendecomposition may take (default: 80 % of the machine's memory). */
  memoryLimit?: number;
};

/** The block graph and its node labels. */
export interface ClassDomainBlockGraph {
  /** Dense, N = C·D·n nodes; node i is in group ⌊i/n⌋. */
  graph: Graph;
  /** Class of each node (N). */
  classes: Int32Array;
  /** Domain of each node (N). */
  domains: Int32Array;
}

/** One eigenvalue of Ā for the block graph, its multiplicity and the directions it belongs to. */
export interface BlockEigenvalue {
  kind: 'constant' | 'class' | 'domain' | 'classDomain' | 'withinGroup';
  value: number;
  multiplicity: number;
}

/**
 * The C·D·n-node class × domain block graph (module comment): w_ij = ρ, α,
 * β or γ by the kind of the pair of groups of i and j, w_ii = ρ. ρ > 0 keeps
 * every degree positive.
 */
export function classDomainBlockGraph(o: ClassDomainBlockOptions): ClassDomainBlockGraph {
  const fn = 'classDomainBlockGraph';
  const memoryLimit = o?.memoryLimit;
  const s = resolveOptions(CLASS_DOMAIN_BLOCK_OPTIONS, optionsPart(o, ['memoryLimit']), fn);
  const { classes: C, domains: D, perGroup: n } = s;
  const G = C * D;
  const N = G * n;
  // W, then Ā, then eigh's 3 for the embedding: refuse before allocating.
  checkDenseMemory({
    owner: fn,
    key: 'nodes (classes·domains·perGroup)',
    n: N,
    estimate: denseMatrices(5),
    limit: memoryLimit,
    alternative: 'fewer nodes per group (the spectrum does not depend on n, see blockSpectrum)',
  });
  const b = new Float64Array(G * G);
  for (let g = 0; g < G; g++) {
    for (let h = 0; h < G; h++) {
      const sameClass = Math.floor(g / D) === Math.floor(h / D);
      const sameDomain = g % D === h % D;
      b[g * G + h] = sameClass ? (sameDomain ? s.rho : s.alpha) : sameDomain ? s.beta : s.gamma;
    }
  }
  // W = B ⊗ J_n by broadcasting, without an N×N host array.
  const weights = tidy(() => tensor(b, [G, 1, G, 1]).expand(G, n, G, n).contiguous().reshape(N, N));
  const group = (i: number) => Math.floor(i / n);
  return {
    graph: denseGraph(weights),
    classes: Int32Array.from({ length: N }, (_, i) => Math.floor(group(i) / D)),
    domains: Int32Array.from({ length: N }, (_, i) => group(i) % D),
  };
}

/**
 * The closed-form spectrum of Ā for the block graph (module comment),
 * descending by value: constant 1, class, domain and class×domain μ/s, and
 * 0 for the within-group directions; kinds of multiplicity 0 are left out.
 */
export function blockSpectrum(o: ClassDomainBlockOptions): BlockEigenvalue[] {
  const p = resolveOptions(CLASS_DOMAIN_BLOCK_OPTIONS, optionsPart(o, ['memoryLimit']), 'blockSpectrum');
  const { classes: C, domains: D, perGroup: n, rho, alpha, beta, gamma } = p;
  const s = rho + (D - 1) * alpha + (C - 1) * beta + (C - 1) * (D - 1) * gamma;
  const all: BlockEigenvalue[] = [
    { kind: 'constant', value: 1, multiplicity: 1 },
    { kind: 'class', value: (rho - beta + (D - 1) * (alpha - gamma)) / s, multiplicity: C - 1 },
    { kind: 'domain', value: (rho - alpha + (C - 1) * (beta - gamma)) / s, multiplicity: D - 1 },
    { kind: 'classDomain', value: (rho - alpha - beta + gamma) / s, multiplicity: (C - 1) * (D - 1) },
    { kind: 'withinGroup', value: 0, multiplicity: C * D * (n - 1) },
  ];
  return all.filter((e) => e.multiplicity > 0).sort((x, y) => y.value - x.value);
}

/** The spectral embedding with the gap after its k-th eigenvalue. */
export interface BlockSpectralEmbedding extends SpectralEmbedding {
  /** λ_k − λ_{k+1} (∞ when k = N): near 0, k splits an eigenspace and f* depends on the solver's basis. */
  gap: number;
}

/**
 * f*(x) = w_x^{-1/2}·(U_kΛ_k^{1/2})_x, the spectral contrastive loss's
 * minimizer up to rotation (HaoChen, Wei, Gaidon, Ma 2021; the convention of
 * spectral-embedding.ts, which this calls), from the exact dense
 * eigendecomposition of Ā (LAPACK's eigh), with the eigengap after λ_k.
 * The caller owns the tensors.
 */
export function blockSpectralEmbedding(graph: Graph, k: number): BlockSpectralEmbedding {
  if (graph === null || typeof graph !== 'object' || !Number.isInteger(graph.n))
    throw new Error('blockSpectralEmbedding: graph must be a Graph');
  checked('blockSpectralEmbedding', 'k', intIn(1, graph.n), k);
  const k1 = Math.min(k + 1, graph.n);
  const e = spectralEmbedding(graph, k1, { method: 'dense' });
  if (k1 === k) return { ...e, gap: Number.POSITIVE_INFINITY };
  // Contiguous copies, so callers may read them with data() and the n×(k+1) originals go.
  const cut = tidy(() => ({
    embedding: e.embedding.narrow(1, 0, k).contiguous(),
    vectors: e.eigen.vectors.narrow(1, 0, k).contiguous(),
  }));
  e.embedding.dispose();
  e.eigen.vectors.dispose();
  const values = e.eigen.values;
  return {
    embedding: cut.embedding,
    degrees: e.degrees,
    eigen: { ...e.eigen, values: values.slice(0, k), vectors: cut.vectors, residuals: e.eigen.residuals.slice(0, k) },
    gap: (values[k - 1] as number) - (values[k] as number),
  };
}

/** What `sourceToTargetAccuracy` measured. */
export interface TransferAccuracy {
  /** Target accuracy, ties counted as a uniformly random choice among the tied classes. */
  accuracy: number;
  /** The same on the source nodes the head was fit on. */
  sourceAccuracy: number;
  /** Head outputs on the target nodes (targets × C, row-major), on the scale of the one-hot labels. */
  scores: Float64Array;
  /** The target nodes, in node order. */
  targetNodes: Int32Array;
}

/**
 * Linear transferability (Shen et al. 2022; HaoChen et al. 2022): fits a
 * linear head y = Wᵀf + b on the `source` domain by least squares onto the
 * one-hot class labels, and reports its accuracy on the `target` domain.
 *
 * The fit is the minimum-norm least-squares solution with an unpenalized
 * intercept: W = (X_s − x̄)⁺(Y_s − ȳ), b = ȳ − x̄ᵀW, the pseudo-inverse
 * dropping singular values below `rcond`·‖X_s‖_F (the uncentred source
 * features' own scale, so a source set on one point gives W = 0, not noise;
 * the default 10⁻⁶ also drops the directions of rounding-level eigenvalues,
 * which √λ turns into ≈10⁻⁸). Minimum norm makes the head depend on the
 * features only through their Gram matrix, hence invariant to the rotation
 * in f*. Classes scoring within `tieTolerance` of the best are tied; a node
 * counts 1/|tied| when its class is among them (the module comment derives
 * when ties are exact).
 */
export function sourceToTargetAccuracy(o: {
  embedding: Tensor;
  classes: ArrayLike<number>;
  domains: ArrayLike<number>;
  source?: number;
  target?: number;
  rcond?: number;
  tieTolerance?: number;
}): TransferAccuracy {
  const fn = 'sourceToTargetAccuracy';
  const { embedding, classes, domains } = o;
  if (!(embedding instanceof Tensor) || embedding.ndim !== 2) throw new Error(`${fn}: embedding must be an N×k tensor`);
  const N = embedding.shape[0] as number;
  const source = checked(fn, 'source', nonNegativeInt, o.source ?? 0);
  const target = checked(fn, 'target', nonNegativeInt, o.target ?? 1);
  const rcond = checked(fn, 'rcond', nonNegative, o.rcond ?? 1e-6);
  const tieTolerance = checked(fn, 'tieTolerance', nonNegative, o.tieTolerance ?? 1e-9);
  for (const [key, labels] of [
    ['classes', classes],
    ['domains', domains],
  ] as const) {
    if (labels?.length !== N)
      throw new Error(`${fn}: ${key} has length ${labels?.length}, the embedding has ${N} rows`);
    for (let i = 0; i < N; i++) checked(fn, `${key}[${i}]`, nonNegativeInt, labels[i]);
  }
  let C = 0;
  for (let i = 0; i < N; i++) C = Math.max(C, (classes[i] as number) + 1);
  const rows = (d: number) => Int32Array.from({ length: N }, (_, i) => i).filter((i) => domains[i] === d);
  const src = rows(source);
  const tgt = rows(target);
  if (src.length === 0) fail(fn, 'source', 'a domain with nodes', source);
  if (tgt.length === 0) fail(fn, 'target', 'a domain with nodes', target);
  const oneHot = new Float64Array(src.length * C);
  src.forEach((i, r) => {
    oneHot[r * C + (classes[i] as number)] = 1;
  });
  const { sourceScores, targetScores } = tidy(() =>
    noGrad(() => {
      const x = embedding.double();
      const xs = x.indexSelect(0, tensor(src).long());
      const xt = x.indexSelect(0, tensor(tgt).long());
      const ys = tensor(oneHot, [src.length, C]);
      const xbar = xs.mean(0, true);
      const ybar = ys.mean(0, true);
      const { U, S, Vh } = linalg.svd(xs.sub(xbar));
      const cutoff = rcond * xs.norm().item();
      const inv = S.gt(cutoff).double().mul(S.clamp(Number.MIN_VALUE).reciprocal());
      // W = V·diag(1/σ)·Uᵀ(Y − ȳ), the kept directions only.
      const w = Vh.t()
        .mul(inv.reshape(1, -1))
        .mm(U.t().mm(ys.sub(ybar)));
      const score = (z: Tensor) => z.sub(xbar).mm(w).add(ybar).contiguous().data() as Float64Array;
      return { sourceScores: score(xs), targetScores: score(xt) };
    }),
  );
  const accuracyOf = (scores: Float64Array, nodes: Int32Array): number => {
    let hits = 0;
    nodes.forEach((node, r) => {
      let best = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < C; c++) best = Math.max(best, scores[r * C + c] as number);
      let tied = 0;
      for (let c = 0; c < C; c++) if ((scores[r * C + c] as number) >= best - tieTolerance) tied++;
      if ((scores[r * C + (classes[node] as number)] as number) >= best - tieTolerance) hits += 1 / tied;
    });
    return hits / nodes.length;
  };
  return {
    accuracy: accuracyOf(targetScores, tgt),
    sourceAccuracy: accuracyOf(sourceScores, src),
    scores: targetScores,
    targetNodes: tgt,
  };
}
