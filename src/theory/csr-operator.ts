/**
 * A sparse symmetric matrix as host CSR arrays with the two kernels the
 * eigensolver needs, written as plain loops over typed arrays:
 *
 * - `multiply`: Y = A·X for a block of vectors,
 * - `chebyshevStep`: the fused three-term step Y⁺ = α·(A·Y − c·Y) − β·Y⁻ of a
 *   scaled Chebyshev filter (Zhou, Saad, Tiago, Chelikowsky 2006, "Parallel
 *   self-consistent-field calculations via Chebyshev-filtered subspace
 *   acceleration", Alg. 4.1), one pass over the matrix per step.
 *
 * Why not libtorch's CSR × dense product: the CPU kernel of the libtorch this
 * project links (1.13, built without MKL) calls one BLAS axpy per stored
 * entry, ≈25 ns per entry whatever the block width — 20× slower than a plain
 * loop for one vector and still several times slower per vector at 32
 * columns. The loop below reads each stored entry once per group of 8
 * columns and accumulates in registers.
 *
 * Blocks are row-major n×`stride` Float64Arrays (the layout of a contiguous
 * n×q tensor); a kernel touches only columns 0…cols−1. With `startWorkers`,
 * products on the two shared workspaces run on several threads: rows are cut
 * into chunks of equal stored entries, which the calling thread and worker
 * threads take from an atomic counter; the caller then waits for chunks
 * still in flight and redoes any a worker has not finished long after (so a
 * missing or stalled worker costs time, never a hang or a wrong result).
 */
import { Worker } from 'node:worker_threads';
import { sparse, type Tensor, tidy } from '../tensor/index.ts';

/**
 * out[i, j] = α·((A·cur)[i, j] − c·cur[i, j]) − β·prev[i, j] for rows r0…r1−1 and
 * columns j < cols. Self-contained (no closures): its source also runs in the workers.
 */
function chebyshevRows(
  crow: Int32Array,
  col: Int32Array,
  val: Float64Array,
  cur: Float64Array,
  prev: Float64Array,
  out: Float64Array,
  stride: number,
  cols: number,
  alpha: number,
  c: number,
  beta: number,
  r0: number,
  r1: number,
): void {
  for (let i = r0; i < r1; i++) {
    const s = crow[i] as number;
    const e = crow[i + 1] as number;
    const ro = i * stride;
    let j = 0;
    for (; j + 8 <= cols; j += 8) {
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let a4 = 0;
      let a5 = 0;
      let a6 = 0;
      let a7 = 0;
      for (let p = s; p < e; p++) {
        const v = val[p] as number;
        const o = (col[p] as number) * stride + j;
        a0 += v * (cur[o] as number);
        a1 += v * (cur[o + 1] as number);
        a2 += v * (cur[o + 2] as number);
        a3 += v * (cur[o + 3] as number);
        a4 += v * (cur[o + 4] as number);
        a5 += v * (cur[o + 5] as number);
        a6 += v * (cur[o + 6] as number);
        a7 += v * (cur[o + 7] as number);
      }
      const r = ro + j;
      if (beta === 0) {
        out[r] = alpha * (a0 - c * (cur[r] as number));
        out[r + 1] = alpha * (a1 - c * (cur[r + 1] as number));
        out[r + 2] = alpha * (a2 - c * (cur[r + 2] as number));
        out[r + 3] = alpha * (a3 - c * (cur[r + 3] as number));
        out[r + 4] = alpha * (a4 - c * (cur[r + 4] as number));
        out[r + 5] = alpha * (a5 - c * (cur[r + 5] as number));
        out[r + 6] = alpha * (a6 - c * (cur[r + 6] as number));
        out[r + 7] = alpha * (a7 - c * (cur[r + 7] as number));
      } else {
        out[r] = alpha * (a0 - c * (cur[r] as number)) - beta * (prev[r] as number);
        out[r + 1] = alpha * (a1 - c * (cur[r + 1] as number)) - beta * (prev[r + 1] as number);
        out[r + 2] = alpha * (a2 - c * (cur[r + 2] as number)) - beta * (prev[r + 2] as number);
        out[r + 3] = alpha * (a3 - c * (cur[r + 3] as number)) - beta * (prev[r + 3] as number);
        out[r + 4] = alpha * (a4 - c * (cur[r + 4] as number)) - beta * (prev[r + 4] as number);
        out[r + 5] = alpha * (a5 - c * (cur[r + 5] as number)) - beta * (prev[r + 5] as number);
        out[r + 6] = alpha * (a6 - c * (cur[r + 6] as number)) - beta * (prev[r + 6] as number);
        out[r + 7] = alpha * (a7 - c * (cur[r + 7] as number)) - beta * (prev[r + 7] as number);
      }
    }
    for (; j + 4 <= cols; j += 4) {
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      for (let p = s; p < e; p++) {
        const v = val[p] as number;
        const o = (col[p] as number) * stride + j;
        a0 += v * (cur[o] as number);
        a1 += v * (cur[o + 1] as number);
        a2 += v * (cur[o + 2] as number);
        a3 += v * (cur[o + 3] as number);
      }
      const r = ro + j;
      out[r] = alpha * (a0 - c * (cur[r] as number)) - (beta === 0 ? 0 : beta * (prev[r] as number));
      out[r + 1] = alpha * (a1 - c * (cur[r + 1] as number)) - (beta === 0 ? 0 : beta * (prev[r + 1] as number));
      out[r + 2] = alpha * (a2 - c * (cur[r + 2] as number)) - (beta === 0 ? 0 : beta * (prev[r + 2] as number));
      out[r + 3] = alpha * (a3 - c * (cur[r + 3] as number)) - (beta === 0 ? 0 : beta * (prev[r + 3] as number));
    }
    for (; j < cols; j++) {
      let a0 = 0;
      for (let p = s; p < e; p++) a0 += (val[p] as number) * (cur[(col[p] as number) * stride + j] as number);
      const r = ro + j;
      out[r] = alpha * (a0 - c * (cur[r] as number)) - (beta === 0 ? 0 : beta * (prev[r] as number));
    }
  }
}

/** Row chunks per product on several threads. */
const CHUNKS = 32;
/** Control words: [0] task generation, [1] ticket counter (generation·TICKETS + chunk), [2] quit, [3…7] task, then one done-flag per chunk. */
const HEADER = 8;
const TICKETS = 1024;

/** The worker's loop; runs chebyshevRows on the chunks it takes. Self-contained source (eval'd in the worker). */
function workerLoop(d: {
  crow: Int32Array;
  col: Int32Array;
  val: Float64Array;
  spaces: Float64Array[];
  control: Int32Array;
  params: Float64Array;
  split: Int32Array;
}): void {
  const ctl = d.control;
  let seen = Atomics.load(ctl, 0);
  for (;;) {
    Atomics.wait(ctl, 0, seen);
    seen = Atomics.load(ctl, 0);
    if (Atomics.load(ctl, 2) === 1) return;
    for (;;) {
      const ticket = Atomics.add(ctl, 1, 1);
      const chunk = ticket % 1024;
      if (chunk >= 32) break;
      const gen = (ticket - chunk) / 1024;
      try {
        // In the worker, chebyshevRows is the copy defined before this loop in its source.
        chebyshevRows(
          d.crow,
          d.col,
          d.val,
          d.spaces[ctl[3] as number] as Float64Array,
          d.spaces[ctl[4] as number] as Float64Array,
          d.spaces[ctl[5] as number] as Float64Array,
          ctl[6] as number,
          ctl[7] as number,
          d.params[0] as number,
          d.params[1] as number,
          d.params[2] as number,
          d.split[chunk] as number,
          d.split[chunk + 1] as number,
        );
      } catch {
        // Hand the chunk back: the caller redoes it and stops using the workers.
        Atomics.store(ctl, 8 + chunk, -gen);
        Atomics.notify(ctl, 8 + chunk);
        return;
      }
      Atomics.store(ctl, 8 + chunk, gen);
      Atomics.notify(ctl, 8 + chunk);
    }
  }
}

export class CsrOperator {
  /** Number of rows (= columns). */
  readonly n: number;
  /** Row pointers, n + 1. */
  crow: Int32Array;
  /** Column index of each stored entry. */
  col: Int32Array;
  /** Value of each stored entry. */
  val: Float64Array;
  /** Matrix–vector products so far (a block of q columns counts q). */
  products = 0;
  #workers: Worker[] = [];
  #spaces: Float64Array[] = [];
  #control: Int32Array | null = null;
  #params: Float64Array | null = null;
  #split: Int32Array | null = null;
  #generation = 0;

  constructor(n: number, crow: Int32Array, col: Int32Array, val: Float64Array) {
    if (crow.length !== n + 1)
      throw new Error(`CsrOperator: crow must hold n + 1 = ${n + 1} entries, got ${crow.length}`);
    if (col.length !== val.length || crow[n] !== val.length) {
      throw new Error(`CsrOperator: ${val.length} values, ${col.length} column indices, crow[n] = ${crow[n]}`);
    }
    this.n = n;
    this.crow = crow;
    this.col = col;
    this.val = val;
  }

  /** Host copy of an n×n float64 sparse CSR tensor (indices must fit int32). */
  static fromTensor(a: Tensor): CsrOperator {
    const n = a.shape[0] as number;
    const [crow, col, val] = tidy(() => [
      sparse.crowIndices(a).data(),
      sparse.colIndices(a).data(),
      sparse.values(a).data() as Float64Array,
    ]);
    const nnz = val.length;
    if (nnz >= 2 ** 31) throw new Error(`CsrOperator: ${nnz} stored entries exceed the int32 index range`);
    const toInt32 = (x: ArrayLike<number | bigint>): Int32Array => {
      const out = new Int32Array(x.length);
      for (let i = 0; i < x.length; i++) out[i] = Number(x[i]);
      return out;
    };
    return new CsrOperator(n, toInt32(crow as BigInt64Array), toInt32(col as BigInt64Array), val);
  }

  /**
   * The same matrix with vertices renumbered in breadth-first order (Cuthill &
   * McKee 1969, without the degree sort): neighbours get nearby numbers, so a
   * product reads nearby rows of the block instead of rows scattered over
   * memory (k-NN graphs of randomly ordered points are the worst case).
   * `order[i]` is the old number of new vertex i, `position[v]` the new number
   * of old vertex v; A' = PAPᵀ has the same eigenvalues, eigenvectors permuted.
   */
  bandwidthOrdered(): { op: CsrOperator; order: Int32Array; position: Int32Array } {
    const { n, crow, col, val } = this;
    const order = new Int32Array(n);
    const position = new Int32Array(n).fill(-1);
    let tail = 0;
    for (let s = 0; s < n; s++) {
      if (position[s] !== -1) continue;
      position[s] = tail;
      order[tail++] = s;
      for (let head = tail - 1; head < tail; head++) {
        const v = order[head] as number;
        for (let p = crow[v] as number; p < (crow[v + 1] as number); p++) {
          const u = col[p] as number;
          if (position[u] === -1) {
            position[u] = tail;
            order[tail++] = u;
          }
        }
      }
    }
    const crow2 = new Int32Array(n + 1);
    const col2 = new Int32Array(col.length);
    const val2 = new Float64Array(val.length);
    let t = 0;
    for (let i = 0; i < n; i++) {
      const v = order[i] as number;
      for (let p = crow[v] as number; p < (crow[v + 1] as number); p++) {
        col2[t] = position[col[p] as number] as number;
        val2[t] = val[p] as number;
        t++;
      }
      crow2[i + 1] = t;
    }
    return { op: new CsrOperator(n, crow2, col2, val2), order, position };
  }

  /**
   * Starts threads − 1 worker threads that share the matrix and three n×cols
   * workspaces (`workspace`), when threads > 1; until `close`, products whose
   * blocks are all workspaces, with `out` distinct from `prev`, run on all threads.
   */
  startWorkers(threads: number, cols: number): void {
    this.close();
    const { n } = this;
    const shared = <T extends Int32Array | Float64Array>(a: T): T => {
      const C = a.constructor as { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number };
      const out = new C(new SharedArrayBuffer(a.length * C.BYTES_PER_ELEMENT));
      out.set(a);
      return out;
    };
    const size = n * cols;
    if (threads <= 1) {
      this.#spaces = [new Float64Array(size), new Float64Array(size), new Float64Array(size)];
      return;
    }
    this.crow = shared(this.crow);
    this.col = shared(this.col);
    this.val = shared(this.val);
    this.#spaces = [0, 1, 2].map(() => new Float64Array(new SharedArrayBuffer(size * 8)));
    this.#control = new Int32Array(new SharedArrayBuffer((HEADER + CHUNKS) * 4));
    this.#params = new Float64Array(new SharedArrayBuffer(3 * 8));
    // Chunk boundaries at equal shares of stored entries.
    const split = new Int32Array(new SharedArrayBuffer((CHUNKS + 1) * 4));
    const nnz = this.crow[n] as number;
    let row = 0;
    for (let t = 1; t < CHUNKS; t++) {
      const target = (nnz * t) / CHUNKS;
      while (row < n && (this.crow[row] as number) < target) row++;
      split[t] = row;
    }
    split[CHUNKS] = n;
    this.#split = split;
    this.#generation = 0;
    // __name: the helper esbuild (tsx) may wrap named functions in; the worker's script lacks it.
    const source = `const { workerData } = require('node:worker_threads');\nconst __name = (f) => f;\n${chebyshevRows.toString()}\n(${workerLoop.toString()})(workerData);`;
    const data = {
      crow: this.crow,
      col: this.col,
      val: this.val,
      spaces: this.#spaces,
      control: this.#control,
      params: this.#params,
      split,
    };
    for (let t = 1; t < threads; t++) {
      const w = new Worker(source, { eval: true, workerData: data });
      w.on('error', () => {}); // a failing worker hands its chunk back (workerLoop)
      w.unref();
      this.#workers.push(w);
    }
  }

  /** Stops the workers (products then run on the calling thread). */
  close(): void {
    if (this.#control !== null) {
      Atomics.store(this.#control, 2, 1);
      Atomics.add(this.#control, 0, 1);
      Atomics.notify(this.#control, 0);
    }
    for (const w of this.#workers) w.terminate().catch(() => {});
    this.#workers = [];
    this.#control = null;
  }

  /** Workspace i ∈ {0, 1, 2} as an n×cols block (shared with the workers once started; cols ≤ the started width). */
  workspace(i: 0 | 1 | 2, cols: number): Float64Array {
    const s = this.#spaces[i];
    if (s === undefined || s.length < this.n * cols) {
      throw new Error(`CsrOperator.workspace: start with startWorkers(threads, ≥ ${cols}) first`);
    }
    return s.subarray(0, this.n * cols);
  }

  /** A·x for a row-major n×cols block, as a new (unshared) array; on the workers when they run and cols fits. */
  product(x: Float64Array, cols: number): Float64Array {
    const size = this.n * cols;
    if (x.length !== size) throw new Error(`CsrOperator.product: x must hold n·cols = ${size} values, got ${x.length}`);
    if (this.#spaces.length === 0 || (this.#spaces[0] as Float64Array).length < size) {
      const y = new Float64Array(size);
      this.multiply(x, y, cols, cols);
      return y;
    }
    const a = this.workspace(0, cols);
    const y = this.workspace(1, cols);
    a.set(x);
    this.multiply(a, y, cols, cols);
    return y.slice();
  }

  /** y[:, 0:cols] = A·x[:, 0:cols] (row-major, row stride `stride`). */
  multiply(x: Float64Array, y: Float64Array, stride: number, cols: number): void {
    this.chebyshevStep(x, x, y, stride, cols, 1, 0, 0);
  }

  /**
   * out[:, 0:cols] = α·(A·cur − c·cur) − β·prev on columns 0…cols−1. `out`
   * may be `prev` (row i of prev is read before row i of out is written, and
   * no other row of prev is read), never `cur`. With β = 0, `prev` is not read.
   */
  chebyshevStep(
    cur: Float64Array,
    prev: Float64Array,
    out: Float64Array,
    stride: number,
    cols: number,
    alpha: number,
    c: number,
    beta: number,
  ): void {
    if (out === cur || (out.buffer === cur.buffer && out.byteOffset === cur.byteOffset)) {
      throw new Error('CsrOperator.chebyshevStep: out must not alias cur');
    }
    this.products += cols;
    const ids = [cur, prev, out].map((a) => this.#spaces.findIndex((s) => s.buffer === a.buffer && a.byteOffset === 0));
    // In place (out = prev) stays on this thread: a chunk redone after a stalled worker must find its inputs intact.
    if (this.#control === null || ids.some((i) => i < 0) || (beta !== 0 && ids[1] === ids[2])) {
      chebyshevRows(this.crow, this.col, this.val, cur, prev, out, stride, cols, alpha, c, beta, 0, this.n);
      return;
    }
    this.#parallel(ids as number[], stride, cols, alpha, c, beta);
  }

  #parallel(ids: number[], stride: number, cols: number, alpha: number, c: number, beta: number): void {
    const ctl = this.#control as Int32Array;
    const split = this.#split as Int32Array;
    const params = this.#params as Float64Array;
    params[0] = alpha;
    params[1] = c;
    params[2] = beta;
    ctl[3] = ids[0] as number;
    ctl[4] = ids[1] as number;
    ctl[5] = ids[2] as number;
    ctl[6] = stride;
    ctl[7] = cols;
    const gen = ++this.#generation;
    if (gen * TICKETS >= 2 ** 31 - TICKETS)
      throw new Error('CsrOperator: too many products for one startWorkers; restart the workers');
    Atomics.store(ctl, 1, gen * TICKETS);
    Atomics.store(ctl, 0, gen);
    Atomics.notify(ctl, 0);
    const [cur, prev, out] = ids.map((i) => this.#spaces[i] as Float64Array) as [
      Float64Array,
      Float64Array,
      Float64Array,
    ];
    const run = (chunk: number): void => {
      chebyshevRows(
        this.crow,
        this.col,
        this.val,
        cur,
        prev,
        out,
        stride,
        cols,
        alpha,
        c,
        beta,
        split[chunk] as number,
        split[chunk + 1] as number,
      );
    };
    const t0 = performance.now();
    let mine = 0;
    for (;;) {
      const chunk = Atomics.add(ctl, 1, 1) - gen * TICKETS;
      if (chunk >= CHUNKS) break;
      run(chunk);
      Atomics.store(ctl, HEADER + chunk, gen);
      mine++;
    }
    // Chunks in flight on workers: wait; a chunk a worker hands back (it failed) or that outlasts a
    // long deadline (a worker that died) is redone here, and the workers are dropped so that a late writer cannot touch later products.
    const deadline = performance.now() + Math.max(60_000, (100 * (performance.now() - t0)) / Math.max(1, mine));
    let redone = false;
    for (let chunk = 0; chunk < CHUNKS; chunk++) {
      for (;;) {
        const flag = Atomics.load(ctl, HEADER + chunk);
        if (flag === gen) break;
        const left = deadline - performance.now();
        if (left <= 0 || flag === -gen) {
          run(chunk);
          Atomics.store(ctl, HEADER + chunk, gen);
          redone = true;
          break;
        }
        Atomics.wait(ctl, HEADER + chunk, flag, Math.min(left, 1000));
      }
    }
    if (redone) this.#abandonWorkers();
  }

  /** Stops the workers and moves the workspaces to fresh memory no worker can reach. */
  #abandonWorkers(): void {
    this.close();
    this.#spaces = this.#spaces.map((s) => Float64Array.from(s));
  }
}
