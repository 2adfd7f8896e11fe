/**
 * The worker thread of one feature projection (src/dashboard/projection.ts):
 * computes `featureProjection` (src/report/html/projection.ts, the report's
 * own) of the run folder in its workerData and posts the result back, so
 * the dashboard's event loop keeps serving while libtorch works.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { featureProjection } from '../report/html/projection.ts';
import type { ProjectionReply, ProjectionRequest } from './projection.ts';

const port = parentPort;
if (!port) throw new Error('projection-worker.ts runs only as a worker thread (see src/dashboard/projection.ts)');
const job = workerData as ProjectionRequest;
let reply: ProjectionReply;
try {
  reply = { ok: true, projection: await featureProjection(job.dir, { images: job.images }) };
} catch (e) {
  reply = { ok: false, error: (e as Error).message };
}
port.postMessage(reply);
port.close();
