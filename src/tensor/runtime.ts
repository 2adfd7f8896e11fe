/** Threads, devices and build information of the libtorch runtime. */
import { native } from './native.ts';

/** Intra-op threads libtorch uses (set to the core count at load; SPECL_NUM_THREADS overrides). */
export const setNumThreads = (n: number): void => native.setNumThreads(n);
export const getNumThreads = (): number => native.getNumThreads();
/** Number of CUDA devices this build of libtorch sees (0 for Debian's CPU build). */
export const cudaDeviceCount = (): number => native.cudaDeviceCount();
export const cudaAvailable = (): boolean => native.cudaDeviceCount() > 0;
/** libtorch version, build configuration and parallel settings. */
export const buildInfo = () => native.buildInfo();
