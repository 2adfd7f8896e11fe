/** Elementwise activation modules (no parameters). */
import { nnf, opT, type Tensor } from '../tensor/index.ts';
import { Module } from './module.ts';

/**
 * max(x, 0). With `inplace` (as torchvision's networks use it after batch
 * norm) the input's storage is overwritten and a new handle to it returned:
 * one pass and one allocation less per activation.
 */
export class ReLU extends Module {
  readonly inplace: boolean;
  constructor(o: { inplace?: boolean } = {}) {
    super();
    this.inplace = o.inplace ?? false;
  }
  forward(x: Tensor): Tensor {
    return this.inplace ? opT('aten::relu_', [x]) : nnf.relu(x);
  }
}

/** x·Φ(x) (Hendrycks & Gimpel 2016), exact or with the tanh approximation. */
export class GELU extends Module {
  constructor(readonly approximate: 'none' | 'tanh' = 'none') {
    super();
  }
  forward(x: Tensor): Tensor {
    return nnf.gelu(x, this.approximate);
  }
}

/** max(x, 0) + slope·min(x, 0) */
export class LeakyReLU extends Module {
  constructor(readonly slope = 0.01) {
    super();
  }
  forward(x: Tensor): Tensor {
    return nnf.leakyRelu(x, this.slope);
  }
}

/** x·σ(x) (SiLU / swish). */
export class SiLU extends Module {
  forward(x: Tensor): Tensor {
    return opT('aten::silu', [x]);
  }
}

/** tanh(x) */
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return x.tanh();
  }
}

/** Activation names accepted by MLP and friends. */
export type ActivationName = 'relu' | 'gelu' | 'leakyRelu' | 'silu' | 'tanh';

/** A fresh activation module by name. */
export function activation(name: ActivationName): Module {
  switch (name) {
    case 'relu':
      return new ReLU();
    case 'gelu':
      return new GELU();
    case 'leakyRelu':
      return new LeakyReLU();
    case 'silu':
      return new SiLU();
    case 'tanh':
      return new Tanh();
    default:
      throw new Error(`activation: unknown name '${name as string}', expected relu, gelu, leakyRelu, silu or tanh`);
  }
}
