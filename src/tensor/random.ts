/** Seeded random number generators (libtorch's Philox/MT CPU generator). */
import { type GeneratorHandle, native } from './native.ts';
import { Tensor } from './tensor.ts';

/**
 * An independent random stream. Pass it as `generator` to rand/randn/randint/
 * randperm and to augmentations; the same seed gives the same numbers.
 */
export class Generator {
  readonly handle: GeneratorHandle;
  constructor(seed: number) {
    checkSeed(seed);
    this.handle = native.newGenerator(seed);
  }
  /** Restarts the stream from `seed`. */
  seed(seed: number): void {
    checkSeed(seed);
    native.generatorSeed(this.handle, seed);
  }
  /** The full generator state (uint8 tensor), to checkpoint and resume a stream. */
  getState(): Tensor {
    return new Tensor(native.generatorGetState(this.handle));
  }
  setState(state: Tensor): void {
    native.generatorSetState(this.handle, state.handle);
  }
}

function checkSeed(seed: number): void {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be a non-negative integer, got ${seed}`);
}

/** Seeds libtorch's global generator (used when no generator is passed). */
export function manualSeed(seed: number): void {
  checkSeed(seed);
  native.manualSeed(seed);
}

/**
 * Makes a run reproducible: seeds the global generator and asks libtorch for
 * deterministic kernels where it has them (warn-only where it has none).
 */
export function seedEverything(seed: number): void {
  manualSeed(seed);
  native.setDeterministic(true);
}
