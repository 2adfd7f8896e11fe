/**
 * What a self-supervised (or supervised) method is to the trainer: a loss on
 * a batch of views, the heads it adds to the encoder, and any extra state
 * (momentum encoder, queue, prototypes). Everything common — the loop,
 * schedule, checkpoints, logging, monitoring — lives once in `train/`; a
 * method file reads in one screen (compare solo-learn's `solo/methods/*.py`
 * and lightly's loss/head building blocks).
 */
import type { ImageEncoder, Module } from '../nn/index.ts';
import type { Generator, Tensor } from '../tensor/index.ts';

/** Names of the methods specl implements. */
export type MethodName =
  | 'spectral'
  | 'simclr'
  | 'mocov2'
  | 'byol'
  | 'simsiam'
  | 'swav'
  | 'barlowtwins'
  | 'vicreg'
  | 'supervised'
  | 'dann';

/** JSON options of a method: its name plus its hyper-parameters (resolved defaults included). */
export interface MethodConfig {
  name: MethodName;
  [option: string]: unknown;
}

/** Where training is, for schedules inside a method (BYOL's momentum, SwAV's prototype freeze). */
export interface MethodContext {
  /** Optimizer steps done so far (0 at the first step). */
  step: number;
  /** Steps the run is planned to take. */
  totalSteps: number;
}

/**
 * Per-example weights computed from the encoder's features of a batch's first
 * view (B×d, detached): the method calls it once in its forward, on the
 * features it computes anyway (rwSAM's inverse-density weights, `inverseDensityWeights`).
 */
export type ExampleWeighting = (features: Tensor) => Tensor;

/**
 * One training batch: `views[v]` is float32 B×C×H×W; labels only for methods that need them (class +
 * numClasses·domain for methods with `needsDomains`).
 */
export interface MethodBatch {
  views: Tensor[];
  labels: Tensor | null;
  /**
   * Per-example weights of the loss: a floating-point tensor of shape [B]
   * (≥ 0, not all 0), or a rule that computes it from the encoder's features
   * of view 0. The loss normalizes by the weights' sum, so equal weights give
   * the unweighted loss. Absent or null: unweighted. Only methods with
   * `weightedLoss` take them; the others refuse a batch that carries them.
   */
  weights?: Tensor | ExampleWeighting | null;
}

export interface MethodOutput {
  /** Scalar loss to minimize. */
  loss: Tensor;
  /** B×d output of the first view (projection or logits), for the collapse monitor. */
  embedding: Tensor;
  /**
   * Parts of the loss to log (e.g. the two parts of the spectral loss), as
   * 0-d tensors: the trainer reads them only at its log interval, so the
   * steps between pay no host sync.
   */
  logs?: Record<string, Tensor>;
}

export interface Method {
  readonly name: MethodName;
  /** Resolved options: `createMethod(method.config, …)` rebuilds the same method. */
  readonly config: MethodConfig;
  /** Views per image (2 for the contrastive methods, 1 for supervised). */
  readonly views: number;
  /** Whether batches must carry labels. */
  readonly needsLabels: boolean;
  /**
   * Whether the labels also carry each image's domain, as ℓ = class + numClasses·domain (DANN): the trainer
   * then needs a dataset with domains (a union or a subpopulation set).
   */
  readonly needsDomains: boolean;
  /** Whether its loss takes per-example weights (`MethodBatch.weights`, rwSAM). */
  readonly weightedLoss: boolean;
  /** Trainable modules besides the encoder, as one module (checkpointed with it). */
  readonly heads: Module;
  /** The loss of one batch, in training mode, with autograd. */
  forward(encoder: ImageEncoder, batch: MethodBatch, ctx: MethodContext): MethodOutput;
  /** After each optimizer step, without grad: momentum updates, queue pushes. */
  afterStep(encoder: ImageEncoder, ctx: MethodContext): void;
  /** Non-trainable state to checkpoint (momentum encoder, queue…), by name. */
  stateTensors(): Record<string, Tensor>;
  /** Restores what `stateTensors` returned (copies values in place). */
  loadStateTensors(state: Record<string, Tensor>): void;
  /** Frees heads and state. */
  dispose(): void;
}

/** What building a method needs besides its options. */
export interface MethodDeps {
  /** The encoder being trained (its featureDim sizes the heads' input, its scale their default widths). */
  encoder: ImageEncoder;
  /** A fresh encoder of the same architecture (for momentum encoders). */
  makeEncoder: () => ImageEncoder;
  /** Seeded initialization of the heads. */
  generator?: Generator;
  /** Classes, for the supervised baseline. */
  numClasses?: number;
  /** Domains of the dataset (members of a union), for methods with `needsDomains`. */
  numDomains?: number;
}
