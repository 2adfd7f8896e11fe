/**
 * k-d tree searches on several cores, behind the same synchronous call as
 * kdTreeKnn: the tree and the outputs live in SharedArrayBuffers, worker
 * threads (kd-tree-worker.ts) and the calling thread take chunks of queries
 * from one atomic counter, and the caller blocks in Atomics.wait until every
 * chunk is marked done. A chunk a worker has not finished long after the
 * caller ran out of work (a worker that failed to start, or a starved one) is
 * simply searched again by the caller — the result is the same, so the call
 * never hangs and never depends on the workers.
 */
import type { Worker } from 'node:worker_threads';
import { moduleWorker } from '../util/module-worker.ts';
import { checkTreeK, type KdTree, kdTreeSearchRange } from './kd-tree.ts';

/** Queries per chunk of work. */
const CHUNK = 1024;

/** What a worker receives (all arrays on SharedArrayBuffers). */
export interface KdWorkerInput {
  tree: KdTree;
  k: number;
  m: number;
  queries: Float64Array | undefined;
  indices: Int32Array;
  distances: Float64Array;
  /** [0]: next chunk to take; [1 + c]: 1 once chunk c is written. */
  control: Int32Array;
}

function shared<T extends Int32Array | Float64Array>(a: T): T {
  const C = a.constructor as { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number };
  const out = new C(new SharedArrayBuffer(a.length * C.BYTES_PER_ELEMENT));
  out.set(a);
  return out;
}

/** Takes chunks from the counter until none is left; returns how many this thread did. */
export function runChunks(w: KdWorkerInput): number {
  const chunks = Math.ceil(w.m / CHUNK);
  let done = 0;
  for (;;) {
    const c = Atomics.add(w.control, 0, 1);
    if (c >= chunks) return done;
    kdTreeSearchRange(w.tree, w.k, c * CHUNK, Math.min(w.m, (c + 1) * CHUNK), w.queries, w.indices, w.distances);
    Atomics.store(w.control, 1 + c, 1);
    Atomics.notify(w.control, 1 + c);
    done++;
  }
}

/**
 * kdTreeKnn on `threads` threads (the caller's plus threads − 1 workers).
 * Worth it when the search takes seconds: a worker needs a fraction of a
 * second to start.
 */
export function kdTreeKnnParallel(
  tree: KdTree,
  k: number,
  threads: number,
  queries?: Float64Array,
): { indices: Int32Array; distances: Float64Array } {
  checkTreeK(tree, k, queries === undefined);
  const m = queries === undefined ? tree.n : Math.floor(queries.length / tree.d);
  const chunks = Math.ceil(m / CHUNK);
  const input: KdWorkerInput = {
    tree: {
      ...tree,
      points: shared(tree.points),
      order: shared(tree.order),
      start: shared(tree.start),
      end: shared(tree.end),
      left: shared(tree.left),
      boxLo: shared(tree.boxLo),
      boxHi: shared(tree.boxHi),
    },
    k,
    m,
    queries: queries === undefined ? undefined : shared(queries),
    indices: new Int32Array(new SharedArrayBuffer(m * k * 4)),
    distances: new Float64Array(new SharedArrayBuffer(m * k * 8)),
    control: new Int32Array(new SharedArrayBuffer((1 + chunks) * 4)),
  };
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  const workers: Worker[] = [];
  for (let t = 1; t < Math.min(threads, chunks); t++) {
    const w = moduleWorker(new URL(`./kd-tree-worker.${ext}`, import.meta.url), { workerData: input });
    w.on('error', () => {}); // its chunks are redone below
    w.unref();
    workers.push(w);
  }
  try {
    const t0 = performance.now();
    const mine = runChunks(input);
    const perChunk = (performance.now() - t0) / Math.max(1, mine);
    // Wait for chunks still in flight; redo any that outlast a generous deadline.
    const deadline = performance.now() + Math.max(5000, 20 * perChunk);
    for (let c = 0; c < chunks; c++) {
      while (Atomics.load(input.control, 1 + c) === 0) {
        const left = deadline - performance.now();
        if (left <= 0) {
          kdTreeSearchRange(
            input.tree,
            k,
            c * CHUNK,
            Math.min(m, (c + 1) * CHUNK),
            input.queries,
            input.indices,
            input.distances,
          );
          Atomics.store(input.control, 1 + c, 1);
          break;
        }
        Atomics.wait(input.control, 1 + c, 0, left);
      }
    }
  } finally {
    for (const w of workers) w.terminate().catch(() => {});
  }
  // Plain (non-shared) copies for the caller.
  return { indices: input.indices.slice(), distances: input.distances.slice() };
}
