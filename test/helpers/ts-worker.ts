/** Workers on TypeScript entry files, through the library's own `moduleWorker`. */
import type { Worker } from 'node:worker_threads';

export { moduleWorker as tsWorker } from '../../src/util/module-worker.ts';

/** The first message a worker posts (rejects on its error or a non-zero exit before any message). */
export function firstMessage<T>(w: Worker): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    w.once('message', (m: T) => resolve(m));
    w.once('error', reject);
    w.once('exit', (code) => reject(new Error(`worker exited with code ${code} before posting a message`)));
  });
}
