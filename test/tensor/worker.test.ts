/**
 * The addon in worker_threads: it loads and computes in a Worker, several
 * workers and the main thread at the same time, each with its own scopes.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { describe, test } from 'node:test';
import type { Worker } from 'node:worker_threads';
import { Generator, randn, scopeDepth, tensor, tidy } from '../../src/tensor/index.ts';
import { assertClose } from '../helpers/close.ts';
import { Rng } from '../helpers/prng.ts';
import { tsWorker } from '../helpers/ts-worker.ts';

interface Report {
  sums: number[];
  draws: number[];
  threadId: number;
  depth: number;
  t0: number;
  t1: number;
}

/** Σ_ij (A·B)_ij = Σ_k (Σ_i a_ik)(Σ_j b_kj), for the worker's seeded matrices. */
function expectedSum(seed: number, n: number): number {
  const rng = new Rng(seed);
  const a = rng.normals(n * n);
  const b = rng.normals(n * n);
  let s = 0;
  for (let k = 0; k < n; k++) {
    let col = 0;
    let row = 0;
    for (let i = 0; i < n; i++) col += a[i * n + k] as number;
    for (let j = 0; j < n; j++) row += b[k * n + j] as number;
    s += col * row;
  }
  return s;
}

/** A compute worker with promises for its 'ready' message and its report. */
function start(seed: number, n: number, minMs: number): { w: Worker; ready: Promise<void>; report: Promise<Report> } {
  const w = tsWorker(new URL('./fixtures/worker-compute.ts', import.meta.url), { workerData: { seed, n, minMs } });
  let onReady: () => void = () => {};
  const ready = new Promise<void>((r) => {
    onReady = r;
  });
  const report = new Promise<Report>((resolve, reject) => {
    w.on('message', (m: { ready?: boolean } & Report) => (m.ready ? onReady() : resolve(m)));
    w.once('error', reject);
    w.once('exit', (code) => reject(new Error(`worker exited with code ${code}`)));
  });
  return { w, ready, report };
}

describe('worker threads', () => {
  test('the addon loads and computes in a Worker', async () => {
    const job = start(1, 16, 0);
    const r = await job.report;
    await job.w.terminate();
    assert.ok(r.threadId > 0, 'ran off the main thread');
    assert.equal(r.depth, 0);
    assert.ok(r.sums.length >= 1);
    assertClose(r.sums, new Array(r.sums.length).fill(expectedSum(1, 16)), { rtol: 1e-10 });
    // the same seed gives the same stream in every thread
    const here = tidy(() => randn([5], { generator: new Generator(1), dtype: 'float64' }).toArray());
    assert.deepEqual(r.draws, here);
  });

  test('two workers and the main thread compute at the same time', async () => {
    const jobs = [start(2, 64, 400), start(3, 64, 400)];
    await Promise.all(jobs.map((j) => j.ready));
    // main-thread work while the workers run, inside a scope of its own
    const n = 64;
    const a = new Rng(4).normals(n * n);
    const t0 = performance.timeOrigin + performance.now();
    const mainSums: number[] = [];
    tidy(() => {
      assert.equal(scopeDepth(), 1);
      const t = tensor(a, [n, n]);
      for (let i = 0; i < 200; i++) mainSums.push(tidy(() => t.matmul(t.t()).sum().item()));
    });
    const t1 = performance.timeOrigin + performance.now();
    let ref = 0; // Σ (A Aᵀ)_ij = ‖Σ_i a_i‖²
    for (let k = 0; k < n; k++) {
      let c = 0;
      for (let i = 0; i < n; i++) c += a[i * n + k] as number;
      ref += c * c;
    }
    assertClose(mainSums, new Array(mainSums.length).fill(ref), { rtol: 1e-10 }, 'main thread');
    const [r2, r3] = (await Promise.all(jobs.map((j) => j.report))) as [Report, Report];
    await Promise.all(jobs.map((j) => j.w.terminate()));
    assert.notEqual(r2.threadId, r3.threadId);
    assertClose(r2.sums, new Array(r2.sums.length).fill(expectedSum(2, 64)), { rtol: 1e-10 }, 'worker 2');
    assertClose(r3.sums, new Array(r3.sums.length).fill(expectedSum(3, 64)), { rtol: 1e-10 }, 'worker 3');
    // the three computations overlapped in time
    for (const r of [r2, r3]) assert.ok(r.t0 < t1 && t0 < r.t1, `worker [${r.t0}, ${r.t1}] vs main [${t0}, ${t1}]`);
    assert.equal(scopeDepth(), 0);
  });
});
