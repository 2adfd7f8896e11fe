/**
 * `defineMethod`: a method file states what is its own — its options (declared
 * once, with defaults per encoder scale), its optimizer recipe, its heads,
 * the call of its pure loss and any extra state — and everything common is
 * supplied here: option resolution and messages, the `Method` object the
 * trainer drives, the empty `afterStep` and state of stateless methods,
 * disposal. The recipe is pure data, so reading it builds no module.
 */
import type { EncoderScale, ImageEncoder, Module } from '../nn/index.ts';
import { type Derived, derived, resolve, type Schema, type Sources } from '../options/index.ts';
import { type Generator, type Tensor, tidy } from '../tensor/index.ts';
import { ModuleDict } from './heads.ts';
import type { Method, MethodBatch, MethodConfig, MethodContext, MethodDeps, MethodName } from './method.ts';
import { expectNoState } from './state.ts';

/** What method defaults depend on: the encoder's scale ('small': the ConvNet; 'large': ResNet-18). */
export interface ScaleContext {
  scale: EncoderScale;
}

/**
 * Whether heads default to the small sizes: true for a small encoder (the
 * ConvNet, `EncoderScale`), whose narrow heads suit short CPU runs; false
 * for the papers' backbones and their published head sizes.
 */
export const isSmallScale = (scale: EncoderScale): boolean => {
  if (scale !== 'small' && scale !== 'large')
    throw new Error(`methods: encoder scale must be 'small' or 'large', got ${JSON.stringify(scale)}`);
  return scale === 'small';
};

/** A default per encoder scale: `small` on the ConvNet, `large` on ResNet-18. */
export function byScale<T>(small: T, large: T): Derived<T, ScaleContext> {
  return derived(`${small} on the ConvNet, ${large} on ResNet-18`, (c) => (isSmallScale(c.scale) ? small : large));
}

/**
 * A method's optimizer recipe (the authors' published settings). The trainer
 * scales the learning rate to the batch: lr = baseLr·B/256 (Goyal et al. 2017).
 */
export interface MethodRecipe {
  optimizer: 'sgd' | 'lars';
  /** Learning rate at batch size 256. */
  baseLr: number;
  weightDecay: number;
  /** Momentum of SGD/LARS (not a momentum encoder's). */
  momentum: number;
  /** Linear warm-up as a fraction of the run (10 of 800 epochs = 0.0125 in the spectral recipe). */
  warmupFraction: number;
}

/** What a method's `build` returns: its heads, its loss step and any extra state. */
export interface MethodParts {
  /** Trainable modules besides the encoder, by name (checkpointed with it: `projector.0.weight`, …). */
  heads: Record<string, Module>;
  /** The loss of one batch, in training mode, with autograd; `logs` are 0-d tensors (read only at log steps). */
  forward(
    encoder: ImageEncoder,
    batch: MethodBatch,
    ctx: MethodContext,
  ): { loss: Tensor; embedding: Tensor; logs?: Record<string, Tensor> };
  /** After each optimizer step, without grad: momentum updates, queue pushes. */
  afterStep?(encoder: ImageEncoder, ctx: MethodContext): void;
  /** Non-trainable state to checkpoint (momentum encoder, queue…), by name. */
  stateTensors?(): Record<string, Tensor>;
  /** Restores what `stateTensors` returned (copies values in place). */
  loadStateTensors?(state: Record<string, Tensor>): void;
  /** Frees what the heads do not hold (target networks, queues). */
  dispose?(): void;
}

/** What a method file declares. */
export interface MethodSpec<O> {
  name: MethodName;
  /** One line for users: what the method is, with its paper. */
  summary: string;
  /** The method's options, declared once (defaults may depend on the encoder's scale: `byScale`). */
  options: Schema;
  recipe: MethodRecipe;
  /** Default batch size (per encoder scale where it differs). */
  batchSize: number | Derived<number, ScaleContext>;
  /** Views per image (default 2). */
  views?: number;
  /** Whether batches must carry labels (default false). */
  needsLabels?: boolean;
  /** Whether the labels also carry the domain, ℓ = class + K·domain (default false; implies needsLabels). */
  needsDomains?: boolean;
  /**
   * Whether `forward` honours per-example weights (`MethodBatch.weights`,
   * through `exampleWeights`), which rwSAM needs (default false: a batch
   * carrying weights is refused).
   */
  weightedLoss?: boolean;
  /** The names of the scalars `forward` logs, in order (for docs and dashboards). */
  logs?: readonly string[];
  /** Heads, loss and state from the resolved options. */
  build(o: O, deps: MethodDeps & { generator?: Generator }): MethodParts;
}

/** A method as the registry and the trainer know it. */
export interface MethodDefinition {
  readonly name: MethodName;
  readonly summary: string;
  readonly options: Schema;
  readonly recipe: Readonly<MethodRecipe>;
  readonly logs: readonly string[];
  readonly views: number;
  readonly needsLabels: boolean;
  readonly needsDomains: boolean;
  /** Whether its loss takes per-example weights (`MethodBatch.weights`, rwSAM). */
  readonly weightedLoss: boolean;
  /** The default batch size for an encoder of `scale`. */
  batchSize(scale: EncoderScale): number;
  /**
   * `given` checked and completed for an encoder of `scale`: every option
   * present. Errors name the key (prefixed as `prefix` says, "method.mu"),
   * what was expected, what was given and where it came from.
   */
  resolve(
    given: Record<string, unknown>,
    scale: EncoderScale,
    o?: { prefix?: string; sources?: Sources },
  ): MethodConfig;
  /** The method with `config`'s options (missing ones take their defaults for `deps.encoder`). */
  create(config: Record<string, unknown>, deps: MethodDeps): Method;
}

/** Declares a method; see the module comment. */
export function defineMethod<O>(spec: MethodSpec<O>): MethodDefinition {
  const name = spec.name;
  const resolveConfig = (
    given: Record<string, unknown>,
    scale: EncoderScale,
    o: { prefix?: string; sources?: Sources } = {},
  ): MethodConfig => {
    isSmallScale(scale);
    const resolved = resolve<Record<string, unknown>, ScaleContext>(spec.options, given, {
      owner: name,
      context: { scale },
      prefix: o.prefix,
      sources: o.sources,
      ignore: { name: (v) => v === name },
    });
    return { name, ...resolved };
  };
  return {
    name,
    summary: spec.summary,
    options: spec.options,
    recipe: Object.freeze({ ...spec.recipe }),
    logs: spec.logs ?? [],
    views: spec.views ?? 2,
    needsLabels: (spec.needsLabels ?? false) || (spec.needsDomains ?? false),
    needsDomains: spec.needsDomains ?? false,
    weightedLoss: spec.weightedLoss ?? false,
    batchSize(scale) {
      isSmallScale(scale);
      const b = spec.batchSize;
      return typeof b === 'number' ? b : b.of({ scale });
    },
    resolve: resolveConfig,
    create(given, deps) {
      const config = resolveConfig(given ?? {}, deps.encoder.scale);
      const { name: _n, ...o } = config;
      const parts = spec.build(o as O, deps);
      const heads = new ModuleDict(parts.heads);
      let disposed = false;
      const weightedLoss = spec.weightedLoss ?? false;
      return {
        name,
        config,
        views: spec.views ?? 2,
        needsLabels: (spec.needsLabels ?? false) || (spec.needsDomains ?? false),
        needsDomains: spec.needsDomains ?? false,
        weightedLoss,
        heads,
        // one scope per step: the loss's temporaries are freed when the trainer's step scope ends
        forward: (encoder, batch, ctx) => {
          if (!weightedLoss && batch.weights !== undefined && batch.weights !== null)
            throw new Error(`${name}: this method's loss takes no per-example weights, but the batch carries some`);
          return tidy(() => parts.forward(encoder, batch, ctx));
        },
        afterStep: (encoder, ctx) => parts.afterStep?.(encoder, ctx),
        stateTensors: () => parts.stateTensors?.() ?? {},
        loadStateTensors: (state) =>
          parts.loadStateTensors ? parts.loadStateTensors(state) : expectNoState(name, state),
        dispose() {
          if (disposed) return;
          disposed = true;
          heads.dispose();
          parts.dispose?.();
        },
      };
    },
  };
}
