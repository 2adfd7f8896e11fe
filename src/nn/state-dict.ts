/** State-dict entries under a name prefix: how containers (a checkpoint, a target network) nest module states. */
import type { Tensor } from '../tensor/index.ts';

/** The entries of `state` under `prefix`, with the prefix removed (`encoder.features.0.weight` → `features.0.weight`). */
export function entriesUnder(state: Record<string, Tensor>, prefix: string): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(state)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = t;
  return out;
}

/** `module.stateDict()`-style entries with `prefix` added to each name. */
export function withPrefix(entries: Record<string, Tensor>, prefix: string): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(entries)) out[prefix + k] = t;
  return out;
}
