/** One thread count for both sides, so a ratio compares implementations, not core counts. */
import { getNumThreads, setNumThreads } from '../../src/tensor/index.ts';
import type { BenchOptions } from './types.ts';

/** Applies `--threads` to specl (if given) and returns the count the reference must use. */
export function benchThreads(o: BenchOptions): number {
  if (o.threads !== undefined) setNumThreads(o.threads);
  return getNumThreads();
}
