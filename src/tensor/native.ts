/**
 * Loads the specl native addon (libtorch through N-API) and types its surface.
 * Everything numerical goes through {@link Native.callOp}: a boxed call into the
 * c10 dispatcher, the same path TorchScript uses, so autograd and every ATen
 * kernel are reachable with no per-op C++.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Opaque native tensor handle (a tagged N-API external). */
export type Handle = { readonly __specl: 'tensor' };
/** Opaque native generator handle. */
export type GeneratorHandle = { readonly __specl: 'generator' };

/** Arguments of the native CSR step: the matrix, the three blocks, their layout, the coefficients, threads. */
export type CsrStepArgs = [
  crow: Int32Array,
  col: Int32Array,
  val: Float64Array,
  cur: Float64Array,
  prev: Float64Array,
  out: Float64Array,
  stride: number,
  cols: number,
  alpha: number,
  c: number,
  beta: number,
  threads: number,
];

export interface Native {
  findOp(name: string, overload: string): number;
  opSchema(id: number): string;
  callOp(id: number, named: Record<string, unknown> | undefined, ...positional: unknown[]): unknown;
  dispose(h: Handle): void;
  isDisposed(h: Handle): boolean;
  shape(h: Handle): number[];
  strides(h: Handle): number[];
  dtype(h: Handle): number;
  device(h: Handle): string;
  layout(h: Handle): string;
  fromBuffer(data: ArrayBufferView, shape: readonly number[], dtype: number): Handle;
  toBuffer(h: Handle): ArrayBuffer;
  item(h: Handle): number | boolean;
  isContiguous(h: Handle, channelsLast: boolean): boolean;
  storageId(h: Handle): number;
  newGenerator(seed: number): GeneratorHandle;
  generatorSeed(g: GeneratorHandle, seed: number): void;
  generatorGetState(g: GeneratorHandle): Handle;
  generatorSetState(g: GeneratorHandle, state: Handle): void;
  requiresGrad(h: Handle): boolean;
  setRequiresGrad(h: Handle, on: boolean): void;
  isLeaf(h: Handle): boolean;
  grad(h: Handle): Handle | null;
  setGrad(h: Handle, g: Handle | null): void;
  backward(
    outputs: Handle[],
    grads: (Handle | null)[] | null,
    retainGraph: boolean | undefined,
    createGraph: boolean,
  ): void;
  autogradGrad(
    outputs: Handle[],
    inputs: Handle[],
    grads: (Handle | null)[] | null,
    retainGraph: boolean | undefined,
    createGraph: boolean,
    allowUnused: boolean,
  ): (Handle | null)[];
  setGradEnabled(on: boolean): boolean;
  isGradEnabled(): boolean;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  /** out[i, j] = α·((A·cur)[i, j] − c·cur[i, j]) − β·prev[i, j], j < cols, for CSR A (sparse_kernels.cc). */
  csrChebyshevStep(...args: CsrStepArgs): void;
  setThreadNice(nice: number): boolean;
  manualSeed(seed: number): void;
  setDeterministic(on: boolean): void;
  cudaDeviceCount(): number;
  buildInfo(): { torchVersion: string; config: string; parallel: string; cuda: boolean; mkldnn: boolean };
}

function findAddon(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    for (const sub of ['build/Release/specl.node', 'build/Debug/specl.node']) {
      const p = join(dir, sub);
      if (existsSync(p)) return p;
    }
    dir = dirname(dir);
  }
  throw new Error(
    'specl: the native addon build/Release/specl.node was not found. Build it with `npm install` ' +
      '(it needs libtorch: `sudo apt-get install -y libtorch-dev libopenblas0-pthread`, ' +
      'or SPECL_LIBTORCH=<libtorch dir>), then retry.',
  );
}

/** The loaded addon; loading also sets libtorch's intra-op threads to the core count. */
export const native: Native = createRequire(import.meta.url)(findAddon()) as Native;

// libtorch defaults to one intra-op thread here; use every core (DESIGN.md: ≈1.6× on a conv step).
{
  const requested = Number(process.env.SPECL_NUM_THREADS);
  native.setNumThreads(Number.isInteger(requested) && requested > 0 ? requested : availableParallelism());
}
