/**
 * The one training loop for every method: seeded model and heads, views from
 * the worker-thread ViewLoader, SGD/LARS with weight-decay exclusions and a
 * warm-up + cosine schedule, a kNN monitor and a collapse monitor every epoch,
 * checkpoints that survive a kill, exact resume, a NaN guard, and a run folder.
 * The trainer knows nothing about any particular method (src/methods).
 */
import { join } from 'node:path';
import { deriveSeed, presetFromName, ViewLoader } from '../augment/index.ts';
import { type LabeledDataset, loadDataset, normalizationStats, subsetOf } from '../data/index.ts';
import { type EncoderEvaluation, type EvalProgress, evaluateEncoder, knnMonitor } from '../eval/index.ts';
import { createMethod } from '../methods/index.ts';
import type { Method } from '../methods/method.ts';
import { type ImageEncoder, saveModule } from '../nn/index.ts';
import { applySchedule, LARS, type Optimizer, SGD, splitWeightDecay, warmupCosine } from '../optim/index.ts';
import { Generator, randperm, tidy } from '../tensor/index.ts';
import { latestCheckpoint, loadCheckpoint, saveCheckpoint, type TrainerPosition } from './checkpoint.ts';
import { embeddingSpread } from './collapse.ts';
import { createEncoder } from './encoder-factory.ts';
import {
  type DataFacts,
  type PretrainConfig,
  type PretrainSettings,
  resolvePretrainConfig,
  upgradeConfig,
} from './pretrain-config.ts';
import { RunFolder } from './run-folder.ts';

/** What the trainer reports as it goes (the CLI draws its progress bar from these). */
export type PretrainEvent =
  | { type: 'start'; dir: string; config: PretrainConfig; resumedAt: number | null; stepsPerEpoch: number }
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

/** The dataset with its training split cut to `config.trainSize` images (a seeded subset). */
function withTrainSize(data: LabeledDataset, config: PretrainConfig): LabeledDataset {
  const n = data.train.images.shape[0] as number;
  if (config.trainSize === null || config.trainSize >= n) return data;
  const idx = tidy(
    () =>
      randperm(n, { generator: new Generator(deriveSeed(config.seed, 2)) })
        .narrow(0, 0, config.trainSize as number)
        .sort().values,
  ).keep();
  const train = subsetOf(data.train, idx);
  idx.dispose();
  return { ...data, train };
}

/** Everything a run trains, built from its config (the same on a fresh start and on resume). */
function build(config: PretrainConfig, numClasses: number) {
  const gen = new Generator(config.seed);
  const encoder = createEncoder(config.encoder, gen);
  const method = createMethod(config.method, {
    encoder,
    makeEncoder: () => createEncoder(config.encoder),
    generator: gen,
    numClasses,
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
 * checkpoints, encoder.safetensors and summary.json.
 */
export async function pretrain(o: PretrainOptions): Promise<PretrainResult> {
  return withData(o.data, o.settings.dataset ?? 'mnist', async (data) => {
    // The spec as given (`cifar10:DIR` keeps its folder) so that resume and probe reload the same data.
    const settings = { ...o.settings, dataset: o.data ? data.name : (o.settings.dataset ?? 'mnist') };
    const config = resolvePretrainConfig(settings, dataFacts(data), { sources: o.sources });
    const folder = new RunFolder(o.out ?? join('runs', `${config.method.name}-${sanitize(data.name)}-${stamp()}`));
    folder.create(config);
    return start(o, folder, config, data, false);
  });
}

/** Continues the run in `dir` from its latest checkpoint, exactly where it stopped (same config, same data). */
export async function resume(dir: string, o: RunControl = {}): Promise<PretrainResult> {
  const folder = new RunFolder(dir);
  const config = upgradeConfig(folder.readConfig<unknown>());
  return withData(o.data, config.dataset, (data) => start(o, folder, config, data, true));
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

/** Builds what the config says and trains it. */
async function start(
  o: RunControl,
  folder: RunFolder,
  config: PretrainConfig,
  data: LabeledDataset,
  resuming: boolean,
): Promise<PretrainResult> {
  const train = withTrainSize(data, config);
  try {
    const { encoder, method, optimizer } = build(config, train.classes.length);
    try {
      return await run(o, resuming, folder, config, train, { encoder, method, optimizer });
    } catch (e) {
      encoder.dispose();
      method.dispose();
      throw e;
    } finally {
      optimizer.dispose();
    }
  } finally {
    if (train !== data) for (const t of [train.train.images, train.train.labels]) t.dispose();
  }
}

async function run(
  o: RunControl,
  resuming: boolean,
  folder: RunFolder,
  config: PretrainConfig,
  data: LabeledDataset,
  parts: { encoder: ImageEncoder; method: Method; optimizer: Optimizer },
): Promise<PretrainResult> {
  const { encoder, method, optimizer } = parts;
  const emit = o.onEvent ?? (() => {});
  const pipeline = presetFromName(config.augment.preset, {
    mean: config.augment.mean,
    std: config.augment.std,
    sigma: config.augment.sigma ?? undefined,
    size: data.train.images.shape[2] as number,
  });
  const loader = new ViewLoader({
    data: method.needsLabels ? data.train : { images: data.train.images },
    pipeline,
    batchSize: config.batchSize,
    views: method.views,
    seed: config.seed,
    worker: config.worker,
  });
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
  if (resuming) {
    const sub = latestCheckpoint(folder.checkpointsDir);
    if (sub) {
      pos = loadCheckpoint(sub, parts);
      resumedAt = pos.step;
    }
    folder.truncateMetrics(pos.step);
    folder.log({ type: 'event', step: pos.step, event: resumedAt === null ? 'restart' : 'resume' });
  }
  emit({ type: 'start', dir: folder.dir, config, resumedAt, stepsPerEpoch });
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
  const monitor = config.monitor.enabled ? knnMonitor(data, config.monitor, config.augment, config.seed) : null;
  let lastCheckpoint = performance.now();
  let lastCheckpointStep = -1;
  let finalLoss = Number.NaN;
  let interrupted = false;
  const spreads: number[] = [];
  const checkpoint = () => {
    saveCheckpoint(folder.checkpointsDir, parts, pos);
    lastCheckpoint = performance.now();
    lastCheckpointStep = pos.step;
    emit({ type: 'checkpoint', step: pos.step });
  };
  const t0 = performance.now() - pos.seconds * 1000;
  let planStart = 0;
  const seconds = () => (performance.now() - t0) / 1000;
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
          const out = method.forward(encoder, { views: batch.views, labels: batch.labels }, ctx);
          const loss = out.loss.item();
          if (!Number.isFinite(loss)) return { loss, spread: Number.NaN, parts: {} };
          optimizer.zeroGrad();
          out.loss.backward();
          optimizer.step();
          // the loss's parts are read only on the steps that log them (no host sync between)
          const parts: Record<string, number> = {};
          if (logNow) for (const [k, t] of Object.entries(out.logs ?? {})) parts[k] = t.item();
          return { loss, spread: embeddingSpread(out.embedding), parts };
        });
        batch.dispose();
        if (!Number.isFinite(r.loss)) {
          const last = latestCheckpoint(folder.checkpointsDir);
          folder.log({ type: 'event', step: pos.step, event: 'nan', loss: String(r.loss) });
          throw new Error(
            `pretrain: the loss became ${r.loss} at step ${pos.step} (epoch ${pos.epoch}, batch ${pos.batch}); ` +
              `the weights before it are kept${last ? ` in ${last}` : ''}. Lower the learning rate (now ${config.optimizer.lr}) or check the data.`,
          );
        }
        method.afterStep(encoder, ctx);
        finalLoss = r.loss;
        spreads.push(r.spread);
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
            plan(Math.max(pos.step + 1, Math.floor((budget * 0.9 - pos.seconds) / perStep) + pos.step), perStep);
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
        if ((performance.now() - lastCheckpoint) / 1000 >= config.checkpointSeconds) checkpoint();
      }
      if (pos.batch >= stepsPerEpoch || pos.step >= pos.totalSteps) {
        const knn = monitor ? monitor(encoder) : null;
        const spread = spreads.length ? spreads.reduce((a, b) => a + b, 0) / spreads.length : Number.NaN;
        const collapsed = spread < COLLAPSE_THRESHOLD;
        spreads.length = 0;
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
          const total = pos.step + Math.max(1, Math.floor((budget * 0.98 - pos.seconds) / perStep));
          if (Math.abs(total - pos.totalSteps) > 0.02 * pos.totalSteps) plan(total, perStep);
        }
      }
    }
    pos.seconds = seconds();
    if (lastCheckpointStep !== pos.step) checkpoint();
  } finally {
    await loader.close();
    monitor?.dispose();
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
    finalLoss,
    evaluation,
  };
  folder.writeSummary(summary);
  emit({ type: 'done', summary });
  return { dir: folder.dir, encoder, method, summary, interrupted: false };
}
