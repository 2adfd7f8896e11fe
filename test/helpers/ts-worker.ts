/**
 * Starts a worker_threads Worker on a TypeScript entry file. Node 20 does not
 * apply `execArgv: ['--import', 'tsx']` to a worker's entry module, so the
 * worker first registers tsx's loader and then imports the entry.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

const tsxApi = import.meta.resolve('tsx/esm/api');

export function tsWorker(entry: URL, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  const code =
    `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); ` +
    `return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(code, { ...options, eval: true });
}

/** The first message a worker posts (rejects on its error or a non-zero exit before any message). */
export function firstMessage<T>(w: Worker): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    w.once('message', (m: T) => resolve(m));
    w.once('error', reject);
    w.once('exit', (code) => reject(new Error(`worker exited with code ${code} before posting a message`)));
  });
}
