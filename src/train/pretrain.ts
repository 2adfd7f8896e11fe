/**
 * The one training loop for every method: seeded model and heads, views from
 * the worker-thread ViewLoader, SGD/LARS with weight-decay exclusions and a
 * warm-up + cosine schedule, a kNN monitor and a collapse monitor every epoch,
 * checkpoints that survive a kill, exact resume, a NaN guard, and a run folder.
 * The trainer knows nothing about any particular method (src/methods).
 */
import { join } from 'node:path';
import { deriveSeed, type Pipeline, presetFromName, type ResolvedPresetOptions, ViewLoader } from '../augment/index.ts';
import {
  checkImageSide,
  type DomainUnion,
  isDomainUnion,
  isTwoPartSpec,
  type LabeledDataset,
  loadDataset,
  longTailSubset,
  normalizationStats,
  subsetOf,
} from '../data/index.ts';
import { type EncoderEvaluation, type EvalProgress, evaluateEncoder, knnMonitor } from '../eval/index.ts';
import { createMethod, methodDefinition } from '../methods/index.ts';
import type { ExampleWeighting, Method } from '../methods/method.ts';
import { type ImageEncoder, saveModule } from '../nn/index.ts';
import {
  applySchedule,
  holdBuffers,
  inverseDensityWeights,
  LARS,
  type Optimizer,
  perturbWeights,
  SGD,
  samParameters,
  splitWeightDecay,
  warmupCosine,
} from '../optim/index.ts';
import { Generator, randperm, type Tensor, tensor, tidy } from '../tensor/index.ts';
import {
  findLatestCheckpoint,
  latestCheckpoint,
  loadCheckpoint,
  pointLatestAt,
  saveCheckpoint,
  sweepCheckpoints,
  type TrainerPosition,
} from './checkpoint.ts';
import { embeddingSpread } from './collapse.ts';
import { createEncoder } from './encoder-factory.ts';
import { loadRunConfig } from './load-run.ts';
import {
  type DataFacts,
  type PretrainConfig,
  type PretrainSettings,
  resolvePretrainConfig,
} from './pretrain-config.ts';
import { type MetricLine, RunFolder } from './run-folder.ts';
import type { RunLock } from './run-lock.ts';

/** What the trainer reports as it goes (the CLI draws its progress bar from these). */
export type PretrainEvent =
  | {
      type: 'start';
      dir: string;
      config: PretrainConfig;
      resumedAt: number | null;
      stepsPerEpoch: number;
      /**
       * What starting had to repair, each in a sentence for the user (also an
       * event line in metrics.jsonl): a checkpoint recovered without a usable
       * latest.json, a dead process's lock taken over, metrics lines from
       * before the first checkpoint dropped by a restart. Empty on a clean start.
       */
      notices: string[];
    }
  | { type: 'plan'; totalSteps: number; secondsPerStep: number }
  | {
      type: 'step';
      step: number;
      totalSteps: number;
      epoch: number;
      loss: number;
      lr: number;
      imagesPerSecond: number;
      seconds: number;
    }
  | { type: 'epoch'; epoch: number; step: number; knn: number | null; spread: number; collapsed: boolean }
  | { type: 'checkpoint'; step: number }
  | { type: 'evaluate' }
  /** Progress of the final evaluation (feature extraction, each probe iteration, kNN). */
  | { type: 'evaluate-progress'; progress: EvalProgress }
  | { type: 'done'; summary: PretrainSummary };

/** How a run is driven (not part of its config): where it goes, what it reports, how it stops. */
export interface RunControl {
  /** A dataset already in memory (its `name` is recorded; resuming reloads it by that name unless given again). */
  data?: LabeledDataset;
  /** Stops the run cleanly: a checkpoint is written and `interrupted` is set. */
  signal?: AbortSignal;
  onEvent?: (e: PretrainEvent) => void;
}

/** Settings of a fresh run plus how to drive it. */
export interface PretrainOptions extends RunControl {
  /** Any part of a config (see `PRETRAIN_OPTIONS` and the method's options); the rest takes defaults. */
  settings: PretrainSettings;
  /** Run folder (default runs/<method>-<dataset>-<time>); must not hold a run already. */
  out?: string;
  /** Where each setting came from ("run.yaml", "--lr"), for error messages. */
  sources?: ReadonlyMap<string, string>;
}

export interface PretrainSummary {
  method: string;
  dataset: string;
  steps: number;
  epochs: number;
  seconds: number;
  imagesPerSecond: number;
  finalLoss: number;
  evaluation: EncoderEvaluation | null;
}

export interface PretrainResult {
  dir: string;
  encoder: ImageEncoder;
  method: Method;
  /** null when interrupted. */
  summary: PretrainSummary | null;
  interrupted: boolean;
}

/** The spread below which the embedding is reported as collapsed (1 = isotropic, 0 = a point). */
export const COLLAPSE_THRESHOLD = 0.1;

const stamp = () => new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
const sanitize = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_');

/** The facts about `data` that defaults depend on: its channels and normalization. */
export function dataFacts(data: LabeledDataset): DataFacts {
  const norm = normalizationStats(data.name, data.train);
  return { channels: data.train.images.shape[1] as number, mean: norm.mean, std: norm.std };
}

/**
 * The pretraining set: `data` with its training split cut to
 * `config.trainSize` images, a seeded random subset, or with
 * `imbalance.ratio` < 1 a long-tailed one (`longTailSubset`: class 0 the most
 * frequent, the counts summing to trainSize, drawn with a seed derived from
 * the run's); with `sourceOnly`, first cut to the source domain (member 0 of
 * a union or subpopulation set). A union keeps `domains` for the rows kept,
 * so DANN reads each training image's domain. A new split is the caller's to
 * dispose; the test split is `data`'s.
 */
export function pretrainingSet(data: LabeledDataset, config: PretrainConfig): LabeledDataset {
  const domains = isDomainUnion(data) ? data.domains : null;
  // rows of data.train kept so far (null: all), and the split they make (data.train while null)
  let rows: Int32Array | null = null;
  let split = data.train;
  const keep = (picked: Int32Array, made?: LabeledDataset['train']) => {
    const next = made ?? subsetOf(split, Array.from(picked));
    if (split !== data.train) for (const t of [split.images, split.labels]) t.dispose();
    split = next;
    rows = rows ? picked.map((i) => (rows as Int32Array)[i] as number) : picked;
  };
  try {
    if (config.sourceOnly) {
      if (!domains)
        throw new Error(
          `sourceOnly trains on the source domain of a dataset with domains (union:SOURCE+TARGET, subpop:…), but ${data.name} has none`,
        );
      const source = domains.train.reduce((n, d) => n + (d === 0 ? 1 : 0), 0);
      const picked = new Int32Array(source);
      let at = 0;
      domains.train.forEach((d, i) => {
        if (d === 0) picked[at++] = i;
      });
      keep(picked);
    }
    const n = split.images.shape[0] as number;
    const im = config.imbalance;
    if (im.ratio < 1) {
      const lt = longTailSubset(split, {
        n: config.trainSize as number,
        ratio: im.ratio,
        profile: im.profile,
        stepFraction: im.stepFraction,
        seed: deriveSeed(config.seed, 2),
        numClasses: data.classes.length,
      });
      const picked = Int32Array.from(lt.indices.toArray().map(Number));
      lt.indices.dispose();
      keep(picked, lt.split);
    } else if (config.trainSize !== null && config.trainSize < n) {
      const idx = tidy(
        () =>
          randperm(n, { generator: new Generator(deriveSeed(config.seed, 2)) })
            .narrow(0, 0, config.trainSize as number)
            .sort().values,
      );
      const picked = Int32Array.from(idx.toArray().map(Number));
      idx.dispose();
      keep(picked);
    }
  } catch (e) {
    if (split !== data.train) for (const t of [split.images, split.labels]) t.dispose();
    throw e;
  }
  if (rows === null) return data;
  const out: LabeledDataset = { ...data, train: split };
  if (domains) {
    const kept = rows as Int32Array;
    (out as DomainUnion).domains = { ...domains, train: kept.map((i) => domains.train[i] as number) };
  }
  return out;
}

/**
 * The labels a method with `needsDomains` (DANN) trains on: class + K·domain for every training image of a
 * dataset with domains (K classes). A new tensor, the caller's.
 */
export function domainLabels(data: LabeledDataset, method: string): Tensor {
  if (!isDomainUnion(data))
    throw new Error(
      `${method} needs the domain of every training image: pretrain on a dataset with domains ` +
        `(union:SOURCE+TARGET or subpop:…), not ${data.name}`,
    );
  const k = data.classes.length;
  const d = data.domains.train;
  return tidy(() =>
    data.train.labels.long().add(
      tensor(
        Array.from(d, (v) => v * k),
        [d.length],
      ).long(),
    ),
  );
}

/** What a run trains. */
export interface RunParts {
  encoder: ImageEncoder;
  method: Method;
  optimizer: Optimizer;
}

/**
 * Everything a run trains, built from its config (the same on a fresh start
 * and on resume): the encoder, the method with its heads, and the optimizer,
 * in their state at step 0.
 */
export function buildRunParts(config: PretrainConfig, numClasses: number, numDomains?: number): RunParts {
  const gen = new Generator(config.seed);
  const encoder = createEncoder(config.encoder, gen);
  const method = createMethod(config.method, {
    encoder,
    makeEncoder: () => createEncoder(config.encoder),
    generator: gen,
    numClasses,
    numDomains,
  });
  const o = config.optimizer;
  const groups = [...splitWeightDecay(encoder, o.weightDecay), ...splitWeightDecay(method.heads, o.weightDecay)];
  const optimizer: Optimizer =
    o.name === 'lars'
      ? new LARS(groups, { lr: o.lr, momentum: o.momentum })
      : new SGD(groups, { lr: o.lr, momentum: o.momentum });
  return { encoder, method, optimizer };
}

/**
 * Pretrains an encoder with a method on a dataset and writes a new run
 * folder: config.json (the resolved config, exactly what runs), metrics.jsonl,
 * checkpoints, encoder.safetensors and summary.json. Everything that can fail
 * on these settings and this data (the parts, the augmentation on a few of the
 * images, the loader, the monitor) is built before the folder is created; a
 * failure after that and before the first checkpoint removes what this call
 * created, so the same `out` can be used again. The folder's lock is held
 * throughout.
 */
export async function pretrain(o: PretrainOptions): Promise<PretrainResult> {
  return withData(o.data, o.settings.dataset ?? 'mnist', async (data) => {
    // The spec as given (`cifar10:DIR` keeps its folder) so that resume and probe reload the same data.
    const settings = { ...o.settings, dataset: o.data ? data.name : (o.settings.dataset ?? 'mnist') };
    checkHasImages(data, settings.dataset);
    const config = resolvePretrainConfig(settings, dataFacts(data), { sources: o.sources });
    const folder = new RunFolder(o.out ?? join('runs', `${config.method.name}-${sanitize(data.name)}-${stamp()}`));
    return withPrepared(config, data, async (prepared) => {
      const created = folder.create(config);
      let checkpointed = false;
      try {
        return await run(o, folder, config, prepared, {
          resuming: false,
          lock: created.lock,
          onCheckpoint: () => {
            checkpointed = true;
          },
        });
      } catch (e) {
        // Nothing trained is kept yet: leave the folder as it was found, so a retry can use it.
        if (!checkpointed) {
          try {
            created.discard();
          } catch {
            // the failure that stopped the run is the one to report
          }
        }
        throw e;
      } finally {
        created.lock.release();
      }
    });
  });
}

/**
 * Continues the run in `dir` from its latest checkpoint, exactly where it
 * stopped (same config, same data), holding the folder's lock (a second
 * writer is refused; a dead one's lock is taken over). Without a usable
 * `checkpoints/latest.json` the newest complete step folder is taken (see
 * `findLatestCheckpoint`) and the pointer repaired; without any checkpoint the
 * run restarts from step 0 only when metrics.jsonl shows it never wrote one.
 * What was repaired is in the 'start' event's `notices` and in metrics.jsonl.
 */
export async function resume(dir: string, o: RunControl = {}): Promise<PretrainResult> {
  const folder = new RunFolder(dir);
  const config = loadRunConfig(dir, { complete: true });
  // Before the data is loaded: a second writer is told at once.
  const lock = folder.lock();
  try {
    return await withData(o.data, config.dataset, (data) =>
      withPrepared(config, data, (prepared) => run(o, folder, config, prepared, { resuming: true, lock })),
    );
  } catch (e) {
    // An error naming no file of the run comes from what config.json describes (its dataset, parts too large
    // to allocate, an augmentation these images cannot take): say which file that is.
    const m = e instanceof Error ? e.message : String(e);
    if (m.includes(dir)) throw e;
    throw new Error(`${folder.configPath}: ${m}`, { cause: e });
  } finally {
    lock.release();
  }
}

/** Runs `fn` on `given` or on the dataset `name` loaded here (and freed after). */
async function withData<T>(
  given: LabeledDataset | undefined,
  name: string,
  fn: (data: LabeledDataset) => Promise<T>,
): Promise<T> {
  const data = given ?? (await loadDataset(name));
  try {
    return await fn(data);
  } finally {
    if (data !== given) for (const s of [data.train, data.test]) for (const t of [s.images, s.labels]) t.dispose();
  }
}

/** What a run needs besides its folder, all built before anything is written. */
interface Prepared {
  /** The dataset with the training split the run uses (`trainSize`). */
  data: LabeledDataset;
  parts: RunParts;
  loader: ViewLoader;
  monitor: ReturnType<typeof knnMonitor> | null;
}

/**
 * Builds what the config says on this data and hands it to `fn`; whatever of
 * it fails (no training images, a batch larger than the data, an
 * augmentation that cannot make views of these images) fails here, before any
 * file is written. The encoder and method outlive a successful `fn` (they are
 * in its result); everything else is freed.
 */
async function withPrepared<T>(
  config: PretrainConfig,
  data: LabeledDataset,
  fn: (p: Prepared) => Promise<T>,
): Promise<T> {
  checkHasImages(data, config.dataset);
  checkEncoderFits(data, config);
  const train = pretrainingSet(data, config);
  let labels: Tensor | null = null;
  try {
    const numDomains = isDomainUnion(train) ? train.domains.names.length : undefined;
    if (methodDefinition(config.method.name).needsDomains) labels = domainLabels(train, config.method.name);
    const parts = buildRunParts(config, train.classes.length, numDomains);
    let loader: ViewLoader | null = null;
    let monitor: Prepared['monitor'] = null;
    try {
      const pipeline = viewPipeline(config.augment, train);
      tryViews(pipeline, train, config);
      loader = new ViewLoader({
        data: labels
          ? { images: train.train.images, labels }
          : parts.method.needsLabels
            ? train.train
            : { images: train.train.images },
        pipeline,
        batchSize: config.batchSize,
        views: parts.method.views,
        seed: config.seed,
        worker: config.worker,
      });
      monitor = config.monitor.enabled ? knnMonitor(train, config.monitor, config.augment, config.seed) : null;
      return await fn({ data: train, parts, loader, monitor });
    } catch (e) {
      parts.encoder.dispose();
      parts.method.dispose();
      throw e;
    } finally {
      await loader?.close();
      monitor?.dispose();
      parts.optimizer.dispose();
    }
  } finally {
    labels?.dispose();
    if (train !== data) for (const t of [train.train.images, train.train.labels]) t.dispose();
  }
}

/**
 * The augmentation a run with these settings makes its views with on `data`: the preset at the images'
 * own H×W, without the horizontal flip on two-part images (a flip would swap the label half and the
 * label-irrelevant half, which the rare-class test keeps apart).
 */
export function viewPipeline(augment: ResolvedPresetOptions, data: LabeledDataset): Pipeline {
  const shape = data.train.images.shape;
  return presetFromName(augment.preset, {
    mean: augment.mean,
    std: augment.std,
    sigma: augment.sigma ?? undefined,
    size: [shape[2] as number, shape[3] as number],
    flip: !isTwoPartSpec(data.name),
  });
}

/** The ConvNet halves the image at each of its 2×2 max-pools: refuse images too small for them before training. */
function checkEncoderFits(data: LabeledDataset, config: PretrainConfig): void {
  const widths = config.encoder.name === 'convnet' ? config.encoder.widths : null;
  if (!widths || widths.length < 2) return;
  const side = 2 ** (widths.length - 1);
  const why = `the ConvNet's ${widths.length - 1} 2×2 max-pools need it (encoder.widths ${JSON.stringify(widths)})`;
  for (const split of [data.train, data.test])
    if (split.images.shape[0] > 0) checkImageSide(split.images, `dataset '${config.dataset}'`, side, why);
}

function checkHasImages(data: LabeledDataset, name: string): void {
  if (data.train.images.shape[0] === 0) throw new Error(`pretrain: dataset '${name}' has no training images`);
}

/**
 * The length of a run with a time budget, planned at `step` after `seconds`
 * of training: the steps done plus those that fit in the rest of
 * `budgetSeconds` at `secondsPerStep` each, at least one more.
 */
export function plannedSteps(budgetSeconds: number, step: number, seconds: number, secondsPerStep: number): number {
  return step + Math.max(1, Math.floor((budgetSeconds - seconds) / secondsPerStep));
}

/** Makes views of two training images, so that an augmentation that does not fit the images fails before the run starts. */
function tryViews(pipeline: Pipeline, data: LabeledDataset, config: PretrainConfig): void {
  const images = data.train.images;
  try {
    tidy(() => {
      pipeline.views(images.narrow(0, 0, Math.min(2, images.shape[0] as number)), new Generator(0), 2);
    });
  } catch (e) {
    throw new Error(
      `pretrain: augment (preset ${config.augment.preset}) cannot make views of the ${images.shape.slice(1).join('×')} ` +
        `images of '${config.dataset}': ${(e as Error).message}`,
    );
  }
}

/**
 * Why metrics.jsonl shows that the run wrote a checkpoint, or null when it
 * shows none was written: an epoch line (each epoch end writes one), a step
 * line at or past `checkpointSeconds` of training (one follows it), or a
 * resume or recovery (there was one to resume from).
 */
function checkpointEvidence(lines: MetricLine[], config: PretrainConfig): string | null {
  // An epoch line, or a step line past checkpointSeconds, is written *before* the checkpoint it implies:
  // it proves one only when a later step followed it (a kill in between leaves it last, and no checkpoint).
  const lastStep = lines.reduce((m, l) => Math.max(m, l.step), 0);
  for (const l of lines) {
    if (l.type !== 'event' && l.step >= lastStep) continue;
    if (l.type === 'epoch') return `an epoch line at step ${l.step}: every epoch end writes a checkpoint`;
    if (l.type === 'step' && typeof l.seconds === 'number' && l.seconds >= config.checkpointSeconds)
      return `a step line at ${l.seconds.toFixed(1)} s of training, past checkpointSeconds (${config.checkpointSeconds} s)`;
    if (l.type === 'event' && (l.event === 'resume' || l.event === 'recovered'))
      return `a '${l.event}' event at step ${l.step}`;
  }
  return null;
}

/** How `run` starts: fresh or resuming, the lock it holds, whom to tell of each checkpoint. */
interface RunStart {
  resuming: boolean;
  lock: RunLock;
  onCheckpoint?: () => void;
}

async function run(
  o: RunControl,
  folder: RunFolder,
  config: PretrainConfig,
  prepared: Prepared,
  how: RunStart,
): Promise<PretrainResult> {
  const { data, parts, loader, monitor } = prepared;
  const { encoder, method, optimizer } = parts;
  const emit = o.onEvent ?? (() => {});
  const stepsPerEpoch = loader.batchesPerEpoch;
  let pos: TrainerPosition = {
    step: 0,
    totalSteps: (config.epochs ?? 0) * stepsPerEpoch,
    epoch: 0,
    batch: 0,
    seconds: 0,
    images: 0,
  };
  let resumedAt: number | null = null;
  const notices: string[] = [];
  const events: MetricLine[] = [];
  if (how.resuming) {
    // Throws, naming the folders, when step folders exist but none is complete: never restart over them.
    const found = findLatestCheckpoint(folder.checkpointsDir);
    if (found) {
      pos = loadCheckpoint(found.path, parts);
      // An epoch run plans its steps once: another count is a damaged trainer.json (a huge one trains for ever).
      const planned = config.epochs === null ? null : config.epochs * stepsPerEpoch;
      if (planned !== null && pos.totalSteps !== planned)
        throw new Error(
          `${join(found.path, 'trainer.json')}: field 'totalSteps' is ${pos.totalSteps} but config.json plans ` +
            `${config.epochs} epochs × ${stepsPerEpoch} steps = ${planned}`,
        );
      resumedAt = pos.step;
      if (found.recovered !== null) {
        pointLatestAt(folder.checkpointsDir, found.path);
        notices.push(`resuming from ${found.path}: ${found.recovered}`);
        events.push({
          type: 'event',
          step: pos.step,
          event: 'recovered',
          checkpoint: found.path,
          reason: found.recovered,
        });
      }
      // A kill during the last checkpoint's sweep left older folders (and a resume at the final step writes none).
      sweepCheckpoints(folder.checkpointsDir, pos.step, { newer: false });
    } else {
      // No checkpoint at all. Restarting from step 0 loses nothing only if none was ever written: the run
      // is seeded, so the metrics lines before the first checkpoint come back identical (but for their
      // `seconds`). If metrics.jsonl shows a checkpoint existed, its weights are gone (a deleted or
      // unmounted checkpoints folder) and a restart would overwrite the record of that training: refuse.
      const lines = folder.readMetrics();
      const evidence = checkpointEvidence(lines, config);
      if (evidence !== null)
        throw new Error(
          `${folder.dir}: ${folder.checkpointsDir} holds no checkpoint, but ${folder.metricsPath} shows the run wrote one ` +
            `(${evidence}); its weights are lost. Restore the checkpoints, or start a new run ` +
            `(to train this one again from step 0, delete ${folder.metricsPath} first).`,
        );
      const dropped = lines.filter((l) => l.type === 'step' && l.step > 0);
      if (dropped.length > 0) {
        const upTo = Math.max(...dropped.map((l) => l.step));
        notices.push(
          `no checkpoint yet: restarting from step 0; the ${dropped.length} step lines up to step ${upTo} in ` +
            `${folder.metricsPath} (all before the first checkpoint) are written again`,
        );
        events.push({ type: 'event', step: 0, event: 'dropped', lines: dropped.length, upTo });
      }
    }
    folder.truncateMetrics(pos.step);
    folder.log({ type: 'event', step: pos.step, event: resumedAt === null ? 'restart' : 'resume' });
  }
  const stale = how.lock.tookOver;
  if (stale !== null) {
    notices.push(
      `took over ${how.lock.path} from a process that is gone (pid ${stale.pid} on ${stale.host}, since ${stale.started})`,
    );
    events.push({ type: 'event', step: pos.step, event: 'lock-taken-over', ...stale });
  }
  for (const e of events) folder.log(e);
  emit({ type: 'start', dir: folder.dir, config, resumedAt, stepsPerEpoch, notices });
  const budget = config.minutes === null ? null : config.minutes * 60;
  // With a time budget the plan is made after a few measured steps; until then a provisional one.
  const planAt = Math.min(20, stepsPerEpoch);
  if (pos.totalSteps === 0) pos.totalSteps = Math.max(planAt + 1, 1000 * stepsPerEpoch);
  let planned = budget === null || resumedAt !== null;
  const makeSchedule = (total: number) => {
    const warm = Math.min(Math.round(config.optimizer.warmupFraction * total), total - 1);
    return warmupCosine({ baseLr: config.optimizer.lr, warmupSteps: warm, totalSteps: total });
  };
  let schedule = makeSchedule(pos.totalSteps);
  /** Sets the run's length from a measured pace and logs the plan. */
  const plan = (totalSteps: number, secondsPerStep: number) => {
    pos.totalSteps = totalSteps;
    schedule = makeSchedule(totalSteps);
    folder.log({ type: 'event', step: pos.step, event: 'plan', totalSteps, secondsPerStep });
    emit({ type: 'plan', totalSteps, secondsPerStep });
  };
  let lastCheckpoint = performance.now();
  // A resumed run holds its checkpoint's state already: stopping again at once writes none.
  let lastCheckpointStep = resumedAt ?? -1;
  // Kept in the position (so in each checkpoint): a resume reports the loss and spreads an uninterrupted run does.
  pos.loss ??= null;
  pos.spreadSum ??= 0;
  pos.spreadCount ??= 0;
  let interrupted = false;
  const checkpoint = () => {
    saveCheckpoint(folder.checkpointsDir, parts, pos);
    how.onCheckpoint?.();
    lastCheckpoint = performance.now();
    lastCheckpointStep = pos.step;
    emit({ type: 'checkpoint', step: pos.step });
  };
  const t0 = performance.now() - pos.seconds * 1000;
  let planStart = 0;
  const seconds = () => (performance.now() - t0) / 1000;
  // SAM (rho > 0): a second forward+backward at w + ε per step (see src/optim/sam.ts); rwSAM's ascent loss weighs
  // each example by its inverse density on the batch's encoder features. Nothing here draws a random number.
  const sam = config.sam;
  const samParams = sam.rho > 0 ? samParameters(encoder, method.heads) : [];
  const samBuffers = sam.rho > 0 ? [...encoder.namedBuffers(), ...method.heads.namedBuffers()].map(([, t]) => t) : [];
  const ascentWeights: ExampleWeighting | null =
    sam.rho > 0 && sam.reweight === 'kde' ? (f) => inverseDensityWeights(f, { bandwidth: sam.bandwidth }) : null;
  encoder.train();
  method.heads.train();
  try {
    outer: while (pos.step < pos.totalSteps) {
      for await (const batch of loader.epoch(pos.epoch, { from: pos.batch })) {
        const ctx = { step: pos.step, totalSteps: pos.totalSteps };
        const batchImages = batch.views[0]?.shape[0] ?? 0;
        const lr = applySchedule(optimizer, schedule, pos.step);
        const logNow = (pos.step + 1) % config.logEvery === 0 || pos.step + 1 === pos.totalSteps;
        const r = tidy(() => {
          const views = { views: batch.views, labels: batch.labels };
          const out = method.forward(encoder, { ...views, weights: ascentWeights }, ctx);
          const loss = out.loss.item();
          if (!Number.isFinite(loss)) return { loss, spread: Number.NaN, parts: {}, perturbed: false };
          optimizer.zeroGrad();
          out.loss.backward();
          // the loss's parts are read only on the steps that log them (no host sync between)
          const parts: Record<string, number> = {};
          if (sam.rho > 0) {
            // SAM: the optimizer steps with the gradient of the unweighted loss at w + ε; w and the
            // running statistics are then put back as the first pass left them.
            const perturbed = perturbWeights(samParams, sam);
            const stats = holdBuffers(samBuffers);
            let samLoss: number;
            try {
              optimizer.zeroGrad();
              const second = method.forward(encoder, views, ctx);
              samLoss = second.loss.item();
              if (Number.isFinite(samLoss)) second.loss.backward();
            } finally {
              perturbed.restore();
              stats.restore();
            }
            if (!Number.isFinite(samLoss)) return { loss: samLoss, spread: Number.NaN, parts: {}, perturbed: true };
            if (logNow) parts.samLoss = samLoss;
          }
          optimizer.step();
          if (logNow) for (const [k, t] of Object.entries(out.logs ?? {})) parts[k] = t.item();
          return { loss, spread: embeddingSpread(out.embedding), parts, perturbed: false };
        });
        batch.dispose();
        if (!Number.isFinite(r.loss)) {
          let last: string | null = null;
          try {
            last = latestCheckpoint(folder.checkpointsDir);
          } catch {
            // the message below still says what happened
          }
          folder.log({ type: 'event', step: pos.step, event: 'nan', loss: String(r.loss) });
          throw new Error(
            `pretrain: the loss became ${r.loss}${r.perturbed ? ' at the SAM-perturbed weights w + ε' : ''} at step ${pos.step} (epoch ${pos.epoch}, batch ${pos.batch}); ` +
              (last
                ? `the last checkpoint before it is kept in ${last}`
                : how.resuming
                  ? 'the run has no checkpoint yet'
                  : 'no checkpoint was written yet, so what the run wrote is removed') +
              `. Lower the learning rate (now ${config.optimizer.lr}) or check the data.`,
          );
        }
        method.afterStep(encoder, ctx);
        pos.loss = r.loss;
        pos.spreadSum = (pos.spreadSum ?? 0) + r.spread;
        pos.spreadCount = (pos.spreadCount ?? 0) + 1;
        pos.step++;
        pos.batch++;
        pos.images += batchImages;
        pos.seconds = seconds();
        if (logNow) {
          folder.log({
            type: 'step',
            step: pos.step,
            epoch: pos.epoch,
            loss: r.loss,
            ...r.parts,
            lr,
            spread: r.spread,
            seconds: pos.seconds,
          });
        }
        emit({
          type: 'step',
          step: pos.step,
          totalSteps: pos.totalSteps,
          epoch: pos.epoch,
          loss: r.loss,
          lr,
          imagesPerSecond: pos.images / Math.max(pos.seconds, 1e-9),
          seconds: pos.seconds,
        });
        if (!planned && budget !== null) {
          if (pos.step === 1) planStart = pos.seconds; // the first step pays for warm-up: measure from here
          if (pos.step === planAt + 1) {
            const perStep = (pos.seconds - planStart) / planAt;
            // 10 % of the budget is kept for the per-epoch monitor.
            plan(plannedSteps(budget * 0.9, pos.step, pos.seconds, perStep), perStep);
            planned = true;
          }
        }
        const stop = o.signal?.aborted === true || (budget !== null && pos.seconds > budget);
        if (stop) {
          interrupted = o.signal?.aborted === true;
          if (!interrupted) pos.totalSteps = pos.step; // budget spent: end the run here
          break outer;
        }
        if (pos.step >= pos.totalSteps) break;
        // (the epoch's last batch: the epoch end just below writes the checkpoint, with the next epoch's position)
        if (pos.batch < stepsPerEpoch && (performance.now() - lastCheckpoint) / 1000 >= config.checkpointSeconds)
          checkpoint();
      }
      if (pos.batch >= stepsPerEpoch || pos.step >= pos.totalSteps) {
        const knn = monitor ? monitor(encoder) : null;
        const count = pos.spreadCount ?? 0;
        const spread = count > 0 ? (pos.spreadSum ?? 0) / count : Number.NaN;
        const collapsed = spread < COLLAPSE_THRESHOLD;
        pos.spreadSum = 0;
        pos.spreadCount = 0;
        folder.log({ type: 'epoch', step: pos.step, epoch: pos.epoch, knn, spread, collapsed, seconds: seconds() });
        emit({ type: 'epoch', epoch: pos.epoch, step: pos.step, knn, spread, collapsed });
        encoder.train();
        method.heads.train();
        if (pos.batch >= stepsPerEpoch) {
          pos.epoch++;
          pos.batch = 0;
        }
        pos.seconds = seconds();
        checkpoint();
        // With a budget, re-plan at each epoch end from the measured pace, monitor and checkpoint
        // included (the first plan, from 20 warm-up steps, runs slow); the rest of the cosine follows it.
        if (budget !== null && resumedAt === null && pos.step < pos.totalSteps && pos.step > planAt + 1) {
          const perStep = (pos.seconds - planStart) / (pos.step - 1);
          const total = plannedSteps(budget * 0.98, pos.step, pos.seconds, perStep);
          if (Math.abs(total - pos.totalSteps) > 0.02 * pos.totalSteps) plan(total, perStep);
        }
      }
    }
    pos.seconds = seconds();
    if (lastCheckpointStep !== pos.step) checkpoint();
  } finally {
    await loader.close();
  }
  if (interrupted) {
    folder.log({ type: 'event', step: pos.step, event: 'interrupted' });
    return { dir: folder.dir, encoder, method, summary: null, interrupted: true };
  }
  saveModule(folder.encoderPath, encoder, { method: method.name, dataset: config.dataset });
  let evaluation: EncoderEvaluation | null = null;
  if (config.evaluate) {
    emit({ type: 'evaluate' });
    evaluation = evaluateEncoder(encoder, data, config.augment, {
      onProgress: (progress) => emit({ type: 'evaluate-progress', progress }),
    });
  }
  const summary: PretrainSummary = {
    method: method.name,
    dataset: config.dataset,
    steps: pos.step,
    epochs: pos.step / stepsPerEpoch,
    seconds: pos.seconds,
    imagesPerSecond: pos.images / Math.max(pos.seconds, 1e-9),
    finalLoss: pos.loss ?? Number.NaN,
    evaluation,
  };
  folder.writeSummary(summary);
  emit({ type: 'done', summary });
  return { dir: folder.dir, encoder, method, summary, interrupted: false };
}
