/**
 * Starts a worker_threads Worker on one of specl's own modules. From the
 * TypeScript sources (run through tsx) the worker must register tsx's loader
 * before importing the entry, because Node 20 does not apply `--import tsx` to
 * a worker's entry module; from compiled JavaScript it imports the entry as is.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

export function moduleWorker(entry: URL, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  const target = JSON.stringify(entry.href);
  if (!entry.pathname.endsWith('.ts')) return new Worker(`import(${target});`, { ...options, eval: true });
  const tsxApi = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const code = `import(${tsxApi}).then(({ register }) => { register(); return import(${target}); });`;
  return new Worker(code, { ...options, eval: true });
}
