/**
 * The toy version of "Connect, not collapse" (Shen et al., ICML 2022) and
 * "Beyond separability" (HaoChen, Wei, Kumar, Ma, NeurIPS 2022), where the
 * answer is computable exactly: a class × domain block graph with chosen
 * ρ, α, β, γ (`classDomainBlockGraph`), its spectral embedding from the
 * dense eigendecomposition, and the accuracy on the target domain of a
 * linear head fitted on the source domain (`sourceToTargetAccuracy`), as
 * α/γ sweeps through 1.
 *
 * The closed-form spectrum (`blockSpectrum`) says what to expect with
 * k = C + D − 1 dimensions and β > γ: the class×domain eigenvalue
 * (ρ − α − β + γ)/s lies below the class one exactly when α > γ, so the
 * top k are the constant, class and domain directions — orthogonal, so a
 * head fitted on the source reads the class alone and transfers perfectly.
 * At α = γ the two eigenvalues meet (gap 0: the embedding is not unique);
 * below, class×domain directions displace the class ones.
 */
import {
  listOf,
  nonNegative,
  nullable,
  type OptionsOf,
  option,
  positive,
  positiveInt,
  resolveOptions,
  type Schema,
} from '../../options/index.ts';
import {
  blockSpectralEmbedding,
  blockSpectrum,
  classDomainBlockGraph,
  sourceToTargetAccuracy,
} from '../../theory/block-graph.ts';

/** The options of `specl theory block-transfer`, declared once (its flags, help and docs come from here). */
export const BLOCK_TRANSFER_OPTIONS = {
  classes: option(positiveInt, 3, 'C, the number of classes'),
  domains: option(positiveInt, 2, 'D, the number of domains (domain 0 the source, 1 the target)'),
  perGroup: option(positiveInt, 4, 'nodes of each (class, domain) group (the spectrum does not depend on it)'),
  rho: option(positive, 1, 'ρ, the edge weight inside a group'),
  beta: option(nonNegative, 0.3, 'β, the edge weight between classes in one domain'),
  gamma: option(positive, 0.05, 'γ, the edge weight between groups differing in class and domain'),
  ratios: option(
    listOf(nonNegative, { min: 1 }),
    [0, 0.25, 0.5, 0.9, 1, 1.1, 2, 4, 6],
    'the values of α/γ swept (α = ratio·γ)',
  ),
  k: option(
    nullable(positiveInt),
    null,
    'embedding dimension; none: C + D − 1 (the constant, class and domain directions)',
  ),
} satisfies Schema;

export type BlockTransferOptions = Partial<OptionsOf<typeof BLOCK_TRANSFER_OPTIONS>>;

export interface BlockTransferRow {
  ratio: number;
  alpha: number;
  /** Target accuracy of the source-fitted head (ties as a uniform guess among the tied classes). */
  accuracy: number;
  sourceAccuracy: number;
  /** λ_k − λ_{k+1} of the dense eigendecomposition (≈ 0: the embedding is not unique). */
  gap: number;
  /** max |λᵢ(dense) − λᵢ(closed form)| over the top k + 1. */
  eigenvalueError: number;
  /** The closed form's class and class×domain eigenvalues. */
  classValue: number;
  classDomainValue: number;
}

export interface BlockTransferResult {
  settings: Required<Omit<BlockTransferOptions, 'k'>> & { k: number };
  rows: BlockTransferRow[];
  seconds: number;
}

/** The sweep over α/γ (see the module comment). */
export function blockTransferCheck(o: BlockTransferOptions = {}): BlockTransferResult {
  const start = performance.now();
  const s = resolveOptions(BLOCK_TRANSFER_OPTIONS, o, 'theory block-transfer');
  const k = s.k ?? s.classes + s.domains - 1;
  const rows = s.ratios.map((ratio): BlockTransferRow => {
    const params = {
      classes: s.classes,
      domains: s.domains,
      perGroup: s.perGroup,
      rho: s.rho,
      alpha: ratio * s.gamma,
      beta: s.beta,
      gamma: s.gamma,
    };
    const g = classDomainBlockGraph(params);
    try {
      const e = blockSpectralEmbedding(g.graph, k);
      try {
        const t = sourceToTargetAccuracy({ embedding: e.embedding, classes: g.classes, domains: g.domains });
        const spectrum = blockSpectrum(params).flatMap((x) => new Array<number>(x.multiplicity).fill(x.value));
        const dense = Array.from(e.eigen.values);
        const eigenvalueError = Math.max(...dense.map((v, i) => Math.abs(v - (spectrum[i] as number))));
        const value = (kind: string) => blockSpectrum(params).find((x) => x.kind === kind)?.value ?? Number.NaN;
        return {
          ratio,
          alpha: params.alpha,
          accuracy: t.accuracy,
          sourceAccuracy: t.sourceAccuracy,
          gap: e.gap,
          eigenvalueError,
          classValue: value('class'),
          classDomainValue: value('classDomain'),
        };
      } finally {
        e.embedding.dispose();
        e.eigen.vectors.dispose();
        e.degrees.dispose();
      }
    } finally {
      g.graph.weights.dispose();
    }
  });
  return { settings: { ...s, k }, rows, seconds: (performance.now() - start) / 1000 };
}
