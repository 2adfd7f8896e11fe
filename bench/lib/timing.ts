/** Wall-clock timing of synchronous work (libtorch CPU ops return when done). */

/** Seconds on a monotonic clock. */
export const now = (): number => performance.now() / 1000;

/** The median (mean of the middle two for an even count); robust to a repeat disturbed by other load. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError('median: needs at least one value');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/**
 * Seconds per call of `step`: `warmup` untimed calls (caches, allocator,
 * lazy init), then the mean over `steps` timed calls.
 */
export function timePerStep(step: () => void, o: { warmup: number; steps: number }): number {
  if (!Number.isInteger(o.steps) || o.steps < 1)
    throw new RangeError(`steps must be a positive integer, got ${o.steps}`);
  for (let i = 0; i < o.warmup; i++) step();
  const t0 = now();
  for (let i = 0; i < o.steps; i++) step();
  return (now() - t0) / o.steps;
}
