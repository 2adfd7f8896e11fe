/**
 * The optimizer base: parameter groups with their own hyperparameters,
 * per-parameter state (momentum buffers, moment estimates) kept outside any
 * scope, and a state dict that lets a resumed run continue exactly.
 */
import { noGrad, type Tensor, tidy } from '../tensor/index.ts';

/** Hyperparameters every group has. */
export interface BaseHyper {
  lr: number;
  weightDecay: number;
}

/** Fields a group may carry besides its optimizer's hyperparameters. */
export interface GroupExtras {
  /** Multiplier of the scheduled learning rate for this group (see `applySchedule`). */
  lrScale?: number;
  /** LARS: skip trust-ratio adaptation and weight decay for this group (biases, norms). */
  larsExclude?: boolean;
  /** A label for logs. */
  name?: string;
}

/** A parameter group: its tensors, its hyperparameters, and the optional extras. */
export type ParamGroup<H extends BaseHyper = BaseHyper> = H & GroupExtras & { params: Tensor[] };

/** What a constructor accepts per group: the tensors and any hyperparameter to override. */
export type ParamGroupInput<H extends BaseHyper = BaseHyper> = Partial<H> & GroupExtras & { params: Tensor[] };

/** The state of one parameter: tensors (kept) and plain numbers (e.g. Adam's step count). */
export interface ParamState {
  tensors: Record<string, Tensor>;
  scalars: Record<string, number>;
}

/** JSON-able part of an optimizer state dict. */
export interface OptimizerMeta {
  type: string;
  groups: (Record<string, unknown> & { numParams: number })[];
  /** Scalars per global parameter index (index = position over all groups in order). */
  scalars: Record<string, Record<string, number>>;
}

/**
 * An optimizer's full state: tensors named `<param index>.<state name>` (e.g.
 * `3.momentum_buffer`), and `meta` for JSON. Indices count parameters over
 * all groups in order, as PyTorch's optimizer state_dict does.
 */
export interface OptimizerState {
  tensors: Record<string, Tensor>;
  meta: OptimizerMeta;
}

/** Base class; subclasses implement `update` for one parameter. */
export abstract class Optimizer<H extends BaseHyper = BaseHyper> {
  readonly paramGroups: ParamGroup<H>[];
  readonly #state = new Map<Tensor, ParamState>();

  constructor(params: Tensor[] | ParamGroupInput<H>[], defaults: H) {
    const name = this.constructor.name;
    if (!Array.isArray(params) || params.length === 0) throw new Error(`${name}: params must be a non-empty array`);
    const inputs: ParamGroupInput<H>[] =
      params[0] !== undefined &&
      'params' in (params[0] as object) &&
      Array.isArray((params[0] as { params: unknown }).params)
        ? (params as ParamGroupInput<H>[])
        : [{ params: params as Tensor[] } as ParamGroupInput<H>];
    const seen = new Set<Tensor>();
    this.paramGroups = inputs.map((g, gi) => {
      for (const p of g.params) {
        if (seen.has(p)) throw new Error(`${name}: a tensor appears in more than one place (group ${gi})`);
        seen.add(p);
      }
      const group = { ...defaults } as ParamGroup<H>;
      for (const [k, v] of Object.entries(g)) if (v !== undefined) (group as unknown as Record<string, unknown>)[k] = v;
      group.params = [...g.params];
      this.validateGroup(group, gi);
      return group;
    });
  }

  /** Checks one group's hyperparameters; subclasses extend it. */
  protected validateGroup(g: ParamGroup<H>, index: number): void {
    const name = this.constructor.name;
    if (!(Number.isFinite(g.lr) && g.lr >= 0)) throw new Error(`${name}: group ${index}: lr must be ≥ 0, got ${g.lr}`);
    if (!(Number.isFinite(g.weightDecay) && g.weightDecay >= 0)) {
      throw new Error(`${name}: group ${index}: weightDecay must be ≥ 0, got ${g.weightDecay}`);
    }
  }

  /**
   * Updates one parameter in place from its gradient. Runs under noGrad
   * inside a tidy scope: temporaries are freed; new state tensors must be
   * stored with `setState` (which keeps them).
   */
  protected abstract update(p: Tensor, grad: Tensor, group: ParamGroup<H>, state: ParamState): void;

  /** The state record of `p` (created empty on first use). */
  protected stateOf(p: Tensor): ParamState {
    let s = this.#state.get(p);
    if (!s) {
      s = { tensors: {}, scalars: {} };
      this.#state.set(p, s);
    }
    return s;
  }

  /** Stores `t` as state `name` of a parameter, keeping it alive and freeing what it replaces. */
  protected setState(state: ParamState, name: string, t: Tensor): Tensor {
    const old = state.tensors[name];
    if (old && old !== t) old.dispose();
    state.tensors[name] = t.keep();
    return t;
  }

  /** One optimization step over every parameter that has a gradient. */
  step(): void {
    noGrad(() =>
      tidy(() => {
        for (const group of this.paramGroups) {
          for (const p of group.params) {
            const g = p.grad;
            if (g === null) continue;
            tidy(() => this.update(p, g, group, this.stateOf(p)));
          }
        }
      }),
    );
  }

  /** Drops the gradients of all parameters (set to null, like zero_grad(set_to_none=True)). */
  zeroGrad(): void {
    for (const g of this.paramGroups) for (const p of g.params) p.grad = null;
  }

  /** Sets the learning rate of every group (or of group `index`). */
  setLr(lr: number, index?: number): void {
    if (!(Number.isFinite(lr) && lr >= 0)) throw new Error(`${this.constructor.name}.setLr: lr must be ≥ 0, got ${lr}`);
    const groups = index === undefined ? this.paramGroups : [this.paramGroups[index]];
    for (const g of groups) {
      if (!g) throw new RangeError(`${this.constructor.name}.setLr: no group ${index}`);
      g.lr = lr;
    }
  }

  /**
   * A copy of the full state: tensors are clones (the caller owns them; they
   * do not change as training continues), meta is plain JSON.
   */
  stateDict(): OptimizerState {
    const tensors: Record<string, Tensor> = {};
    const scalars: Record<string, Record<string, number>> = {};
    let i = 0;
    const groups = this.paramGroups.map((g) => {
      const { params, ...hyper } = g;
      for (const p of params) {
        const s = this.#state.get(p);
        if (s) {
          for (const [k, t] of Object.entries(s.tensors)) tensors[`${i}.${k}`] = noGrad(() => t.clone());
          if (Object.keys(s.scalars).length) scalars[String(i)] = { ...s.scalars };
        }
        i++;
      }
      return { ...(JSON.parse(JSON.stringify(hyper)) as Record<string, unknown>), numParams: params.length };
    });
    return { tensors, meta: { type: this.constructor.name, groups, scalars } };
  }

  /**
   * Restores a state saved by `stateDict` into this optimizer, whose groups
   * must hold the same number of parameters with the same shapes. Group
   * hyperparameters (lr, …) are restored too; tensors are copied.
   */
  loadStateDict(sd: OptimizerState): void {
    const name = `${this.constructor.name}.loadStateDict`;
    const { meta, tensors } = sd;
    if (!meta || !Array.isArray(meta.groups)) throw new Error(`${name}: meta.groups is missing`);
    if (meta.type !== this.constructor.name) {
      throw new Error(`${name}: state was saved by ${meta.type}, expected ${this.constructor.name}`);
    }
    if (meta.groups.length !== this.paramGroups.length) {
      throw new Error(
        `${name}: state has ${meta.groups.length} param groups, this optimizer has ${this.paramGroups.length}`,
      );
    }
    const flat: Tensor[] = [];
    meta.groups.forEach((mg, gi) => {
      const g = this.paramGroups[gi] as ParamGroup<H>;
      if (mg.numParams !== g.params.length) {
        throw new Error(`${name}: group ${gi} has ${g.params.length} params, state has ${mg.numParams}`);
      }
      flat.push(...g.params);
    });
    const pending = new Map<number, Record<string, Tensor>>();
    for (const [key, t] of Object.entries(tensors ?? {})) {
      const dot = key.indexOf('.');
      const idx = Number(key.slice(0, dot));
      const p = flat[idx];
      if (dot < 0 || !Number.isInteger(idx) || !p) {
        throw new Error(
          `${name}: unexpected state key '${key}' (expected '<param index>.<name>', ${flat.length} params)`,
        );
      }
      if (t.shape.join(',') !== p.shape.join(',')) {
        throw new Error(`${name}: state '${key}' has shape [${t.shape}], parameter ${idx} has [${p.shape}]`);
      }
      const rec = pending.get(idx) ?? {};
      rec[key.slice(dot + 1)] = t;
      pending.set(idx, rec);
    }
    for (const s of this.#state.values()) for (const t of Object.values(s.tensors)) t.dispose();
    this.#state.clear();
    meta.groups.forEach((mg, gi) => {
      const g = this.paramGroups[gi] as ParamGroup<H>;
      for (const [k, v] of Object.entries(mg))
        if (k !== 'numParams' && k !== 'params') (g as unknown as Record<string, unknown>)[k] = v;
    });
    flat.forEach((p, idx) => {
      const rec = pending.get(idx);
      const sc = meta.scalars?.[String(idx)];
      if (!rec && !sc) return;
      const s = this.stateOf(p);
      for (const [k, t] of Object.entries(rec ?? {})) {
        s.tensors[k] = tidy(() => noGrad(() => t.to({ dtype: p.dtype, device: p.device }).clone())).keep();
      }
      if (sc) s.scalars = { ...sc };
    });
  }

  /** Frees all state tensors (the parameters belong to their module). */
  dispose(): void {
    for (const s of this.#state.values()) for (const t of Object.values(s.tensors)) t.dispose();
    this.#state.clear();
  }
}
