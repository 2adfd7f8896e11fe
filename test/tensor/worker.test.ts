/**
 * The addon in worker_threads: it loads and computes in a Worker, several
 * workers and the main thread at the same time, each with its own scopes.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
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

/** Shared flags of the compute workers: [0] stop, [1 + slot] products finished by worker `slot`. */
const controls = (workers: number, stopped = false): Int32Array => {
  const flags = new Int32Array(new SharedArrayBuffer(4 * (1 + workers)));
  if (stopped) flags[0] = 1;
  return flags;
};

/** A compute worker with promises for its 'ready' message and its report; it computes until `flags[0]` is set. */
function start(
  seed: number,
  n: number,
  flags: Int32Array,
  slot: number,
): { w: Worker; ready: Promise<void>; report: Promise<Report> } {
  const w = tsWorker(new URL('./fixtures/worker-compute.ts', import.meta.url), {
    workerData: { seed, n, control: flags.buffer, slot },
  });
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
    const job = start(1, 16, controls(1, true), 0); // stopped from the start: one product
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

  // Overlap is shown by counting, not by clocks: each worker's products finished while the main thread's
  // computation was under way (from the start of its first product to the end of its last), however slow the machine.
  test('two workers and the main thread compute at the same time', async (t) => {
    const flags = controls(2);
    const jobs = [start(2, 64, flags, 0), start(3, 64, flags, 1)];
    const done = (slot: number) => Atomics.load(flags, 1 + slot);
    try {
      await Promise.all(jobs.map((j) => j.ready));
      const deadline = performance.now() + 120_000;
      while ((done(0) === 0 || done(1) === 0) && performance.now() < deadline) await sleep(5);
      assert.ok(done(0) > 0 && done(1) > 0, 'both workers started computing within 2 minutes');
      // main-thread work while the workers run, inside a scope of its own: at least 200 products, and on
      // until each worker has finished two more of its own (bounded in time)
      const n = 64;
      const a = new Rng(4).normals(n * n);
      const mainSums: number[] = [];
      let during: number[] = [];
      tidy(() => {
        assert.equal(scopeDepth(), 1);
        const m = tensor(a, [n, n]);
        const before = [done(0), done(1)];
        mainSums.push(tidy(() => m.matmul(m.t()).sum().item()));
        while (
          mainSums.length < 200 ||
          ((done(0) < (before[0] as number) + 2 || done(1) < (before[1] as number) + 2) && performance.now() < deadline)
        ) {
          mainSums.push(tidy(() => m.matmul(m.t()).sum().item()));
        }
        during = [done(0) - (before[0] as number), done(1) - (before[1] as number)];
      });
      t.diagnostic(`main thread: ${mainSums.length} products; workers meanwhile: ${during.join(' and ')}`);
      let ref = 0; // Σ (A Aᵀ)_ij = ‖Σ_i a_i‖²
      for (let k = 0; k < n; k++) {
        let c = 0;
        for (let i = 0; i < n; i++) c += a[i * n + k] as number;
        ref += c * c;
      }
      assertClose(mainSums, new Array(mainSums.length).fill(ref), { rtol: 1e-10 }, 'main thread');
      // the three computations overlapped: each worker finished products while the main thread computed
      for (const [i, d] of during.entries()) assert.ok((d as number) >= 2, `worker ${i}: ${d} products during main's`);
    } finally {
      Atomics.store(flags, 0, 1);
    }
    const [r2, r3] = (await Promise.all(jobs.map((j) => j.report))) as [Report, Report];
    await Promise.all(jobs.map((j) => j.w.terminate()));
    assert.notEqual(r2.threadId, r3.threadId);
    assertClose(r2.sums, new Array(r2.sums.length).fill(expectedSum(2, 64)), { rtol: 1e-10 }, 'worker 2');
    assertClose(r3.sums, new Array(r3.sums.length).fill(expectedSum(3, 64)), { rtol: 1e-10 }, 'worker 3');
    assert.equal(scopeDepth(), 0);
  });
});
