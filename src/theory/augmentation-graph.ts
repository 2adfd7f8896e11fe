/**
 * The exact augmentation graph of HaoChen, Wei, Gaidon, Ma (2021) on a finite
 * vertex set, for additive Gaussian augmentation:
 *
 *   w(x, x′) = Σ_x̄ p(x̄) · A(x|x̄) · A(x′|x̄),   A(x|x̄) = N(x; x̄, σ²I) = (2πσ²)^{-d/2} · exp(−‖x − x̄‖²/(2σ²)).
 *
 * Densities underflow as soon as ‖x − x̄‖ is a few dozen σ (and in high
 * dimension long before), so everything is computed in log space: the
 * log-weights are exact to rounding for every pair, however far apart.
 */
import { checked, fail, nonNegative, positive } from '../options/index.ts';
import { cat, nonzero, opT, type Tensor, tensor, tidy } from '../tensor/index.ts';
import { denseGraph, type Graph } from './graph.ts';
import { CHUNK_BUFFERS, checkDenseMemory, denseMatrices, FLOAT64_BYTES, type MemoryEstimate } from './memory.ts';

export interface AugmentationGraphOptions {
  /** Natural data x̄, n̄×d (converted to float64). */
  natural: Tensor;
  /** Augmented vertices x, N×d (converted to float64). */
  vertices: Tensor;
  /** Standard deviation σ > 0 of the Gaussian augmentation. */
  sigma: number;
  /**
   * p(x̄) per natural point, finite and ≥ 0, at least one > 0; default uniform 1/n̄.
   * Used as given, not renormalized, so quadrature weights (density × step) work.
   */
  probabilities?: Float64Array;
}

export interface AugmentationGraph {
  /** N×N float64: log w(x, x′), the normalizing constants included; finite for every pair. */
  logWeights: Tensor;
  /** N float64: log w_x = log Σ_{x′} w(x, x′). */
  logDegrees: Tensor;
  /** Dense W·exp(−logScale): the weights divided by their maximum (so max = 1); entries may underflow to 0. */
  graph: Graph;
  /** The constant: w(x, x′) = graph.weights[x, x′] · exp(logScale); logScale = max log w. */
  logScale: number;
  /** N×N float64: Ā = D^{-1/2} W D^{-1/2} = exp(log w(x, x′) − (log w_x + log w_x′)/2), from the logs. */
  normalizedAdjacency: Tensor;
  /** How many pairs (x ≤ x′) needed the per-pair logsumexp because the shifted product underflowed. */
  exactPairs: number;
}

/** Below this, the shifted matmul sum may have lost terms to underflow: recompute the pair exactly. */
const TINY = 1e-280;
/** Elements per chunk of the per-pair logsumexp (P pairs × n̄ natural points); see CHUNK_BUFFERS. */
const CHUNK = 1 << 22;

/** The largest R/σ taken, R the points' radius about their centre (see checkScale). */
export const MAX_RADIUS_OVER_SIGMA = 1e6;

/**
 * Refuses a σ too small for the points' radius R: squared distances come
 * from ‖x‖² + ‖x̄‖² − 2x·x̄, whose rounding error ≈ 1e-16·R² becomes an error
 * of ≈ 1e-16·(R/σ)² in every log-weight — 1e-4 at R/σ = 1e6, the limit here,
 * and garbage (weights off by orders of magnitude) by R/σ ≈ 1e8.
 */
function checkScale(radius: number, sigma: number): void {
  const fn = 'augmentationGraph';
  if (!Number.isFinite(radius)) {
    throw new Error(
      `${fn}: the points' coordinates overflow float64 (radius ${radius} about their centre); in the theory checks, lower separation or curvature`,
    );
  }
  if (radius > MAX_RADIUS_OVER_SIGMA * sigma) {
    fail(
      fn,
      'sigma',
      `at least R/1e6 = ${(radius / MAX_RADIUS_OVER_SIGMA).toExponential(2)} for points of radius R = ${radius.toExponential(2)} about their centre (the log-weights' error grows as 1e-16·(R/σ)²; in the theory checks, a smaller separation or curvature also brings R down)`,
      sigma,
    );
  }
}

/**
 * The peak memory of `augmentationGraph` for N vertices and n̄ natural points
 * in d dimensions, 8·(4N² + 3N·n̄ + 2N·d) bytes plus 128 MiB of chunk buffers:
 * at most 4 dense N×N float64 at once (3 by the code: the log-weights, the
 * weights and Ā or one temporary; the underflow pass holds the log-weights and
 * its index pairs, ≤ N²/2 × 2 int64 = one N×N float64; one more as slack), the
 * N×n̄ log-densities (2 while they are formed, 1 kept) and the centred N×d points.
 */
export function augmentationGraphMemory(nbar: number, d: number): MemoryEstimate {
  return denseMatrices(4, {
    bytes: (n) => FLOAT64_BYTES * (3 * n * nbar + 2 * n * d) + CHUNK_BUFFERS,
    formula: `8·(3N·n̄ + 2N·d) bytes + 128 MiB for the N×n̄ and N×d parts (n̄ = ${nbar}, d = ${d})`,
  });
}

/**
 * Exact augmentation graph on the vertex set `vertices` for the natural points
 * `natural` with probabilities p and Gaussian augmentation N(0, σ²I).
 *
 * With B[x, x̄] = log A(x|x̄) + log p(x̄)/2, log w(x, x′) = logsumexp_x̄ (B[x, x̄] + B[x′, x̄]).
 * It is evaluated by one matmul after a per-row shift m_x = max_x̄ B[x, x̄]:
 * log w(x, x′) = m_x + m_x′ + log Σ_x̄ e^{B[x,x̄]−m_x}·e^{B[x′,x̄]−m_x′}; pairs whose
 * shifted sum falls below 1e-280 (terms lost to underflow) are recomputed by a
 * direct logsumexp over x̄, in chunks, so no N×N×n̄ tensor is formed. That pass
 * costs O(P·n̄) for P such pairs; the worst case (σ far below the spacing of the
 * natural points, every cross pair underflows) is ≈ N²·n̄/2 terms, a few seconds
 * of CPU at N = n̄ = 1000. `exactPairs` reports P.
 * Squared distances use ‖x‖² + ‖x̄‖² − 2x·x̄ on coordinates centred at the mean
 * natural point: the absolute error of log A is about 1e-16·R²/σ² for data of radius R.
 */
export function augmentationGraph(o: AugmentationGraphOptions): AugmentationGraph {
  const { natural, vertices, sigma } = o;
  if (natural.shape.length !== 2 || natural.shape[0] === 0 || natural.shape[1] === 0) {
    throw new Error(`augmentationGraph: natural must be a non-empty n̄×d matrix, got shape [${natural.shape}]`);
  }
  if (vertices.shape.length !== 2 || vertices.shape[0] === 0) {
    throw new Error(`augmentationGraph: vertices must be a non-empty N×d matrix, got shape [${vertices.shape}]`);
  }
  const nbar = natural.shape[0] as number;
  const d = natural.shape[1] as number;
  const n = vertices.shape[0] as number;
  if (vertices.shape[1] !== d) {
    throw new Error(`augmentationGraph: vertices must have d = ${d} columns like natural, got ${vertices.shape[1]}`);
  }
  checked('augmentationGraph', 'sigma', positive, sigma);
  const p = o.probabilities ?? new Float64Array(nbar).fill(1 / nbar);
  if (p.length !== nbar)
    throw new Error(`augmentationGraph: probabilities must have n̄ = ${nbar} entries, got ${p.length}`);
  const support: number[] = [];
  for (let k = 0; k < nbar; k++) {
    const v = p[k] as number;
    checked('augmentationGraph', `probabilities[${k}]`, nonNegative, v);
    if (v > 0) support.push(k);
  }
  if (support.length === 0) throw new Error('augmentationGraph: probabilities must have at least one entry > 0');
  const m = support.length;
  const halfLogP = Float64Array.from(support, (k) => Math.log(p[k] as number) / 2);

  checkDenseMemory({
    owner: 'augmentationGraph',
    key: 'vertices',
    n,
    estimate: augmentationGraphMemory(m, d),
    alternative: 'a sparse proximity graph instead (knnGraph)',
  });

  return tidy(() => {
    // Zero-probability natural points add nothing: drop them so every B entry is finite.
    let xbar = natural.double();
    if (m < nbar) xbar = xbar.indexSelect(0, tensor(BigInt64Array.from(support, BigInt)));
    const center = xbar.mean(0, true);
    const xb = xbar.sub(center);
    const xv = vertices.double().sub(center);
    const radius = tidy(() => Math.sqrt(Math.max(xv.square().sum(1).max().item(), xb.square().sum(1).max().item())));
    checkScale(radius, sigma);
    const logNorm = (-d / 2) * Math.log(2 * Math.PI * sigma * sigma);
    // B and e = exp(B − shift), N×n̄, built in place in one buffer (the same operations in the
    // same order as out of place, so the same numbers): at most 2 N×n̄ float64 alive.
    const { shift, e } = tidy(() => {
      const b = xv.square().sum(1, true).add(xb.square().sum(1).reshape(1, m));
      tidy(() => b.sub_(xv.mm(xb.t()).mul_(2)));
      b.clamp_(0)
        .mul_(-1 / (2 * sigma * sigma))
        .add_(logNorm)
        .add_(tensor(halfLogP).reshape(1, m));
      const shift = b.maxDim(1).values.reshape(n, 1);
      b.sub_(shift);
      opT('aten::exp_', [b]);
      return { shift, e: b };
    });
    // From here on each N×N matrix is freed, or overwritten in place, as soon as the next one
    // exists: at most 4 are alive at once (see augmentationGraphMemory).
    const s = e.mm(e.t());
    const pairs = tidy(() => nonzero(opT('aten::triu', [s.lt(TINY), 0])));
    opT('aten::log_', [s]);
    s.add_(shift).add_(shift.reshape(1, n));
    // Exact symmetry (a + b = b + a in floating point), whatever the matmul's blocking did.
    // Contiguous, so the flat view below writes into logW itself.
    const logW = s.add(s.t()).mul_(0.5).contiguous();
    s.dispose();

    // Pairs whose shifted sum underflowed: exact logsumexp over x̄ (upper triangle, mirrored), via
    //   log w(x, x′) = 2c − ‖x − x′‖²/(4σ²) − ‖μ‖²/σ² + logsumexp_x̄ (log p + (2μ·x̄ − ‖x̄‖²)/σ²),
    // μ = (x + x′)/2, c = log of the density's constant: one matmul per chunk instead of row gathers,
    // each chunk written into logW in place.
    const count = pairs.shape[0] as number;
    if (count > 0) {
      const flatW = logW.reshape(n * n);
      const inv = 1 / (sigma * sigma);
      const bias = tensor(halfLogP).mul(2).sub(xb.square().sum(1).mul(inv)).reshape(1, m);
      const xbt = xb.t().mul(2 * inv);
      const step = Math.max(1, Math.floor(CHUNK / m));
      for (let start = 0; start < count; start += step) {
        const len = Math.min(step, count - start);
        tidy(() => {
          const chunk = pairs.narrow(0, start, len);
          const rows = chunk.select(1, 0);
          const cols = chunk.select(1, 1);
          const xi = xv.indexSelect(0, rows);
          const xj = xv.indexSelect(0, cols);
          const mid = xi.add(xj).mul(0.5);
          const kde = opT('aten::addmm', [bias, mid, xbt], { beta: 1, alpha: 1 }).logsumexp(1);
          const apart = xi
            .sub(xj)
            .square()
            .sum(1)
            .mul(-inv / 4);
          const exact = kde
            .add(apart)
            .sub(mid.square().sum(1).mul(inv))
            .add(2 * logNorm);
          const flat = cat([rows.mul(n).add(cols), cols.mul(n).add(rows)]);
          opT('aten::scatter_.src', [flatW, 0, flat, cat([exact, exact])]);
        });
      }
    }
    pairs.dispose();
    if (!tidy(() => logW.isfinite().all().item())) {
      throw new Error(
        `augmentationGraph: the log-weights are not finite (sigma ${sigma}, points of radius ${radius.toExponential(2)} about their centre)`,
      );
    }
    const logDegrees = logW.logsumexp(1);
    const logScale = logW.max().item();
    const weights = logW.sub(logScale);
    opT('aten::exp_', [weights]);
    const graph = denseGraph(weights);
    const half = logDegrees.mul(0.5);
    const normalizedAdjacency = logW.sub(half.reshape(n, 1)).sub_(half.reshape(1, n));
    opT('aten::exp_', [normalizedAdjacency]);
    return { logWeights: logW, logDegrees, graph, logScale, normalizedAdjacency, exactPairs: count };
  });
}
