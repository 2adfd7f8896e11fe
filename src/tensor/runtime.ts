/** Threads, devices and build information of the libtorch runtime. */
import { native } from './native.ts';

/** Intra-op threads libtorch uses (set to the core count at load; SPECL_NUM_THREADS overrides). */
export const setNumThreads = (n: number): void => native.setNumThreads(n);
export const getNumThreads = (): number => native.getNumThreads();
/**
 * Sets the calling thread's nice value (Linux, per thread; 19 = lowest
 * priority). Returns false where unsupported or refused. A ViewLoader worker
 * uses it so that augmentation takes only the cycles the training step leaves.
 */
export const setThreadNice = (nice: number): boolean => {
  if (!Number.isInteger(nice) || nice < -20 || nice > 19)
    throw new RangeError(`setThreadNice: nice must be an integer in -20…19, got ${nice}`);
  return native.setThreadNice(nice);
};
/** Number of CUDA devices this build of libtorch sees (0 for Debian's CPU build). */
export const cudaDeviceCount = (): number => native.cudaDeviceCount();
export const cudaAvailable = (): boolean => native.cudaDeviceCount() > 0;
/** libtorch version, build configuration and parallel settings. */
export const buildInfo = () => native.buildInfo();
