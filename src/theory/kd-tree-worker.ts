/** Worker thread of kd-tree-parallel.ts: searches chunks of queries until none is left. */
import { workerData } from 'node:worker_threads';
import { type KdWorkerInput, runChunks } from './kd-tree-parallel.ts';

runChunks(workerData as KdWorkerInput);
