/**
 * knn-graph: building the symmetrized Gaussian k-NN graph (k = 10) of points
 * from the mixture of manifolds (src/theory/manifolds.ts), in vertices/s.
 * specl: `knnGraph(points, { k: 10 })` — exact search ('auto': certified
 * float32 GEMM blocks or the k-d tree, whichever its probe predicts faster),
 * Gaussian weights with the median k-th-neighbour bandwidth, 'max'
 * symmetrization, CSR assembly. Reference (reference/knn_graph.py):
 * scikit-learn's `NearestNeighbors(n_neighbors=k+1).fit(X).kneighbors(X)`
 * (Debian python3-sklearn; algorithm 'auto', n_jobs = the thread count), the
 * self column dropped, the same weights and bandwidth, and
 * `W.maximum(W.T)` in SciPy CSR — the same graph, built the usual Python way.
 * Both sides read the same float64 points (written once to a temporary
 * raw file); their neighbour distances are compared as a check.
 *
 * Cases: `manifold-100000-d32` (5 curves in ℝ³², m = 2: low intrinsic
 * dimension), `augmented-100000-d32` (the same points plus Gaussian noise
 * σ = 0.5, the augmented vertices of the theory: full-dimensional at the
 * neighbour scale, so both sides run brute force) and `manifold-1000000-d8`
 * (10⁶ vertices in ℝ⁸, against scikit-learn's k-d tree). SPECL_KNN_GRAPH_SCALE
 * multiplies every n (e.g. 0.01 for a quick check).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tensor } from '../src/tensor/index.ts';
import { knnSearch } from '../src/theory/knn.ts';
import { knnGraph } from '../src/theory/knn-graph.ts';
import { gaussianAugment, manifoldMixture } from '../src/theory/manifolds.ts';
import { alternate } from './lib/alternate.ts';
import { positive, withReference } from './lib/reference.ts';
import { benchThreads } from './lib/threads.ts';
import { median, now } from './lib/timing.ts';
import type { Benchmark } from './lib/types.ts';

const K = 10;

interface Case {
  name: string;
  n: number;
  d: number;
  intrinsicDim: number;
  /** σ of the Gaussian augmentation applied to the natural points (0: none). */
  sigma: number;
  repeats: number;
}

const SCALE = Number(process.env.SPECL_KNN_GRAPH_SCALE ?? 1);

const CASES: readonly Case[] = [
  { name: 'manifold-100000-d32', n: 100_000, d: 32, intrinsicDim: 2, sigma: 0, repeats: 3 },
  { name: 'augmented-100000-d32', n: 100_000, d: 32, intrinsicDim: 2, sigma: 0.5, repeats: 1 },
  { name: 'manifold-1000000-d8', n: 1_000_000, d: 8, intrinsicDim: 2, sigma: 0, repeats: 1 },
];

/** The case's points as a row-major float64 array (deterministic). */
function points(c: Case, n: number): Float64Array {
  const mix = manifoldMixture({ manifolds: 5, ambientDim: c.d, intrinsicDim: c.intrinsicDim, seed: 0 });
  const s = mix.sample(n, 1);
  s.latent.dispose();
  let x = s.x;
  if (c.sigma > 0) {
    const a = gaussianAugment(x, c.sigma, 1, 2);
    x.dispose();
    x = a.x;
  }
  const data = x.data() as Float64Array;
  x.dispose();
  return data;
}

export const knnGraphBench: Benchmark = {
  name: 'knn-graph',
  quick: false,
  description: `k-NN graph (k = ${K}, Gaussian weights, max-symmetrized) of manifold points: 10⁵ in ℝ³², 10⁶ in ℝ⁸ vs scikit-learn, vertices/s`,
  async run(ctx) {
    const threads = benchThreads(ctx.options);
    const dir = mkdtempSync(join(tmpdir(), 'specl-knn-graph-'));
    try {
      await withReference(
        'knn_graph.py',
        threads,
        async (ref) => {
          for (const c of CASES) {
            if (ctx.options.case !== undefined && !c.name.includes(ctx.options.case)) continue;
            const n = Math.max(100, Math.round(c.n * SCALE));
            const x = points(c, n);
            const file = join(dir, `${c.name}.f64`);
            writeFileSync(file, x);
            writeFileSync(`${file}.json`, JSON.stringify({ n, d: c.d, dtype: 'float64', order: 'row-major' }));
            const X = tensor(x, [n, c.d]);
            try {
              let method = '';
              const specl = (): number => {
                const t0 = now();
                const g = knnGraph(X, { k: K });
                const s = now() - t0;
                g.weights.dispose();
                return s;
              };
              const reference = async (): Promise<number> => {
                const reply = await ref.request({ path: file, n, d: c.d, k: K });
                const r = reply as { search_seconds?: number; algorithm?: string };
                ctx.log(`${c.name}: scikit-learn search ${r.search_seconds?.toFixed(2)} s (${r.algorithm})`);
                return positive(reply, 'seconds', 'knn_graph.py');
              };
              // Check once that both sides find the same neighbour distances (up to rounding).
              const t0 = now();
              const mine = knnSearch(X, K);
              method = mine.method;
              ctx.log(`${c.name}: specl search ${(now() - t0).toFixed(2)} s (${method})`);
              let sum = 0;
              for (const v of mine.distances) sum += v;
              const check = (await ref.request({ path: file, n, d: c.d, k: K })) as { sum_sq_distances: number };
              const rel = Math.abs(check.sum_sq_distances - sum) / sum;
              ctx.log(
                `${c.name}: Σ squared neighbour distances specl ${sum}, scikit-learn ${check.sum_sq_distances} (rel. diff ${rel.toExponential(2)})`,
              );
              if (!(rel < 1e-6)) ctx.log(`${c.name}: WARNING the two sides found different neighbours`);
              const repeats = ctx.options.repeats ?? c.repeats;
              const t = await alternate(repeats, specl, reference, {
                onRepeat: (i, s, p) =>
                  ctx.log(
                    `${c.name} ${i + 1}/${repeats}: specl ${s.toFixed(2)} s (${method}), scikit-learn ${p.toFixed(2)} s`,
                  ),
              });
              ctx.emit({
                case: c.name,
                specl: n / median(t.specl),
                reference: n / median(t.reference),
                unit: 'vertices/s',
              });
            } finally {
              X.dispose();
              rmSync(file, { force: true });
            }
          }
        },
        ctx.log,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
