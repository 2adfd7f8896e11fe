/**
 * The feature projection of a run for the dashboard: the report's own
 * computation (featureProjection in src/report/html/projection.ts: a
 * stratified subset of the test split through the run's encoder.safetensors,
 * PCA by libtorch), run in a worker thread so that the server's event loop
 * (event streams, other requests) keeps going for the seconds it takes.
 * Results are kept per run while encoder.safetensors keeps its size and
 * modification time; a request for a projection already being computed
 * waits for that one (the pending promise is shared), none is computed twice.
 */
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { Projection } from '../report/html/projection.ts';
import { moduleWorker } from '../util/module-worker.ts';
import type { RunEntry } from './catalog.ts';
import { insideRoot } from './files.ts';

/** What the worker is given. */
export interface ProjectionRequest {
  dir: string;
  images: number;
}

/** What it answers. */
export type ProjectionReply = { ok: true; projection: Projection } | { ok: false; error: string };

/** The answer of /api/runs/:id/projection. */
export type ProjectionAnswer =
  | { id: string; encoder: false; note: string }
  | { id: string; encoder: true; cached: boolean; seconds: number; projection: Projection };

/** Test images projected by default: the report's default (`specl report --projection`). */
export const DEFAULT_PROJECTION_IMAGES = 2000;

interface Entry {
  key: string;
  result: Promise<{ projection: Projection; seconds: number }>;
  done: boolean;
}

export class Projections {
  /** Projections computed (not served from the cache) since the start: for tests and the curious. */
  computed = 0;
  private readonly entries = new Map<string, Entry>();
  private readonly workers = new Set<Worker>();

  constructor(
    private readonly images = DEFAULT_PROJECTION_IMAGES,
    private readonly capacity = 32,
  ) {}

  /** The projection of `r`'s final encoder: from the cache, from a computation under way, or computed now. */
  async of(r: RunEntry): Promise<ProjectionAnswer> {
    const path = insideRoot(r.dir, 'encoder.safetensors');
    let key: string | null = null;
    if (path !== null)
      try {
        const st = statSync(path);
        if (st.isFile()) key = `${st.mtimeMs}:${st.size}`;
      } catch {
        key = null;
      }
    if (key === null)
      return {
        id: r.id,
        encoder: false,
        note: 'no encoder yet: the projection is of the final encoder (encoder.safetensors), written when the run finishes',
      };
    let e = this.entries.get(r.id);
    const cached = e !== undefined && e.key === key && e.done;
    if (!e || e.key !== key) {
      const entry: Entry = { key, result: this.compute(r.dir), done: false };
      e = entry;
      this.entries.delete(r.id);
      this.entries.set(r.id, entry);
      entry.result.then(
        () => {
          entry.done = true;
        },
        () => {
          // a failure is not kept: the next request tries again (the dataset may have appeared)
          if (this.entries.get(r.id) === entry) this.entries.delete(r.id);
        },
      );
      while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    }
    const { projection, seconds } = await e.result;
    return { id: r.id, encoder: true, cached, seconds, projection };
  }

  private compute(dir: string): Promise<{ projection: Projection; seconds: number }> {
    this.computed++;
    const t0 = performance.now();
    const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
    const request: ProjectionRequest = { dir, images: this.images };
    const w = moduleWorker(new URL(`./projection-worker.${ext}`, import.meta.url), { workerData: request });
    this.workers.add(w);
    return new Promise((resolve, reject) => {
      let settled = false;
      w.once('message', (m: ProjectionReply) => {
        settled = true;
        if (m.ok)
          resolve({
            // the browser is told the file's name, not the server's paths
            projection: { ...m.projection, weights: basename(m.projection.weights) },
            seconds: (performance.now() - t0) / 1000,
          });
        else reject(new Error(m.error));
      });
      w.once('error', (err) => {
        if (!settled) reject(new Error(`the projection's worker failed: ${err.message}`));
        settled = true;
      });
      w.once('exit', (code) => {
        this.workers.delete(w);
        if (!settled) reject(new Error(`the projection's worker exited (code ${code}) without an answer`));
        settled = true;
      });
    });
  }

  /** Stops computations under way (the server is closing). */
  async close(): Promise<void> {
    await Promise.all([...this.workers].map((w) => w.terminate().catch(() => 0)));
  }
}
