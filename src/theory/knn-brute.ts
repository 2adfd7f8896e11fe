/**
 * Exact brute-force k-nearest-neighbour search on libtorch matrix products,
 * for moderate n in any dimension (the d = 32, n = 10⁵ case of the theory lab).
 *
 * Squared distances come from one GEMM per block of queries,
 * ‖x − y‖² = ‖x‖² + ‖y‖² − 2xᵀy, in float32 when that is precise enough,
 * and are made exact by a certificate:
 *
 * 1. Queries are visited in k-d-tree order in blocks of R rows, and each block
 *    is centred at its mean c (distances are translation invariant): the
 *    rounding error of the expansion scales with ‖x − c‖² + ‖y − c‖², which is
 *    small exactly where neighbours are.
 * 2. One GEMM over augmented rows gives, for every pair, a guaranteed LOWER
 *    bound of the true squared distance,
 *      L(x, y) = ‖x−c‖² + ‖y−c‖² − 2(x−c)ᵀ(y−c) − 2c_u(‖x−c‖² + ‖y−c‖²) − η,
 *    with c_u = 2(d+6)·u (u the unit roundoff of the GEMM's dtype): the
 *    standard bound |fl(Σ tᵢ) − Σ tᵢ| ≤ γ_{d+2}·Σ|tᵢ| on the products
 *    (Higham, Accuracy and Stability of Numerical Algorithms, §3.1) plus the
 *    rounding of the inputs stays below (2d+7)·u·(‖x−c‖² + ‖y−c‖²); η covers
 *    the float64 centring.
 * 3. The k′ = k + max(5, ⌈k/2⌉) smallest L per query are the candidates; their exact
 *    distances Σₗ(xₗ − yₗ)² (float64, direct differences) are ranked. If the
 *    k-th exact distance is ≤ max(0, k′-th smallest L), no other point can be
 *    closer (every non-candidate has D ≥ L ≥ that value), so the k found are
 *    exact nearest neighbours (ties broken arbitrarily).
 * 4. Rows that fail the certificate are redone in float64 (u = 2⁻⁵³), and any
 *    that still fail by a direct scan of all points. 'auto' precision starts in
 *    float32 and switches to float64 when most rows of a block fail (data whose
 *    neighbour distances are below float32 resolution of its spread).
 *
 * Selecting the k′ smallest of each row of the R×n block uses block minima:
 * with columns in blocks of B, the k′ smallest entries of a row lie in the k′
 * blocks of smallest minimum (each of those holds an entry ≤ the k′-th
 * smallest minimum τ, and every entry < τ sits in one of them), so one
 * vectorized `amin` pass, a selection among n/B minima and one among k′·B
 * gathered entries replace a selection among n entries.
 */
import { checked, intIn } from '../options/index.ts';
import { type DType, op, opT, type Tensor, tensor, tidy, zeros } from '../tensor/index.ts';
import { buildKdTree } from './kd-tree.ts';
import { heapPush, heapReplaceTop } from './max-heap.ts';

export const KNN_PRECISIONS = ['auto', 'float32', 'float64'] as const;
export type KnnPrecision = (typeof KNN_PRECISIONS)[number];

export interface BruteKnnOptions {
  /** m×d query rows (row-major); omitted: the points themselves, each excluding itself. */
  queries?: Float64Array;
  /** Precision of the candidate GEMM (results are exact in every case). Default 'auto'. */
  precision?: KnnPrecision;
  /** Queries per GEMM block. Default: about 6·10⁷ block entries in float32, 3·10⁷ in float64. */
  blockRows?: number;
}

export interface BruteKnnResult {
  indices: Int32Array;
  distances: Float64Array;
  /** How many query rows were certified by each pass. */
  passes: { float32: number; float64: number; exact: number };
}

const INF = Number.POSITIVE_INFINITY;

/** Inserts (dist, j) into the ascending arrays bd/bi of length `len` (≤ cap), keeping the `cap` smallest. */
function insertSorted(bd: Float64Array, bi: Int32Array, len: number, cap: number, dist: number, j: number): number {
  if (len === cap && dist >= (bd[cap - 1] as number)) return len;
  let t = len < cap ? len : cap - 1;
  while (t > 0 && (bd[t - 1] as number) > dist) {
    bd[t] = bd[t - 1] as number;
    bi[t] = bi[t - 1] as number;
    t--;
  }
  bd[t] = dist;
  bi[t] = j;
  return len < cap ? len + 1 : len;
}

/**
 * Positions (relative to `off`) of the `kk` smallest of vals[off … off+len)
 * into hi[0…), by a bounded max-heap (most entries cost one comparison);
 * hv[0] ends as the largest selected value. Returns min(len, kk).
 */
function smallest(
  vals: Float32Array | Float64Array,
  off: number,
  len: number,
  kk: number,
  hv: Float64Array,
  hi: Int32Array,
): number {
  let size = 0;
  for (let p = 0; p < len; p++) {
    const v = vals[off + p] as number;
    if (size < kk) heapPush(hv, hi, size++, v, p);
    else if (v < (hv[0] as number)) heapReplaceTop(hv, hi, kk, v, p);
  }
  return size;
}

/** Σₗ (a[ia+l] − b[ib+l])², in order: the reference distance every path returns. */
function sqDist(a: Float64Array, ia: number, b: Float64Array, ib: number, d: number): number {
  let s = 0;
  for (let l = 0; l < d; l++) {
    const t = (a[ia + l] as number) - (b[ib + l] as number);
    s += t * t;
  }
  return s;
}

/** Exact k nearest neighbours of n×d `points` (float64, row-major): see the module comment. */
export function bruteKnn(
  points: Float64Array,
  n: number,
  d: number,
  k: number,
  o: BruteKnnOptions = {},
): BruteKnnResult {
  const self = o.queries === undefined;
  const queries = o.queries ?? points;
  const m = self ? n : Math.floor(queries.length / d);
  const avail = self ? n - 1 : n;
  checked('bruteKnn', 'k', intIn(1, avail), k);
  const kk = Math.min(avail, k + Math.max(5, Math.ceil(k / 2)));
  const indices = new Int32Array(m * k);
  const distances = new Float64Array(m * k);
  const passes = { float32: 0, float64: 0, exact: 0 };
  if (m === 0) return { indices, distances, passes };

  // Column block size B ≈ √(n/k′) balances the two selections (n/B minima, k′·B entries per row).
  const B = 2 ** Math.max(3, Math.min(7, Math.round(Math.log2(Math.sqrt(n / kk)))));
  const useBlocks = n >= 4 * B * kk;
  const nPad = useBlocks ? Math.ceil(n / B) * B : n;
  // Global centring (float64) keeps the per-block centring's products small.
  const g = new Float64Array(d);
  for (let j = 0; j < n; j++) for (let l = 0; l < d; l++) g[l] = (g[l] as number) + (points[j * d + l] as number) / n;
  const ext = new Float64Array(nPad * d); // y − g, zero padding
  const norms = new Float64Array(nPad); // ‖y − g‖²
  let maxY = 0;
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let l = 0; l < d; l++) {
      const v = (points[j * d + l] as number) - (g[l] as number);
      ext[j * d + l] = v;
      s += v * v;
    }
    norms[j] = s;
    maxY = Math.max(maxY, Math.sqrt(s));
  }
  const Y0 = tensor(ext, [nPad, d]);
  const Y2 = tensor(norms, [nPad]);

  // Query order: k-d tree leaves, so each block is spatially compact.
  const order = m > 1 ? buildKdTree(queries, m, d, { leafSize: 64 }).order : Int32Array.of(0);
  const defaultRows = (dtype: DType): number =>
    Math.max(16, Math.min(4096, Math.floor((dtype === 'float32' ? 6e7 : 3e7) / nPad)));
  const bd = new Float64Array(kk);
  const hv = new Float64Array(kk);
  const hi = new Int32Array(kk);
  const bi = new Int32Array(kk);

  /**
   * One GEMM pass over the query rows `rows` (original ids) in `dtype`;
   * certified rows are written out, the others returned.
   */
  const pass = (rows: Int32Array, dtype: 'float32' | 'float64', adaptive: boolean): Int32Array => {
    const failed: number[] = [];
    const later: number[] = [];
    const u = dtype === 'float32' ? 2 ** -24 : 2 ** -53;
    const cu = 2 * (d + 6) * u;
    const shrink = 1 - 2 * cu;
    const R = Math.min(o.blockRows ?? defaultRows(dtype), rows.length);
    let current = dtype;
    if (R === 0) return rows;
    // Buffers reused by every block: fresh multi-megabyte tensors would be page-faulted in each time.
    const Lbuf = zeros([R, nPad], { dtype });
    // Rows [−2(y − c), 1, (1 − 2c_u)‖y − c‖²]; the middle column never changes.
    const ya = zeros([nPad, d + 2], { dtype });
    ya.narrow(1, d, 1).fill_(1).dispose();
    try {
      for (let b0 = 0; b0 < rows.length; b0 += R) {
        const ids = rows.subarray(b0, Math.min(rows.length, b0 + R));
        if (current !== dtype) {
          for (const q of ids) later.push(q);
          continue;
        }
        const r = ids.length;
        // Block centre c (relative to g), and ‖c‖ for η.
        const c = new Float64Array(d);
        for (const q of ids)
          for (let l = 0; l < d; l++) c[l] = (c[l] as number) + ((queries[q * d + l] as number) - (g[l] as number)) / r;
        let c2 = 0;
        for (let l = 0; l < d; l++) c2 += (c[l] as number) ** 2;
        let maxX = 0;
        const xa = new Float64Array(r * (d + 2));
        const xc2 = new Float64Array(r);
        for (let t = 0; t < r; t++) {
          const q = ids[t] as number;
          let s = 0;
          for (let l = 0; l < d; l++) {
            const v = (queries[q * d + l] as number) - (g[l] as number) - (c[l] as number);
            xa[t * (d + 2) + l] = v;
            s += v * v;
          }
          xc2[t] = s;
          maxX = Math.max(maxX, Math.sqrt(s));
        }
        const eta = 8 * (d + 3) * 2 ** -53 * (maxY + Math.sqrt(c2) + maxX) ** 2;
        for (let t = 0; t < r; t++) {
          xa[t * (d + 2) + d] = shrink * (xc2[t] as number) - eta;
          xa[t * (d + 2) + d + 1] = 1;
        }
        const cand = new Int32Array(r * kk).fill(n);
        const kth = new Float64Array(r);
        tidy(() => {
          // −2(y − c) = 2c − 2y straight into the dtype buffer; ‖y − c‖² = ‖y‖² − 2yᵀc + ‖c‖² in float64.
          const cT = tensor(c, [d]);
          const cols = ya.narrow(1, 0, d);
          cols.copy_(Y0.mul(-2).add(cT.mul(2).reshape(1, d)));
          const b = Y2.sub(Y0.matmul(cT), 2).add(c2).mul(shrink);
          ya.narrow(1, d + 1, 1).copy_(b.reshape(nPad, 1));
          const x = tensor(xa, [r, d + 2]).to(dtype);
          const L = r === Lbuf.shape[0] ? Lbuf : Lbuf.narrow(0, 0, r);
          (op('aten::mm.out', [x, ya.t()], { out: L }) as Tensor).dispose(); // r×nPad lower bounds
          if (nPad > n)
            L.narrow(1, n, nPad - n)
              .fill_(INF)
              .dispose();
          if (self) {
            const idx = tensor(ids.slice(), [r, 1]).long();
            (op('aten::scatter_.value', [L, 1, idx, INF]) as Tensor).dispose();
          }
          if (!useBlocks) {
            const all = L.data() as Float32Array | Float64Array;
            for (let t = 0; t < r; t++) {
              const got = smallest(all, t * nPad, nPad, kk, hv, hi);
              kth[t] = hv[0] as number;
              for (let s = 0; s < got; s++) cand[t * kk + s] = hi[s] as number;
            }
            return;
          }
          // Block minima on all cores; the two small selections on the host (cheaper than ATen's
          // per-row topk, which copies every row into a fresh buffer).
          const nb = nPad / B;
          const L3 = L.view(r, nb, B);
          const mins = opT('aten::amin', [L3, [2], false]).data() as Float32Array | Float64Array;
          const blocks = new Int32Array(r * kk);
          for (let t = 0; t < r; t++) {
            smallest(mins, t * nb, nb, kk, hv, hi);
            blocks.set(hi, t * kk);
          }
          const gather = tensor(blocks, [r, kk, 1]).long().expand(r, kk, B);
          const inBlocks = L3.gather(1, gather).data() as Float32Array | Float64Array;
          for (let t = 0; t < r; t++) {
            smallest(inBlocks, t * kk * B, kk * B, kk, hv, hi);
            kth[t] = hv[0] as number;
            for (let s = 0; s < kk; s++) {
              const p = hi[s] as number;
              cand[t * kk + s] = (blocks[t * kk + Math.floor(p / B)] as number) * B + (p % B);
            }
          }
        });
        let blockFailed = 0;
        for (let t = 0; t < r; t++) {
          const q = ids[t] as number;
          let len = 0;
          for (let s = 0; s < kk; s++) {
            const j = cand[t * kk + s] as number;
            if (j >= n || (self && j === q)) continue;
            len = insertSorted(bd, bi, len, kk, sqDist(queries, q * d, points, j * d, d), j);
          }
          if (len >= k && (bd[k - 1] as number) <= Math.max(0, kth[t] as number)) {
            indices.set(bi.subarray(0, k), q * k);
            distances.set(bd.subarray(0, k), q * k);
          } else {
            failed.push(q);
            blockFailed++;
          }
        }
        passes[dtype] += r - blockFailed;
        if (adaptive && blockFailed > r / 2) current = 'float64';
      }
    } finally {
      Lbuf.dispose();
      ya.dispose();
    }
    return Int32Array.from([...failed, ...later]);
  };

  try {
    const precision = o.precision ?? 'auto';
    let rest: Int32Array = order;
    if (precision !== 'float64') rest = pass(rest, 'float32', precision === 'auto');
    if (rest.length > 0) rest = pass(rest, 'float64', false);
    // Direct scan of every point for the rows no GEMM pass could certify.
    const bdk = bd.subarray(0, k);
    const bik = bi.subarray(0, k);
    for (const q of rest) {
      let len = 0;
      for (let j = 0; j < n; j++) {
        if (self && j === q) continue;
        len = insertSorted(bdk, bik, len, k, sqDist(queries, q * d, points, j * d, d), j);
      }
      indices.set(bik, q * k);
      distances.set(bdk, q * k);
    }
    passes.exact = rest.length;
  } finally {
    Y0.dispose();
    Y2.dispose();
  }
  return { indices, distances, passes };
}
