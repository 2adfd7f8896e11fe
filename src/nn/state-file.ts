/**
 * Module weights as safetensors files: the format PyTorch users read with
 * `safetensors.torch.load_file`, keys named as PyTorch names them. Writes are
 * atomic (temporary file, then rename), so a crash never leaves a torn file.
 */
import { loadSafetensors, saveSafetensors, tidy } from '../tensor/index.ts';
import type { Module } from './module.ts';

/** Saves `module.stateDict()` (parameters and buffers) to `path`. */
export function saveModule(path: string, module: Module, metadata: Record<string, string> = {}): void {
  tidy(() => saveSafetensors(path, module.stateDict(), { format: 'pt', ...metadata }));
}

/**
 * Loads a safetensors state dict from `path` into `module` in place (shapes
 * and dtypes must match; `strict` also requires the same key set) and
 * returns the file's metadata.
 */
export function loadModule(path: string, module: Module, opts: { strict?: boolean } = {}): Record<string, string> {
  return tidy(() => {
    const { tensors, metadata } = loadSafetensors(path);
    try {
      module.loadStateDict(tensors, opts);
    } catch (e) {
      throw new Error(`${path}: ${(e as Error).message}`);
    }
    return metadata;
  });
}
