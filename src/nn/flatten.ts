/** Flattening and identity modules (no parameters). */
import { opT, type Tensor } from '../tensor/index.ts';
import { Module } from './module.ts';

/** Merges dims startDim…endDim into one (default: all but the batch dim). */
export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return x.flatten(this.startDim, this.endDim);
  }
}

/** Returns its input (as a new handle to the same tensor, so callers may dispose it). */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return opT('aten::alias', [x]);
  }
}
