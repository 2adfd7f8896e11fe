/**
 * Connectivity between (class, domain) groups of a graph, the quantities of
 * Shen, Jones, Kumar, Xie, HaoChen, Ma, Liang, "Connect, Not Collapse:
 * Explaining Contrastive Learning for Unsupervised Domain Adaptation"
 * (ICML 2022), and HaoChen, Wei, Kumar, Ma, "Beyond Separability: Analyzing
 * the Linear Transferability of Contrastive Representations to Related
 * Subpopulations" (NeurIPS 2022). Their stochastic-block model gives an edge
 * between two nodes the weight ρ (same class, same domain), α (same class,
 * different domain), β (different class, same domain) or γ (different class,
 * different domain); contrastive pretraining transfers across domains when
 * the class and domain connectivities exceed the cross one (α, β > γ).
 * `groupMasses` measures those four numbers on any graph with class and
 * domain labels.
 */
import { checked, intIn, nonNegativeInt, positiveInt } from '../options/index.ts';
import { sparse, tensor, tidy } from '../tensor/index.ts';
import type { Graph } from './graph.ts';

/** The group-level view of a graph: G = C·D groups, group index g = c·D + d. */
export interface GroupMasses {
  /** C. */
  numClasses: number;
  /** D. */
  numDomains: number;
  /** Nodes per group (G). */
  sizes: Int32Array;
  /** W[g,h] = Σ_{i∈g, j∈h} w_ij (G×G row-major, symmetric). */
  mass: Float64Array;
  /** vol(g) = Σ_{i∈g} deg(i) = Σ_h W[g,h] (G). */
  volume: Float64Array;
  /** Q[g,h] = W[g,h] / √(vol(g)·vol(h)) (G×G row-major, symmetric). */
  connectivity: Float64Array;
  /** Mean of Q[g,g] over the G groups: same class, same domain. */
  rho: number;
  /** Mean of Q[g,h] over ordered pairs with the same class and different domains (NaN when D = 1). */
  alpha: number;
  /** Mean of Q[g,h] over ordered pairs with different classes and the same domain (NaN when C = 1). */
  beta: number;
  /** Mean of Q[g,h] over ordered pairs with different classes and different domains (NaN when C = 1 or D = 1). */
  gamma: number;
}

/** The group index of (class c, domain d) among C·D groups: c·D + d. */
export const groupIndex = (c: number, d: number, numDomains: number): number => c * numDomains + d;

/** Labels checked as integers in [0, count−1]; count = the largest label + 1 unless given (option `countKey`). */
function labelsOf(labels: ArrayLike<number>, n: number, key: string, countKey: string, count?: number): number {
  const fn = 'groupMasses';
  if (labels === null || typeof labels !== 'object' || typeof labels.length !== 'number')
    throw new Error(`${fn}: ${key} must be an array of integer labels`);
  if (labels.length !== n) throw new Error(`${fn}: ${key} has length ${labels.length}, the graph has ${n} nodes`);
  const label = count === undefined ? nonNegativeInt : intIn(0, checked(fn, countKey, positiveInt, count) - 1);
  let max = 0;
  for (let i = 0; i < n; i++) max = Math.max(max, checked(fn, `${key}[${i}]`, label, labels[i]));
  return count ?? max + 1;
}

/**
 * The group edge masses, normalized connectivities and Shen et al.'s four
 * summaries of graph `g` (dense or sparse) with node labels `classes[i]` ∈
 * [0, C) and `domains[i]` ∈ [0, D) (C, D = the largest label + 1 unless given).
 * With groups g = (c, d) at index c·D + d:
 *
 *   W[g,h] = Σ_{i∈g} Σ_{j∈h} w_ij,   vol(g) = Σ_{i∈g} deg(i),   Q[g,h] = W[g,h] / √(vol(g)·vol(h)).
 *
 * The sums run over ordered node pairs of the weight matrix as stored, so a
 * self-loop w_ii counts once in W[g,g] and once in deg(i), as in `degrees`
 * (graph.ts); every other edge counts in both W[g,h] and W[h,g]. Q is the
 * normalized adjacency of the graph with each group merged into one node.
 * Then ρ = mean_g Q[g,g], and α, β, γ are the means of Q[g,h] over the
 * ordered pairs g ≠ h of the kinds (same class, other domain: C·D·(D−1)
 * pairs), (other class, same domain: C·(C−1)·D) and (other class, other
 * domain: C·(C−1)·D·(D−1)); a kind without pairs gives NaN.
 * Throws on labels of the wrong length or out of range, an empty group, or a
 * group with volume 0 (Q undefined).
 */
export function groupMasses(
  g: Graph,
  classes: ArrayLike<number>,
  domains: ArrayLike<number>,
  o: { numClasses?: number; numDomains?: number } = {},
): GroupMasses {
  const fn = 'groupMasses';
  if (g === null || typeof g !== 'object' || !Number.isInteger(g.n) || g.weights === undefined)
    throw new Error(`${fn}: g must be a Graph (denseGraph, graphFromEdges, knnGraph, …)`);
  const n = g.n;
  const C = labelsOf(classes, n, 'classes', 'numClasses', o.numClasses);
  const D = labelsOf(domains, n, 'domains', 'numDomains', o.numDomains);
  const G = C * D;
  const group = Int32Array.from({ length: n }, (_, i) => groupIndex(classes[i] as number, domains[i] as number, D));
  const sizes = new Int32Array(G);
  for (const h of group) sizes[h] = (sizes[h] as number) + 1;
  for (let h = 0; h < G; h++) {
    if (sizes[h] === 0)
      throw new Error(`${fn}: group (class ${Math.floor(h / D)}, domain ${h % D}) has no nodes (C = ${C}, D = ${D})`);
  }
  // W = Mᵀ·W·M with M the n×G membership matrix: one product with the graph, sparse or dense.
  const membership = new Float64Array(n * G);
  for (let i = 0; i < n; i++) membership[i * G + (group[i] as number)] = 1;
  const raw = tidy(() => {
    const m = tensor(membership, [n, G]);
    const wm = g.sparse ? sparse.spmm(g.weights, m) : g.weights.mm(m);
    return m.t().mm(wm).contiguous().data() as Float64Array;
  });
  const mass = new Float64Array(G * G);
  // Symmetrized: the two orders of summation differ by rounding only, and consumers expect Q = Qᵀ.
  for (let a = 0; a < G; a++)
    for (let b = 0; b < G; b++) mass[a * G + b] = ((raw[a * G + b] as number) + (raw[b * G + a] as number)) / 2;
  const volume = new Float64Array(G);
  for (let a = 0; a < G; a++)
    for (let b = 0; b < G; b++) volume[a] = (volume[a] as number) + (mass[a * G + b] as number);
  for (let h = 0; h < G; h++) {
    if (!((volume[h] as number) > 0))
      throw new Error(`${fn}: group (class ${Math.floor(h / D)}, domain ${h % D}) has volume 0 (no edges)`);
  }
  const connectivity = new Float64Array(G * G);
  const sum = { rho: 0, alpha: 0, beta: 0, gamma: 0 };
  const count = { rho: 0, alpha: 0, beta: 0, gamma: 0 };
  for (let a = 0; a < G; a++) {
    for (let b = 0; b < G; b++) {
      const q = (mass[a * G + b] as number) / Math.sqrt((volume[a] as number) * (volume[b] as number));
      connectivity[a * G + b] = q;
      const sameClass = Math.floor(a / D) === Math.floor(b / D);
      const sameDomain = a % D === b % D;
      const kind = sameClass ? (sameDomain ? 'rho' : 'alpha') : sameDomain ? 'beta' : 'gamma';
      sum[kind] += q;
      count[kind]++;
    }
  }
  const mean = (k: keyof typeof sum): number => (count[k] > 0 ? sum[k] / count[k] : Number.NaN);
  return {
    numClasses: C,
    numDomains: D,
    sizes,
    mass,
    volume,
    connectivity,
    rho: mean('rho'),
    alpha: mean('alpha'),
    beta: mean('beta'),
    gamma: mean('gamma'),
  };
}
