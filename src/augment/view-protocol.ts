/** Messages between a ViewLoader and its worker thread. */
import type { PipelineSpec } from './pipeline.ts';

export type WorkerRequest =
  | {
      type: 'init';
      /** The dataset's uint8 pixels, N×C×H×W, shared with the main thread. */
      pixels: SharedArrayBuffer;
      shape: [number, number, number, number];
      pipeline: PipelineSpec;
      views: number;
      seed: number;
      /** libtorch intra-op threads of the worker. */
      threads: number;
      /** Nice value of the worker thread (lower priority than the training step). */
      nice: number;
    }
  | { type: 'batch'; id: number; epoch: number; index: number; indices: Int32Array };

export type WorkerReply =
  | { id: number; views: { shape: number[]; data: Float32Array }[]; error?: undefined }
  | { id: number; error: string; views?: undefined };
