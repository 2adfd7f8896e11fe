/**
 * Memory guards of the dense theory computations. A dense n×n float64 matrix
 * takes 8·n² bytes — 3.2 GB at n = 20 000 — and the exact augmentation graph,
 * the Nyström matrix and LAPACK's symmetric eigensolver each hold several at
 * once, so a vertex count a few times too large does not fail: it swaps the
 * machine to a standstill. Each dense computation therefore estimates its peak
 * from its sizes before it allocates anything and refuses, naming the
 * estimate, the limit and the sparse alternative, when the peak does not fit.
 *
 * The estimate counts the n×n float64 matrices alive at the peak, k of them:
 * peak ≈ 8·k·n² bytes (plus the n×d terms where they matter). `linalg.eigh`
 * (LAPACK dsyevd, eigenvectors wanted) counts 3: its copy of the input, which
 * becomes the eigenvectors, and its workspace of 1 + 6n + 2n² doubles.
 * The counts are read from the code (which frees what it no longer needs) and
 * checked against the peak resident memory measured at n = 2500 (see the
 * tests): they are upper bounds with a little slack, not exact figures.
 *
 * The limit is 80 % of the machine's physical memory (`os.totalmem()`, or the
 * cgroup limit of `process.constrainedMemory()` when that is lower), the rest
 * left to the OS, the runtime and libtorch. Not `os.freemem()`: free memory
 * moves with whatever else runs, so the same command would pass or fail from
 * one minute to the next, and the page cache the kernel gives back on demand
 * does not count as free. The guard refuses what cannot fit on this machine
 * at all; a size that fits the machine but not what is free now is the
 * user's call.
 */
import { totalmem } from 'node:os';
import { fail, OptionError, positive } from '../options/index.ts';

/** Bytes of one float64. */
export const FLOAT64_BYTES = 8;

/** The chunk buffers of the augmentation graph's underflow pass (4 × 2²² float64), counted once. */
export const CHUNK_BUFFERS = 4 * FLOAT64_BYTES * (1 << 22);

/** Share of the machine's memory a dense computation may plan to use. */
export const MEMORY_SHARE = 0.8;

/** The machine's memory: physical memory, or the cgroup limit when one is set and lower. */
export function machineMemory(): number {
  const total = totalmem();
  // constrainedMemory (Node ≥ 19) is 0, or 2⁶⁴, when no limit is set.
  const constrained = (process as { constrainedMemory?: () => number }).constrainedMemory?.() ?? 0;
  return constrained > 0 && constrained < total ? constrained : total;
}

/** The default limit of the guards: `MEMORY_SHARE` of `machineMemory()`. */
export function defaultMemoryLimit(): number {
  return Math.floor(MEMORY_SHARE * machineMemory());
}

/** Bytes as a message shows them: "3.0 GiB", "512.0 MiB". */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return `${bytes} bytes`;
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  if (v >= 1024) return `${bytes.toExponential(1)} bytes`;
  return u === 0 ? `${Math.round(v)} bytes` : `${v.toFixed(1)} ${units[u]}`;
}

/** A peak-memory estimate as a function of one size (the vertex count), and how it is computed. */
export interface MemoryEstimate {
  /** Peak bytes at size `n`; non-decreasing in n. */
  bytes(n: number): number;
  /** The formula in words, for the message ("12 dense N×N float64: 8·12·N² bytes"). */
  formula: string;
}

/** k dense n×n float64 matrices (8·k·n² bytes), plus `extra(n)` bytes. */
export function denseMatrices(k: number, extra?: { bytes: (n: number) => number; formula: string }): MemoryEstimate {
  return {
    bytes: (n) => FLOAT64_BYTES * k * n * n + (extra ? extra.bytes(n) : 0),
    formula: `${k} dense N×N float64 matrices, 8·${k}·N² bytes${extra ? ` + ${extra.formula}` : ''}`,
  };
}

/** A `memoryLimit` option checked (bytes > 0), or undefined for the default. */
export function memoryLimitOf(owner: string, given: unknown): number | undefined {
  if (given !== undefined && !positive.test(given)) fail(owner, 'memoryLimit', 'a number of bytes > 0', given);
  return given as number | undefined;
}

/** The largest n ≥ 1 with estimate.bytes(n) ≤ limit (0 when not even n = 1 fits). */
export function largestFitting(estimate: MemoryEstimate, limit: number): number {
  if (estimate.bytes(1) > limit) return 0;
  let lo = 1;
  let hi = 2;
  while (estimate.bytes(hi) <= limit && hi < Number.MAX_SAFE_INTEGER / 2) {
    lo = hi;
    hi *= 2;
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (estimate.bytes(mid) <= limit) lo = mid;
    else hi = mid;
  }
  return lo;
}

export interface MemoryGuard {
  /** Who refuses ("theory optimum"): the start of the message. */
  owner: string;
  /** The size option as the message names it ("vertices"). */
  key: string;
  /** Its value. */
  n: number;
  estimate: MemoryEstimate;
  /** What to do instead ("the sparse path: specl theory separability --graph knn"). */
  alternative: string;
  /** Bytes allowed (default: `defaultMemoryLimit()`); tests pass a small one. */
  limit?: number;
  /**
   * The size's smallest valid value: when even that does not fit, another size
   * is to blame, so this guard lets it pass for a later guard (on that size) to refuse.
   */
  smallest?: number;
}

/**
 * Refuses, before anything is allocated, a dense computation whose estimated
 * peak exceeds the limit: the message gives the estimate and its formula, the
 * limit, the largest size that fits and `alternative`. Returns the estimate
 * in bytes when it fits.
 */
export function checkDenseMemory(g: MemoryGuard): number {
  const limit = g.limit ?? defaultMemoryLimit();
  const bytes = g.estimate.bytes(g.n);
  if (bytes <= limit) return bytes;
  if (g.smallest !== undefined && g.estimate.bytes(g.smallest) > limit) return bytes;
  const fits = largestFitting(g.estimate, limit);
  const instead =
    fits > 0 ? `use at most ${fits} ${g.key}, or ${g.alternative}` : `not even 1 ${g.key} fits; ${g.alternative}`;
  const whose =
    g.limit === undefined
      ? `${Math.round(MEMORY_SHARE * 100)} % of this machine's ${formatBytes(machineMemory())}`
      : 'the limit given';
  throw new OptionError(
    `${g.owner}: ${g.key} ${g.n} needs about ${formatBytes(bytes)} of memory (${g.estimate.formula}), more than the ${formatBytes(limit)} allowed (${whose}); ${instead}`,
  );
}
