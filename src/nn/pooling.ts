/** Pooling modules over N×C×H×W inputs (no parameters). */
import { nnf, type Tensor } from '../tensor/index.ts';
import { Module } from './module.ts';

type Pair = number | [number, number];

/** Maximum over kernel windows (stride defaults to the kernel size). */
export class MaxPool2d extends Module {
  constructor(
    readonly kernelSize: Pair,
    readonly o: { stride?: Pair; padding?: Pair } = {},
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return nnf.maxPool2d(x, this.kernelSize, this.o);
  }
}

/** Mean over kernel windows (padding counted, as PyTorch's default). */
export class AvgPool2d extends Module {
  constructor(
    readonly kernelSize: Pair,
    readonly o: { stride?: Pair; padding?: Pair } = {},
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return nnf.avgPool2d(x, this.kernelSize, this.o);
  }
}

/** Mean over adaptive windows giving an output of the given spatial size. */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: Pair) {
    super();
  }
  forward(x: Tensor): Tensor {
    return nnf.adaptiveAvgPool2d(x, this.outputSize);
  }
}

/** N×C×H×W → N×C: the mean over all spatial positions. */
export class GlobalAvgPool extends Module {
  forward(x: Tensor): Tensor {
    if (x.ndim !== 4) throw new Error(`GlobalAvgPool: expected an N×C×H×W input, got shape [${x.shape}]`);
    return x.mean([2, 3]);
  }
}
