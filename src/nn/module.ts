/**
 * `Module`: the base of every layer and network. It owns named parameters,
 * buffers and child modules and produces the same dotted names PyTorch's
 * `nn.Module` does for the same architecture (`layer1.0.conv1.weight`,
 * `bn1.running_mean`), so state dicts can be exchanged with PyTorch users.
 */
import { type DType, isDType, isFloating, noGrad, op, type Tensor } from '../tensor/index.ts';
import type { Generator } from '../tensor/random.ts';

/** Options every module constructor accepts: the random stream for parameter init. */
export interface ModuleOptions {
  /** Seeded stream for parameter initialisation; the global generator when absent. */
  generator?: Generator;
}

/** Where a module lives: a dtype ('float64'), a device ('cuda:0'), or both. */
export type ModuleTarget = DType | string | { dtype?: DType; device?: string };

/**
 * Replaces the storage of `t` by that of `src` keeping the same tensor object
 * (`param.data = src` in PyTorch), so every holder of `t` (optimizers, fields)
 * sees the change. The old gradient no longer fits and is dropped.
 */
function setData(t: Tensor, src: Tensor): void {
  noGrad(() => {
    t.grad = null;
    op('aten::set_data', [t, src]);
  });
}

/** Base class of layers and networks; see the file comment. */
export abstract class Module {
  /** Training mode (batch statistics in BatchNorm, dropout active). */
  training = true;
  readonly #params = new Map<string, Tensor>();
  readonly #buffers = new Map<string, Tensor>();
  readonly #children = new Map<string, Module>();

  /** The network's computation. Inputs are never disposed; the result is a new tensor. */
  abstract forward(x: Tensor): Tensor;

  // ---- registration -------------------------------------------------------

  /**
   * Adds a trainable tensor under `name`: it is taken out of any scope (it
   * outlives tidy blocks) and marked as requiring gradients.
   */
  registerParameter(name: string, t: Tensor): Tensor {
    this.#checkName(name);
    t.keep();
    if (!t.requiresGrad) t.requiresGrad_(true);
    this.#params.set(name, t);
    return t;
  }

  /** Adds persistent non-trainable state (running statistics, counters) under `name`. */
  registerBuffer(name: string, t: Tensor): Tensor {
    this.#checkName(name);
    t.keep();
    this.#buffers.set(name, t);
    return t;
  }

  /** Adds a child module; its parameters appear as `name.<child name>`. */
  registerModule<M extends Module>(name: string, m: M): M {
    this.#checkName(name);
    this.#children.set(name, m);
    return m;
  }

  #checkName(name: string): void {
    if (name === '' || name.includes('.')) {
      throw new Error(`Module: name '${name}' must be non-empty and contain no '.'`);
    }
    if (this.#params.has(name) || this.#buffers.has(name) || this.#children.has(name)) {
      throw new Error(`Module: '${name}' is already registered on ${this.constructor.name}`);
    }
  }

  /** The parameter registered on this module as `name` (throws when absent). */
  param(name: string): Tensor {
    const t = this.#params.get(name);
    if (!t) throw new Error(`${this.constructor.name} has no parameter '${name}'`);
    return t;
  }

  /** Whether this module itself (not a child) has a parameter `name`. */
  hasParam(name: string): boolean {
    return this.#params.has(name);
  }

  /** The buffer registered on this module as `name` (throws when absent). */
  buffer(name: string): Tensor {
    const t = this.#buffers.get(name);
    if (!t) throw new Error(`${this.constructor.name} has no buffer '${name}'`);
    return t;
  }

  /** The child registered as `name` (throws when absent). */
  child<M extends Module = Module>(name: string): M {
    const m = this.#children.get(name);
    if (!m) throw new Error(`${this.constructor.name} has no child module '${name}'`);
    return m as M;
  }

  // ---- traversal ----------------------------------------------------------

  /** Direct children with their names, in registration order. */
  namedChildren(): [string, Module][] {
    return [...this.#children];
  }

  /** This module and all descendants, pre-order, with dotted names ('' for this one). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [n, m] of this.#children) out.push(...m.namedModules(prefix ? `${prefix}.${n}` : n));
    return out;
  }

  /** All parameters with their dotted names, in PyTorch's `named_parameters()` order. */
  namedParameters(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const [n, t] of m.#params) out.push([prefix ? `${prefix}.${n}` : n, t]);
    }
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** All buffers with their dotted names, in PyTorch's `named_buffers()` order. */
  namedBuffers(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const [n, t] of m.#buffers) out.push([prefix ? `${prefix}.${n}` : n, t]);
    }
    return out;
  }

  /** Parameters and buffers of every module, in PyTorch's `state_dict()` order (the live tensors). */
  #namedState(): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [prefix, m] of this.namedModules()) {
      const p = prefix ? `${prefix}.` : '';
      for (const [n, t] of m.#params) out.push([p + n, t]);
      for (const [n, t] of m.#buffers) out.push([p + n, t]);
    }
    return out;
  }

  /** Total number of trainable scalars. */
  numParameters(): number {
    return this.parameters().reduce((s, t) => s + t.numel, 0);
  }

  // ---- state --------------------------------------------------------------

  /**
   * Parameters and buffers under PyTorch's names. The values are detached
   * tensors sharing storage with the module (like `state_dict()`): new handles
   * in the current scope, so call it inside `tidy` or dispose them.
   */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [n, t] of this.#namedState()) out[n] = t.detach();
    return out;
  }

  /**
   * Copies `sd` into the parameters and buffers in place (same tensor objects,
   * under noGrad). Checks everything before copying anything: with `strict`,
   * missing and unexpected keys are errors; shape and dtype mismatches always are.
   */
  loadStateDict(sd: Record<string, Tensor>, opts: { strict?: boolean } = {}): void {
    const strict = opts.strict ?? true;
    const own = new Map(this.#namedState());
    const problems: string[] = [];
    const missing = [...own.keys()].filter((k) => !(k in sd));
    const unexpected = Object.keys(sd).filter((k) => !own.has(k));
    if (strict && missing.length) problems.push(`missing keys: ${missing.join(', ')}`);
    if (strict && unexpected.length) problems.push(`unexpected keys: ${unexpected.join(', ')}`);
    for (const [k, src] of Object.entries(sd)) {
      const dst = own.get(k);
      if (!dst) continue;
      if (src.shape.join(',') !== dst.shape.join(',')) {
        problems.push(`shape mismatch for '${k}': expected [${dst.shape}], got [${src.shape}]`);
      } else if (src.dtype !== dst.dtype) {
        problems.push(`dtype mismatch for '${k}': expected ${dst.dtype}, got ${src.dtype}`);
      }
    }
    if (problems.length) {
      throw new Error(`loadStateDict into ${this.constructor.name} failed:\n  ${problems.join('\n  ')}`);
    }
    noGrad(() => {
      for (const [k, src] of Object.entries(sd)) own.get(k)?.copy_(src);
    });
  }

  // ---- modes and placement -----------------------------------------------

  /** Sets training mode on this module and all descendants; returns this. */
  train(on = true): this {
    for (const [, m] of this.namedModules()) m.training = on;
    return this;
  }

  /** Evaluation mode (`train(false)`). */
  eval(): this {
    return this.train(false);
  }

  /** Drops every parameter's gradient (sets it to null, as `zero_grad(set_to_none=True)`). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /**
   * Moves parameters and buffers to a device and/or casts floating-point ones
   * to a dtype (integer buffers such as `num_batches_tracked` keep theirs).
   * The tensor objects stay the same, so optimizers built earlier still hold them.
   */
  to(target: ModuleTarget): this {
    const spec = typeof target === 'string' ? (isDType(target) ? { dtype: target } : { device: target }) : target;
    for (const [, t] of this.#namedState()) {
      const dtype = spec.dtype && isFloating(t.dtype) ? spec.dtype : undefined;
      if ((dtype === undefined || dtype === t.dtype) && (spec.device === undefined || spec.device === t.device))
        continue;
      const moved = t.to({ dtype, device: spec.device });
      setData(t, moved);
      moved.dispose();
    }
    return this;
  }

  /**
   * Stores every 4-D parameter (conv weights) in channels-last (NHWC) memory
   * format, in place of its storage; with channels-last inputs the
   * convolutions then run NHWC kernels (≈+15% on CPU, DESIGN.md).
   */
  channelsLast(): this {
    for (const t of this.parameters()) {
      if (t.ndim !== 4 || t.hasChannelsLastStrides()) continue;
      const cl = t.channelsLast();
      setData(t, cl);
      cl.dispose();
    }
    return this;
  }

  /** Frees every parameter and buffer of this module and its descendants. */
  dispose(): void {
    for (const [, t] of this.#namedState()) t.dispose();
  }
}
