/**
 * eigs: the top-16 eigenpairs of the normalized adjacency Ā of k-NN graphs
 * (k = 10 neighbours, self-tuning Gaussian weights exp(−d²/(2σ_iσ_j)), 'max'
 * symmetrization) on points from
 * a mixture of 5 three-dimensional manifolds in ℝ⁸, with 10⁴, 10⁵ and 10⁶
 * vertices. specl: topEigenpairs (Chebyshev-filtered subspace iteration,
 * tol 1e-8 on every residual); reference: scipy.sparse.linalg.eigsh (ARPACK,
 * which='LA', tol 1e-8) in reference/eigs.py, on the same matrix, which the
 * harness writes to a temporary folder as CSR arrays. Unit: solves per
 * second (1/time), so ratio = scipy's time ÷ specl's. Both sides' largest
 * residual ‖Āv − λv‖ goes to stderr (target ≤ 1e-6), with specl's products
 * and sweeps, ARPACK's products (counted in a second, untimed run up to 10⁵
 * vertices) and how many eigenvalues within 1e-10 of 1 each side found (the
 * multiplicity of 1 is the number of connected components; ARPACK's
 * single-vector Lanczos tends to return fewer copies than there are).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sparse, type Tensor, tidy } from '../src/tensor/index.ts';
import { topEigenpairs } from '../src/theory/eigs.ts';
import { normalizedAdjacency } from '../src/theory/graph.ts';
import { knnGraph } from '../src/theory/knn-graph.ts';
import { manifoldMixture } from '../src/theory/manifolds.ts';
import { alternate } from './lib/alternate.ts';
import { positive, type Reference, withReference } from './lib/reference.ts';
import { benchThreads } from './lib/threads.ts';
import { median, now } from './lib/timing.ts';
import type { BenchContext, Benchmark } from './lib/types.ts';

const K = 16;
const NEIGHBOURS = 10;
const TOL = 1e-8;
const TARGET_RESIDUAL = 1e-6;

interface Case {
  name: string;
  n: number;
  repeats: number;
  /** Count ARPACK's products in an extra untimed run. */
  count: boolean;
}

const CASES: readonly Case[] = [
  { name: 'knn-1e4-top16', n: 10_000, repeats: 3, count: true },
  { name: 'knn-1e5-top16', n: 100_000, repeats: 1, count: true },
  { name: 'knn-1e6-top16', n: 1_000_000, repeats: 1, count: false },
];

/** Ā of the k-NN graph of n points from the benchmark's manifold mixture (seeded). */
export function benchMatrix(n: number): Tensor {
  const mix = manifoldMixture({ manifolds: 5, ambientDim: 8, intrinsicDim: 3, seed: 0 });
  const s = mix.sample(n, 0);
  try {
    // Local scales: with one global bandwidth, at 10⁶ the Gaussian latent's tail vertices get degrees
    // below 1e-15 (0.01 % of them), and the top of the spectrum is those numerically cut-off vertices.
    const g = knnGraph(s.x, { k: NEIGHBOURS, bandwidth: 'local' });
    const a = normalizedAdjacency(g);
    g.weights.dispose();
    return a;
  } finally {
    s.x.dispose();
    s.latent.dispose();
  }
}

/** Writes a CSR matrix as header.json + crow.bin (int64) + col.bin (int64) + val.bin (float64) into `dir`. */
export function writeCsr(a: Tensor, dir: string): void {
  const n = a.shape[0] as number;
  const [crow, col, val] = tidy(() => [
    sparse.crowIndices(a).data() as BigInt64Array,
    sparse.colIndices(a).data() as BigInt64Array,
    sparse.values(a).data() as Float64Array,
  ]);
  const bytes = (t: BigInt64Array | Float64Array): Uint8Array => new Uint8Array(t.buffer, t.byteOffset, t.byteLength);
  writeFileSync(join(dir, 'crow.bin'), bytes(crow));
  writeFileSync(join(dir, 'col.bin'), bytes(col));
  writeFileSync(join(dir, 'val.bin'), bytes(val));
  writeFileSync(join(dir, 'header.json'), JSON.stringify({ n, nnz: val.length }));
}

const ones = (values: ArrayLike<number>): number => Array.from(values).filter((v) => v > 1 - 1e-10).length;

interface Solve {
  seconds: number;
  maxResidual: number;
}

function speclSolve(a: Tensor, ctx: BenchContext, label: string): Solve {
  const t0 = now();
  const e = topEigenpairs(a, K, {
    method: 'chebyshev',
    tol: TOL,
    lowerBound: -1,
    seed: 0,
    log: (m) => ctx.log(`${label} specl ${m}`),
  });
  const seconds = now() - t0;
  e.vectors.dispose();
  const maxResidual = Math.max(...e.residuals);
  ctx.log(
    `${label} specl: ${seconds.toFixed(2)} s, ${e.iterations} sweeps, ${e.matvecs} products, max residual ${maxResidual.toExponential(2)}, ` +
      `${ones(e.values)} eigenvalues ≈ 1, λ₁₆ = ${(e.values[K - 1] as number).toPrecision(10)}`,
  );
  return { seconds, maxResidual };
}

async function scipySolve(
  ref: Reference,
  dir: string,
  threads: number,
  c: Case,
  count: boolean,
  ctx: BenchContext,
): Promise<Solve> {
  const reply = await ref.request<{ seconds: number; max_residual: number; values: number[]; matvecs?: number }>({
    dir,
    k: K,
    tol: TOL,
    threads,
    count,
  });
  const seconds = positive(reply, 'seconds', 'eigs.py');
  ctx.log(
    `${c.name} scipy: ${seconds.toFixed(2)} s${reply.matvecs !== undefined ? `, ${reply.matvecs} products` : ''}, ` +
      `max residual ${reply.max_residual.toExponential(2)}, ${ones(reply.values)} eigenvalues ≈ 1, λ₁₆ = ${(reply.values[K - 1] as number).toPrecision(10)}`,
  );
  return { seconds, maxResidual: reply.max_residual };
}

async function runCase(c: Case, ref: Reference, threads: number, repeats: number, ctx: BenchContext): Promise<void> {
  const t0 = now();
  const a = benchMatrix(c.n);
  const dir = mkdtempSync(join(tmpdir(), 'specl-eigs-'));
  try {
    const nnz = tidy(() => sparse.values(a).shape[0] as number);
    ctx.log(`${c.name}: graph built in ${(now() - t0).toFixed(1)} s, nnz ${nnz}`);
    writeCsr(a, dir);
    let first = true;
    const worst = { specl: 0, reference: 0 };
    const t = await alternate(
      repeats,
      () => {
        const s = speclSolve(a, ctx, c.name);
        worst.specl = Math.max(worst.specl, s.maxResidual);
        return 1 / s.seconds;
      },
      async () => {
        const s = await scipySolve(ref, dir, threads, c, c.count && first, ctx);
        first = false;
        worst.reference = Math.max(worst.reference, s.maxResidual);
        return 1 / s.seconds;
      },
    );
    for (const [side, r] of Object.entries(worst)) {
      if (!(r <= TARGET_RESIDUAL))
        ctx.log(`${c.name}: WARNING ${side} residual ${r.toExponential(2)} above ${TARGET_RESIDUAL}`);
    }
    ctx.emit({ case: c.name, specl: median(t.specl), reference: median(t.reference), unit: 'solves/s' });
  } finally {
    a.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

function benchmark(name: string, quick: boolean, cases: readonly Case[]): Benchmark {
  const sizes = cases.map((c) => c.name.split('-')[1]).join(', ');
  return {
    name,
    quick,
    description: `top-${K} eigenpairs of k-NN graph Ā (${sizes} vertices) vs scipy eigsh (ARPACK), solves/s`,
    async run(ctx) {
      const threads = benchThreads(ctx.options);
      const selected = cases.filter((c) => ctx.options.case === undefined || c.name.includes(ctx.options.case));
      if (selected.length === 0) return;
      await withReference(
        'eigs.py',
        threads,
        async (ref) => {
          for (const c of selected) await runCase(c, ref, threads, ctx.options.repeats ?? c.repeats, ctx);
        },
        ctx.log,
      );
    },
  };
}

/** All three sizes (not quick: the 10⁶ graph and both solves take minutes). */
export const eigs: Benchmark = benchmark('eigs', false, CASES);
/** The 10⁴ case alone, for the quick set. */
export const eigsQuick: Benchmark = benchmark('eigs-quick', true, CASES.slice(0, 1));
