/**
 * The loader's worker thread: holds the dataset's pixels in shared memory,
 * gathers each requested batch, augments it with the pipeline (on its own
 * libtorch intra-op threads) and posts the views back as transferable buffers.
 */
import { parentPort } from 'node:worker_threads';
import { setNumThreads, setThreadNice, tensor, tidy } from '../tensor/index.ts';
import { Pipeline } from './pipeline.ts';
import { prepareViews } from './prepare-views.ts';
import type { WorkerReply, WorkerRequest } from './view-protocol.ts';

const port = parentPort;
if (!port) throw new Error('view-worker.ts runs only as a worker thread (see ViewLoader)');

let pixels: Uint8Array | null = null;
let shape: [number, number, number, number] = [0, 0, 0, 0];
let pipeline: Pipeline | null = null;
let views = 2;
let seed = 0;

/** Copies the images at `indices` out of the shared pixels into one uint8 batch buffer. */
function gather(indices: Int32Array): Uint8Array {
  const per = shape[1] * shape[2] * shape[3];
  const out = new Uint8Array(indices.length * per);
  const src = pixels as Uint8Array;
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k] as number;
    out.set(src.subarray(i * per, (i + 1) * per), k * per);
  }
  return out;
}

port.on('message', (m: WorkerRequest) => {
  if (m.type === 'init') {
    pixels = new Uint8Array(m.pixels);
    shape = m.shape;
    pipeline = Pipeline.fromSpec(m.pipeline);
    views = m.views;
    seed = m.seed;
    setNumThreads(m.threads);
    if (m.nice !== 0) setThreadNice(m.nice);
    return;
  }
  try {
    const out = tidy(() => {
      const x = tensor(gather(m.indices), [m.indices.length, shape[1], shape[2], shape[3]]);
      const vs = prepareViews(pipeline as Pipeline, x, views, seed, m.epoch, m.index);
      return vs.map((v) => ({ shape: v.shape, data: v.contiguous().data() as Float32Array }));
    });
    const reply: WorkerReply = { id: m.id, views: out };
    port.postMessage(
      reply,
      out.map((v) => v.data.buffer as ArrayBuffer),
    );
  } catch (e) {
    const reply: WorkerReply = { id: m.id, error: (e as Error).message };
    port.postMessage(reply);
  }
});
