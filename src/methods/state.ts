/** Checks of the state tensors a checkpoint hands back to a method. */
import type { Tensor } from '../tensor/index.ts';

/** For methods without extra state: a checkpoint must not carry any. */
export function expectNoState(method: string, state: Record<string, Tensor>): void {
  const keys = Object.keys(state);
  if (keys.length) throw new Error(`${method}: has no state tensors, got unexpected keys: ${keys.join(', ')}`);
}

/** Throws unless `state` has exactly the keys `expected` (missing and unexpected ones named). */
export function expectStateKeys(method: string, state: Record<string, Tensor>, expected: string[]): void {
  const missing = expected.filter((k) => !(k in state));
  const unexpected = Object.keys(state).filter((k) => !expected.includes(k));
  const problems: string[] = [];
  if (missing.length) problems.push(`missing keys: ${missing.join(', ')}`);
  if (unexpected.length) problems.push(`unexpected keys: ${unexpected.join(', ')}`);
  if (problems.length) throw new Error(`${method}: state tensors do not match: ${problems.join('; ')}`);
}
