/** Gradient mode and functional gradients (torch.autograd.grad). */
import { native } from './native.ts';
import { Tensor } from './tensor.ts';

function withGradMode<T>(on: boolean, fn: () => T): T {
  const prev = native.setGradEnabled(on);
  try {
    const r = fn();
    if (r instanceof Promise) throw new TypeError('noGrad()/enableGrad() need a synchronous function');
    return r;
  } finally {
    native.setGradEnabled(prev);
  }
}

/** Runs `fn` with autograd recording off (evaluation, parameter updates). */
export const noGrad = <T>(fn: () => T): T => withGradMode(false, fn);
/** Runs `fn` with autograd recording on (inside a noGrad block). */
export const enableGrad = <T>(fn: () => T): T => withGradMode(true, fn);
export const isGradEnabled = (): boolean => native.isGradEnabled();

/**
 * Gradients of `outputs` with respect to `inputs` without touching `.grad`:
 * Σ_o ∂o/∂x · gradOutput_o. Unused inputs give null when allowUnused.
 */
export function grad(
  outputs: Tensor | Tensor[],
  inputs: Tensor[],
  opts: { gradOutputs?: Tensor[]; retainGraph?: boolean; createGraph?: boolean; allowUnused?: boolean } = {},
): (Tensor | null)[] {
  const outs = Array.isArray(outputs) ? outputs : [outputs];
  const res = native.autogradGrad(
    outs.map((t) => t.handle),
    inputs.map((t) => t.handle),
    opts.gradOutputs ? opts.gradOutputs.map((t) => t.handle) : null,
    opts.retainGraph,
    opts.createGraph ?? false,
    opts.allowUnused ?? false,
  );
  return res.map((h) => (h === null ? null : new Tensor(h)));
}

/** Backpropagates from several outputs at once. */
export function backward(outputs: Tensor[], gradOutputs?: Tensor[], retainGraph?: boolean): void {
  native.backward(
    outputs.map((t) => t.handle),
    gradOutputs ? gradOutputs.map((t) => t.handle) : null,
    retainGraph,
    false,
  );
}
