/** `specl info`: what libtorch this build uses and how it is configured. */
import { buildInfo, cudaDeviceCount, getNumThreads } from '../tensor/index.ts';

export function info(): void {
  const b = buildInfo();
  console.log(`libtorch ${b.torchVersion}`);
  console.log(`intra-op threads ${getNumThreads()}`);
  console.log(`CUDA devices ${cudaDeviceCount()}`);
  console.log(b.config.trim());
}
