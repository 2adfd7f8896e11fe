/**
 * The configuration of a pretraining run, declared once: every setting with
 * its check, default and help (src/options). `resolvePretrainConfig` is pure
 * — it builds no module and reads no file — and yields exactly what runs:
 * one optimizer block (the method's recipe scaled to the batch, unless
 * overridden), every default filled in. The run's config.json is that
 * resolved config, and given back as settings it resolves to itself.
 */

import { checkPresetOptions, PRESET_OPTIONS, type ResolvedPresetOptions } from '../augment/index.ts';
import { KNN_OPTIONS } from '../eval/index.ts';
import type { MethodDefinition } from '../methods/define.ts';
import { METHOD_NAMES, methodDefinition } from '../methods/index.ts';
import type { MethodConfig, MethodName } from '../methods/method.ts';
import { CONVNET_WIDTHS } from '../nn/index.ts';
import {
  boolean,
  checked,
  derived,
  flatten,
  getPath,
  group,
  intAtLeast,
  isPlainObject,
  listOf,
  nonEmptyString,
  nonNegative,
  nullable,
  numberIn,
  OptionError,
  oneOf,
  option,
  positive,
  positiveInt,
  resolve,
  type Schema,
  type Sources,
  seed,
  show,
  unitInterval,
} from '../options/index.ts';
import { ENCODER_NAMES, type EncoderConfig, type EncoderName, encoderScale } from './encoder-factory.ts';

export interface ImbalanceConfig {
  ratio: number;
  profile: 'exponential' | 'step' | 'pareto';
  stepFraction: number;
}

export interface MonitorConfig {
  /** Run the kNN monitor at each epoch end. */
  enabled: boolean;
  /** Training images in the kNN bank (a fixed seeded subset). */
  bankSize: number;
  /** Test images classified by the monitor. */
  querySize: number;
  k: number;
  temperature: number;
}

/** The augmentation: `PRESET_OPTIONS` resolved (mean and std: the dataset's statistics unless given). */
export type AugmentConfig = ResolvedPresetOptions & { mean: number[]; std: number[] };

export interface OptimizerConfig {
  name: 'sgd' | 'lars';
  lr: number;
  weightDecay: number;
  momentum: number;
  warmupFraction: number;
}

/** Sharpness-aware minimization of the step (rho 0: off, a plain step). */
export interface SamConfig {
  rho: number;
  adaptive: boolean;
  eta: number;
  /** 'kde': rwSAM's inverse-density weights in the ascent step; null: none. */
  reweight: 'kde' | null;
  bandwidth: number | null;
}

/** A resolved pretraining config: what config.json holds and what runs. */
export interface PretrainConfig {
  version: 2;
  method: MethodConfig;
  /** `loadDataset` name (`mnist`, `fashion-mnist`, `cifar10:DIR`, `folder:DIR`…). */
  dataset: string;
  /** Pretrain on a seeded random subset of this many training images (null: all). */
  trainSize: number | null;
  /** A long-tailed pretraining subset of trainSize images (ratio 1: none). */
  imbalance: ImbalanceConfig;
  /** Pretrain on the source domain only (member 0 of a union or subpopulation set). */
  sourceOnly: boolean;
  encoder: EncoderConfig;
  augment: AugmentConfig;
  batchSize: number;
  /** Exactly one of epochs and minutes is set. */
  epochs: number | null;
  minutes: number | null;
  optimizer: OptimizerConfig;
  /** Sharpness-aware minimization (SAM, ASAM, rwSAM); rho 0: off. */
  sam: SamConfig;
  seed: number;
  monitor: MonitorConfig;
  /** Seconds between checkpoints (also written at every epoch end). */
  checkpointSeconds: number;
  /** Steps between metrics lines. */
  logEvery: number;
  /** Prepare views on a worker thread. */
  worker: boolean;
  /** Fit the linear probe and kNN on the frozen features at the end. */
  evaluate: boolean;
}

type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends (infer U)[] ? U[] : T[K] extends object ? DeepPartial<T[K]> : T[K];
};

/**
 * What a user gives: any part of a config (a YAML/JSON file, `--set` overrides,
 * API arguments); `method` may be just a name.
 */
export type PretrainSettings = Omit<DeepPartial<PretrainConfig>, 'method' | 'version'> & {
  method?: MethodName | (Partial<MethodConfig> & { name?: MethodName });
  version?: number;
};

/** The facts about the data that defaults depend on (measured by the trainer, given by tests). */
export interface DataFacts {
  /** Image channels. */
  channels: number;
  /** The dataset's normalization (literature constants or measured on its training split). */
  mean: number[];
  std: number[];
}

/** What derived defaults are computed from. */
interface Context extends DataFacts {
  scale: 'small' | 'large';
  method: MethodDefinition;
  encoder: EncoderName;
  batchSize: number;
  minutes: number | null;
}

const recipe = (c: Context) => c.method.recipe;

/** The settings every pretraining has, the method's own options aside (see `pretrainSchema`). */
export const PRETRAIN_OPTIONS = {
  dataset: option(
    nonEmptyString,
    'mnist',
    'the images to pretrain on: mnist, fashion-mnist, cifar10:DIR, cifar100:DIR, folder:DIR, or a set built from them (two-part:…, shift:…, union:A+B, subpop:…; see docs/data.md); labels are used only by the evaluation and the supervised baselines',
    { flag: 'dataset' },
  ),
  trainSize: option(
    nullable(positiveInt),
    null,
    'pretrain on a seeded random subset of this many training images (a quick try); none: all of them',
    { flag: 'train-size', unit: 'images' },
  ),
  sourceOnly: option(
    boolean,
    false,
    'pretrain on the source domain alone: the first member of a union:SOURCE+TARGET dataset, or the source sub-classes of a subpop: one (the source-only baselines of the transfer experiments); the evaluation still sees every domain',
    { flag: 'source-only' },
  ),
  imbalance: group(
    'a long-tailed pretraining set (Liu, HaoChen, Gaidon, Ma 2022): trainSize images with class counts falling off from class 0 (the most frequent) to the last',
    {
      ratio: option(
        numberIn(0, 1, 'lower'),
        1,
        'imbalance ratio r = min_c n_c / max_c n_c of the pretraining set (needs trainSize, its total); 1: no imbalance',
      ),
      profile: option(
        oneOf(['exponential', 'step', 'pareto'] as const),
        'exponential',
        'how counts fall off with the class: exponential n_c ∝ r^(c/(C−1)); step: the last stepFraction of the classes have r × the count of the others; pareto',
      ),
      stepFraction: option(numberIn(0, 1), 0.5, 'with the step profile: the share of classes that are rare'),
    },
  ),
  encoder: group('the backbone', {
    name: option(oneOf(ENCODER_NAMES), 'convnet', 'the backbone: convnet (small, for CPUs) or resnet18 (the papers’)', {
      flag: 'encoder',
    }),
    widths: option(
      nullable(listOf(positiveInt)),
      derived<number[] | null, Context>(`${CONVNET_WIDTHS.join(',')} for the ConvNet, none for ResNet-18`, (c) =>
        c.encoder === 'convnet' ? [...CONVNET_WIDTHS] : null,
      ),
      'ConvNet stage widths; the last is the feature width',
      { flag: 'widths' },
    ),
    channelsLast: option(boolean, true, 'store conv weights and activations channels-last (faster on CPUs)'),
    inChannels: option(
      positiveInt,
      derived<number, Context>("the dataset's channels", (c) => c.channels),
      'image channels the encoder takes (must match the dataset)',
    ),
  }),
  augment: group('the augmentation that makes the views', PRESET_OPTIONS),
  batchSize: option(
    intAtLeast(2),
    derived<number, Context>("the method's: 128 for spectral on the ConvNet, 256 otherwise", (c) => c.batchSize),
    'images per batch (each gives its views)',
    { flag: 'batch-size', unit: 'images' },
  ),
  epochs: option(
    nullable(positiveInt),
    derived<number | null, Context>('10, or none when minutes is given', (c) => (c.minutes === null ? 10 : null)),
    'epochs to train',
    { flag: 'epochs' },
  ),
  minutes: option(
    nullable(positive),
    null,
    'a wall-clock budget instead of epochs: the schedule is planned to end in it',
    {
      flag: 'minutes',
      unit: 'minutes',
    },
  ),
  optimizer: group("the optimizer (defaults: the method's published recipe)", {
    name: option(
      oneOf(['sgd', 'lars'] as const),
      derived<'sgd' | 'lars', Context>("the method's", (c) => recipe(c).optimizer),
      'sgd or lars (LARS as in the papers: η = 0.001, biases and norms excluded)',
      { flag: 'optimizer' },
    ),
    lr: option(
      positive,
      derived<number, Context>("the method's base lr × batchSize/256", (c) => (recipe(c).baseLr * c.batchSize) / 256),
      'peak learning rate, after warm-up',
      { flag: 'lr' },
    ),
    weightDecay: option(
      nonNegative,
      derived<number, Context>("the method's", (c) => recipe(c).weightDecay),
      'weight decay (not on biases and norms)',
      { flag: 'wd' },
    ),
    momentum: option(
      unitInterval,
      derived<number, Context>("the method's", (c) => recipe(c).momentum),
      'momentum of SGD/LARS',
    ),
    warmupFraction: option(
      unitInterval,
      derived<number, Context>("the method's", (c) => recipe(c).warmupFraction),
      'linear warm-up as a fraction of the run, then cosine decay',
    ),
  }),
  sam: group(
    'sharpness-aware minimization of each step (Foret et al. 2021): the gradient at w + ε, ε = ρ·g/‖g‖ from the batch gradient g, is what the optimizer steps with; costs two forward+backward passes per step (about twice the time of a plain step)',
    {
      rho: option(
        nonNegative,
        0,
        'radius ρ of the weight perturbation of sharpness-aware minimization (Foret et al. 2021 use 0.05; ASAM larger, e.g. 0.5); > 0 makes each step two forward+backward passes (about twice the time); 0: off, a plain step, the other sam settings unused',
      ),
      adaptive: option(
        boolean,
        false,
        'adaptive SAM (ASAM, Kwon et al. 2021): ε = ρ·T²g/‖Tg‖ with T = |w| + η on weights (conv, linear, BatchNorm γ) and T = 1 on biases and BatchNorm β, as in the official code',
      ),
      eta: option(nonNegative, 0.01, "ASAM's η in T = |w| + η (0: T = |w|)"),
      reweight: option(
        nullable(oneOf(['kde'] as const)),
        null,
        "kde: rwSAM (Liu, HaoChen, Gaidon, Ma 2022): the ascent gradient is that of the loss with each example weighted by its inverse density, a Gaussian kernel density estimate on the batch's L2-normalized encoder features (weights of mean 1), the descent gradient that of the unweighted loss; needs a method whose loss takes weights (spectral, simsiam, supervised); none: plain SAM",
      ),
      bandwidth: option(
        nullable(positive),
        null,
        "bandwidth h of rwSAM's Gaussian kernel exp(−‖uᵢ − uⱼ‖²/(2h²)) on the unit-norm features; none: the median pairwise distance of each batch",
      ),
    },
  ),
  seed: option(seed, 0, 'seeds the weights, the data order and every augmentation', { flag: 'seed' }),
  monitor: group('the kNN monitor run at each epoch end', {
    enabled: option(boolean, true, 'run the kNN monitor at each epoch end', { flag: 'monitor' }),
    bankSize: option(positiveInt, 10000, 'training images in its bank (a fixed seeded subset)', { unit: 'images' }),
    querySize: option(positiveInt, 2000, 'test images it classifies', { unit: 'images' }),
    ...KNN_OPTIONS,
  }),
  checkpointSeconds: option(positive, 60, 'time between checkpoints (one is also written at every epoch end)', {
    unit: 'seconds',
  }),
  logEvery: option(positiveInt, 10, 'steps between lines of metrics.jsonl (loss, its parts, lr)', { unit: 'steps' }),
  worker: option(boolean, true, 'prepare the views on a worker thread while the step runs', { flag: 'worker' }),
  evaluate: option(boolean, true, 'fit the linear probe and kNN on the frozen features at the end', {
    flag: 'evaluate',
  }),
} satisfies Schema;

/** The whole schema for method `method`: its options under `method.`, the rest as `PRETRAIN_OPTIONS`. */
export function pretrainSchema(method: MethodName): Schema {
  const def = methodDefinition(method);
  return {
    method: group(`the pretraining method (${def.name}: ${def.summary})`, {
      name: option(oneOf(METHOD_NAMES), 'spectral', 'the pretraining method', { flag: 'method' }),
      ...def.options,
    }),
    ...PRETRAIN_OPTIONS,
  };
}

/**
 * The given value at `key`, checked by its own declaration now because other
 * defaults depend on it (undefined when not given; the full resolution fills it).
 */
function early(schema: Schema, given: Record<string, unknown>, key: string, sources?: Sources): unknown {
  const v = getPath(given, key);
  if (v === undefined) return undefined;
  const decl = new Map(flatten(schema)).get(key);
  if (!decl) throw new Error(`pretrain: no declaration of ${key}`);
  const src = sources?.get(key);
  return checked(src ? `${src}: pretrain` : 'pretrain', key, decl.check, v);
}

/**
 * The resolved config of `settings` for data with these `facts`: every
 * option present and checked, defaults filled (the method's options for the
 * encoder's scale, the optimizer from the method's recipe at this batch
 * size). Pure: builds nothing. Errors name the key, what was expected, what
 * was given and, with `sources`, where it came from ("run.yaml: …").
 */
export function resolvePretrainConfig(
  settings: PretrainSettings,
  facts: DataFacts,
  o: { sources?: Sources } = {},
): PretrainConfig {
  if (!isPlainObject(settings))
    throw new OptionError(`pretrain: settings must be a mapping of option names to values, got ${show(settings)}`);
  const given: Record<string, unknown> = { ...settings };
  const sources = o.sources;
  if (typeof given.method === 'string') given.method = { name: given.method };
  if (given.version !== undefined && given.version !== 1 && given.version !== 2) {
    const src = sources?.get('version');
    throw new OptionError(
      `${src ? `${src}: ` : ''}pretrain: version must be 1 or 2 (a config this specl can read), got ${show(given.version)}`,
    );
  }
  delete given.version;
  const methodName = (early(pretrainSchema('spectral'), given, 'method.name', sources) ?? 'spectral') as MethodName;
  const def = methodDefinition(methodName);
  const encoder = (early(PRETRAIN_OPTIONS, given, 'encoder.name', sources) ?? 'convnet') as EncoderName;
  const scale = encoderScale(encoder);
  const batchSize =
    (early(PRETRAIN_OPTIONS, given, 'batchSize', sources) as number | undefined) ?? def.batchSize(scale);
  const minutes = (early(PRETRAIN_OPTIONS, given, 'minutes', sources) as number | null | undefined) ?? null;
  const context: Context = { ...facts, scale, method: def, encoder, batchSize, minutes };
  const config = resolve<Omit<PretrainConfig, 'version'>, Context>(pretrainSchema(methodName), given, {
    owner: 'pretrain',
    context,
    sources,
  });
  const fail = (key: string, msg: string): never => {
    const src = sources?.get(key);
    throw new OptionError(`${src ? `${src}: ` : ''}pretrain: ${msg}`);
  };
  if ((config.epochs === null) === (config.minutes === null)) {
    fail(
      config.epochs === null ? 'epochs' : 'minutes',
      `give exactly one of epochs and minutes, got epochs ${config.epochs} and minutes ${config.minutes}`,
    );
  }
  if (config.encoder.name === 'convnet' && config.encoder.widths === null)
    fail('encoder.widths', 'encoder.widths must be a list of positive integers for the ConvNet, got none');
  if (config.encoder.name !== 'convnet' && config.encoder.widths !== null)
    fail(
      'encoder.widths',
      `encoder.widths is only for the ConvNet, got ${JSON.stringify(config.encoder.widths)} with ${config.encoder.name}`,
    );
  if (config.imbalance.ratio < 1 && config.trainSize === null)
    fail(
      'imbalance.ratio',
      `imbalance.ratio ${config.imbalance.ratio} needs trainSize: the total n of the long-tailed set (sets of equal n are compared)`,
    );
  if (config.sam.reweight !== null && !def.weightedLoss)
    fail(
      'sam.reweight',
      `sam.reweight '${config.sam.reweight}' (rwSAM) weights each example's loss, but ${def.name}'s loss takes no per-example weights; methods whose loss does: ${METHOD_NAMES.filter((m) => methodDefinition(m).weightedLoss).join(', ')}`,
    );
  if (config.encoder.inChannels !== facts.channels)
    fail(
      'encoder.inChannels',
      `encoder.inChannels is ${config.encoder.inChannels} but the dataset's images have ${facts.channels} channels`,
    );
  try {
    checkPresetOptions(config.augment, { owner: 'pretrain', prefix: 'augment.', channels: facts.channels });
  } catch (e) {
    const src = sources?.get('augment.sigma') ?? sources?.get('augment.preset') ?? sources?.get('augment.mean');
    throw src ? new OptionError(`${src}: ${(e as Error).message}`) : e;
  }
  return { version: 2, ...config };
}

/**
 * The ConvNet widths of run folders written before config.json recorded them
 * (the ConvNet was [32, 64, 128] then), so those runs still load and resume.
 */
const UNRECORDED_CONVNET_WIDTHS = [32, 64, 128];
/** Optimizer fields that version-1 configs repeated inside the method (the trainer's block is what ran). */
const V1_RECIPE_KEYS = ['optimizer', 'baseLr', 'weightDecay', 'optimizerMomentum', 'warmupFraction'];

/** What every run before the imbalance settings ran with. */
const NO_IMBALANCE: ImbalanceConfig = { ratio: 1, profile: 'exponential', stepFraction: 0.5 };
/** What every run before the sam settings ran with: a plain step. */
const NO_SAM: SamConfig = { rho: 0, adaptive: false, eta: 0.01, reweight: null, bandwidth: null };

/** A config read from a run folder, written by an earlier specl, in today's form (in memory only). */
export function upgradeConfig(raw: unknown): PretrainConfig {
  if (!isPlainObject(raw)) throw new OptionError(`config.json must hold an object, got ${JSON.stringify(raw)}`);
  const c = raw as Record<string, unknown>;
  // Settings added after version 2 was fixed: a folder written before ran with what is now their default.
  const later = {
    ...(c.imbalance === undefined ? { imbalance: { ...NO_IMBALANCE } } : {}),
    ...(c.sourceOnly === undefined ? { sourceOnly: false } : {}),
    ...(c.sam === undefined ? { sam: { ...NO_SAM } } : {}),
  };
  if (c.version === 2) return { ...c, ...later } as unknown as PretrainConfig;
  const method = Object.fromEntries(
    Object.entries((c.method ?? {}) as Record<string, unknown>).filter(([k]) => !V1_RECIPE_KEYS.includes(k)),
  );
  const encoder = { ...((c.encoder ?? {}) as Record<string, unknown>) };
  if (encoder.name === 'convnet' && encoder.widths === undefined) encoder.widths = [...UNRECORDED_CONVNET_WIDTHS];
  if (encoder.widths === undefined) encoder.widths = null;
  const monitor = c.monitor === null ? { enabled: false } : { enabled: true, ...(c.monitor as object) };
  const augment = { ...((c.augment ?? {}) as Record<string, unknown>) };
  if (augment.sigma === undefined) augment.sigma = null;
  return {
    ...(c as object),
    version: 2,
    method,
    encoder,
    monitor,
    augment,
    evaluate: true,
    ...later,
  } as unknown as PretrainConfig;
}
