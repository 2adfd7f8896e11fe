/**
 * Batches of augmented views for training, prepared on a worker thread while
 * the training step runs.
 *
 * Every batch is a pure function of (seed, epoch, batch index): the epoch's
 * shuffling permutation comes from `orderSeed(seed, epoch)` and the batch's
 * augmentation draws from `batchSeed(seed, epoch, index)`. So the views are
 * identical with or without the worker, and a run resumed at batch k of an
 * epoch sees exactly the batches it would have seen.
 */
import type { Worker } from 'node:worker_threads';
import type { ImageSet } from '../data/dataset.ts';
import { checked, intIn, nonNegativeInt, positiveInt, seed as seedCheck } from '../options/index.ts';
import { Generator, keep, randperm, type Tensor, tensor, tidy } from '../tensor/index.ts';
import { moduleWorker } from '../util/module-worker.ts';
import type { Pipeline } from './pipeline.ts';
import { orderSeed, prepareViews } from './prepare-views.ts';
import type { WorkerReply, WorkerRequest } from './view-protocol.ts';

export interface ViewLoaderOptions {
  /** uint8 N×C×H×W images (and optional int64 labels) to draw batches from. */
  data: ImageSet & { labels?: Tensor | null };
  pipeline: Pipeline;
  batchSize: number;
  /** Views per image (2 for contrastive methods, 1 for the supervised baseline). */
  views?: number;
  seed: number;
  /** Reshuffle every epoch (default true); false keeps dataset order. */
  shuffle?: boolean;
  /** Drop the last incomplete batch (default true: contrastive losses want equal batch sizes). */
  dropLast?: boolean;
  /** Prepare batches on a worker thread (default true); false prepares them inline. */
  worker?: boolean;
  /** Batches prepared ahead of the one being consumed (default 2). */
  prefetch?: number;
  /** libtorch intra-op threads of the worker (default 1: the training step keeps the rest). */
  workerThreads?: number;
  /**
   * Nice value of the worker thread, 0…19 (default 10; Linux). Above 0 the
   * worker yields the cores to the training step's threads and augments in
   * the cycles they leave; when it falls behind, the step waits and it runs.
   */
  workerNice?: number;
}

/** One batch: `views[v]` is float32 B×C×H'×W'; dispose it when the step is done. */
export interface ViewBatch {
  views: Tensor[];
  labels: Tensor | null;
  /** Dataset indices of the batch's images. */
  indices: Int32Array;
  epoch: number;
  index: number;
  dispose(): void;
}

type Pending = { resolve: (r: WorkerReply) => void; reject: (e: Error) => void };

const NAME = 'ViewLoader';

/**
 * One turn of the event loop, taken before each batch. Without it the steps
 * run back to back as microtasks — inline, or inside the delivery of replies
 * the worker has queued ahead — and a signal (Ctrl-C, SIGTERM) or a timer
 * waits until the epoch ends.
 */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

function checkOptions(o: ViewLoaderOptions): void {
  const { images } = o.data;
  if (images.dtype !== 'uint8' || images.ndim !== 4)
    throw new TypeError(`ViewLoader: data.images must be uint8 N×C×H×W, got ${images.dtype} [${images.shape}]`);
  const n = images.shape[0] as number;
  const labels = o.data.labels;
  if (labels && (labels.ndim !== 1 || labels.shape[0] !== n))
    throw new TypeError(`ViewLoader: data.labels must have shape [${n}], got [${labels.shape}]`);
  checked(NAME, 'batchSize', positiveInt, o.batchSize);
  for (const key of ['views', 'prefetch', 'workerThreads'] as const) {
    if (o[key] !== undefined) checked(NAME, key, positiveInt, o[key]);
  }
  if (o.workerNice !== undefined) checked(NAME, 'workerNice', intIn(0, 19), o.workerNice);
  checked(NAME, 'seed', seedCheck, o.seed);
  if ((o.dropLast ?? true) && o.batchSize > n)
    throw new RangeError(`ViewLoader: batchSize ${o.batchSize} exceeds the ${n} images (with dropLast)`);
}

export class ViewLoader {
  readonly batchSize: number;
  readonly views: number;
  readonly seed: number;
  readonly size: number;
  readonly #o: ViewLoaderOptions;
  #worker: Worker | null = null;
  #pending = new Map<number, Pending>();
  #nextId = 0;
  #failure: Error | null = null;

  constructor(options: ViewLoaderOptions) {
    checkOptions(options);
    this.#o = options;
    this.batchSize = options.batchSize;
    this.views = options.views ?? 2;
    this.seed = options.seed;
    this.size = options.data.images.shape[0] as number;
  }

  /** Batches in one epoch. */
  get batchesPerEpoch(): number {
    const full = Math.floor(this.size / this.batchSize);
    return (this.#o.dropLast ?? true) || this.size % this.batchSize === 0 ? full : full + 1;
  }

  /** The dataset order of `epoch`: a seeded permutation, or 0…N−1 without shuffling. */
  order(epoch: number): Int32Array {
    if (this.#o.shuffle === false) return Int32Array.from({ length: this.size }, (_, i) => i);
    return tidy(() => {
      const p = randperm(this.size, { generator: new Generator(orderSeed(this.seed, epoch)) });
      return Int32Array.from(p.data() as BigInt64Array, Number);
    });
  }

  /**
   * The batches of `epoch`, from batch `from` on (to resume mid-epoch). With
   * the worker on, up to `prefetch` batches are prepared ahead.
   */
  async *epoch(epoch: number, { from = 0 }: { from?: number } = {}): AsyncGenerator<ViewBatch> {
    checked(`${NAME}.epoch`, 'epoch', nonNegativeInt, epoch);
    const order = this.order(epoch);
    const count = this.batchesPerEpoch;
    const slice = (k: number) => order.subarray(k * this.batchSize, Math.min((k + 1) * this.batchSize, this.size));
    if (this.#o.worker === false) {
      for (let k = from; k < count; k++) {
        await turn();
        yield this.#inline(epoch, k, slice(k));
      }
      return;
    }
    const depth = this.#o.prefetch ?? 2;
    const queue: Promise<WorkerReply>[] = [];
    let next = from;
    const request = () => {
      if (next < count) queue.push(this.#request(epoch, next, slice(next)));
      next++;
    };
    for (let i = 0; i <= depth; i++) request();
    try {
      for (let k = from; k < count; k++) {
        const reply = await (queue.shift() as Promise<WorkerReply>);
        await turn();
        request();
        yield this.#fromReply(reply, epoch, k, slice(k));
      }
    } finally {
      // An early `break` leaves requests in flight: their replies are plain buffers, dropped on arrival.
      await Promise.allSettled(queue);
    }
  }

  /** Stops the worker thread (the loader can be used again: a new worker starts on demand). */
  async close(): Promise<void> {
    const w = this.#worker;
    this.#worker = null;
    this.#failure = null;
    if (w) await w.terminate();
  }

  #inline(epoch: number, index: number, indices: Int32Array): ViewBatch {
    return tidy(() => {
      const idx = tensor(Int32Array.from(indices), [indices.length]).long();
      const images = this.#o.data.images.indexSelect(0, idx);
      const views = prepareViews(this.#o.pipeline, images, this.views, this.seed, epoch, index);
      const labels = this.#o.data.labels ? this.#o.data.labels.indexSelect(0, idx) : null;
      return this.#batch(views, labels, indices, epoch, index);
    });
  }

  #fromReply(reply: WorkerReply, epoch: number, index: number, indices: Int32Array): ViewBatch {
    if (reply.error !== undefined) throw new Error(`ViewLoader worker: ${reply.error}`);
    return tidy(() => {
      const views = reply.views.map((v) => tensor(v.data, v.shape));
      let labels: Tensor | null = null;
      if (this.#o.data.labels) {
        const idx = tensor(Int32Array.from(indices), [indices.length]).long();
        labels = this.#o.data.labels.indexSelect(0, idx);
      }
      return this.#batch(views, labels, indices, epoch, index);
    });
  }

  #batch(views: Tensor[], labels: Tensor | null, indices: Int32Array, epoch: number, index: number): ViewBatch {
    for (const v of views) keep(v);
    if (labels) keep(labels);
    return {
      views,
      labels,
      indices,
      epoch,
      index,
      dispose() {
        for (const v of views) v.dispose();
        labels?.dispose();
      },
    };
  }

  #request(epoch: number, index: number, indices: Int32Array): Promise<WorkerReply> {
    if (this.#failure) return Promise.reject(this.#failure);
    const w = this.#ensureWorker();
    const id = this.#nextId++;
    const done = new Promise<WorkerReply>((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    w.ref();
    const msg: WorkerRequest = { type: 'batch', id, epoch, index, indices: Int32Array.from(indices) };
    w.postMessage(msg);
    return done;
  }

  #ensureWorker(): Worker {
    if (this.#worker) return this.#worker;
    const { images } = this.#o.data;
    const shape = images.shape as [number, number, number, number];
    const bytes = images.contiguous().data() as Uint8Array;
    const pixels = new SharedArrayBuffer(bytes.byteLength);
    new Uint8Array(pixels).set(bytes);
    // Same extension as this module: .ts from the sources, .js once compiled.
    const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
    const w = moduleWorker(new URL(`./view-worker.${ext}`, import.meta.url));
    const init: WorkerRequest = {
      type: 'init',
      pixels,
      shape,
      pipeline: this.#o.pipeline.spec,
      views: this.views,
      seed: this.seed,
      threads: this.#o.workerThreads ?? 1,
      nice: this.#o.workerNice ?? 10,
    };
    w.postMessage(init);
    w.on('message', (r: WorkerReply) => {
      const p = this.#pending.get(r.id);
      this.#pending.delete(r.id);
      if (this.#pending.size === 0) w.unref();
      p?.resolve(r);
    });
    const fail = (e: Error) => {
      this.#failure = e;
      for (const p of this.#pending.values()) p.reject(e);
      this.#pending.clear();
      if (this.#worker === w) this.#worker = null;
    };
    w.on('error', (e) => fail(new Error(`ViewLoader worker failed: ${e.message}`)));
    w.on('exit', (code) => {
      if (this.#pending.size > 0) fail(new Error(`ViewLoader worker exited (code ${code}) with batches pending`));
      else if (this.#worker === w) this.#worker = null;
    });
    w.unref();
    this.#worker = w;
    return w;
  }
}
