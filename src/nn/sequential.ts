/** Sequential container. */
import { opT, type Tensor } from '../tensor/index.ts';
import { Module } from './module.ts';

/**
 * Applies its children in order, y = fₖ(…f₁(x)). Children are named "0",
 * "1", … as in torch.nn.Sequential, so `features.0.weight` matches PyTorch.
 * Intermediate results are disposed as soon as the next layer has used them
 * (autograd keeps what it needs), which keeps inference memory low.
 */
export class Sequential extends Module {
  #layers: Module[] = [];

  constructor(...layers: Module[]) {
    super();
    for (const l of layers) this.append(l);
  }

  /** Adds a layer at the end under the next index name. */
  append(layer: Module): this {
    this.registerModule(String(this.#layers.length), layer);
    this.#layers.push(layer);
    return this;
  }

  get length(): number {
    return this.#layers.length;
  }

  /** The i-th layer. */
  at<M extends Module = Module>(i: number): M {
    const l = this.#layers[i < 0 ? i + this.#layers.length : i];
    if (!l) throw new RangeError(`Sequential: no layer ${i} (it has ${this.#layers.length})`);
    return l as M;
  }

  [Symbol.iterator](): Iterator<Module> {
    return this.#layers[Symbol.iterator]();
  }

  forward(x: Tensor): Tensor {
    let h = x;
    for (const layer of this.#layers) {
      const next = layer.forward(h);
      if (h !== x && next !== h) h.dispose();
      h = next;
    }
    return h === x ? opT('aten::alias', [x]) : h;
  }
}
