/**
 * Optimizer state (momentum buffers, Adam moments, step counts, group
 * hyper-parameters) as a safetensors file: tensors as tensors, the rest as
 * JSON under the metadata key `specl.optimizer`. Written atomically.
 */
import { loadSafetensors, saveSafetensors, tidy } from '../tensor/index.ts';
import type { Optimizer, OptimizerState } from './optimizer.ts';

const META_KEY = 'specl.optimizer';

export function saveOptimizer(path: string, opt: Optimizer): void {
  tidy(() => {
    const { tensors, meta } = opt.stateDict();
    saveSafetensors(path, tensors, { [META_KEY]: JSON.stringify(meta) });
  });
}

/** Restores a state written by `saveOptimizer` into an optimizer over the same parameter groups. */
export function loadOptimizer(path: string, opt: Optimizer): void {
  tidy(() => {
    const { tensors, metadata } = loadSafetensors(path);
    const raw = metadata[META_KEY];
    if (raw === undefined)
      throw new Error(`${path}: no '${META_KEY}' metadata: not an optimizer state written by specl`);
    let meta: OptimizerState['meta'];
    try {
      meta = JSON.parse(raw) as OptimizerState['meta'];
    } catch (e) {
      throw new Error(`${path}: metadata '${META_KEY}' is not valid JSON (${(e as Error).message})`);
    }
    try {
      opt.loadStateDict({ tensors, meta });
    } catch (e) {
      throw new Error(`${path}: ${(e as Error).message}`);
    }
  });
}
