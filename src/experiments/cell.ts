/**
 * One cell of an experiment: an ordinary run folder `cells/<id>/` that is
 * pretrained (or resumed from its checkpoint when a previous attempt was
 * interrupted), then evaluated on its frozen encoder; `cell.json`, written
 * atomically last, holds the measured figures and marks the cell finished,
 * so a rerun skips it. Reference cells (method `pixels` or `random`) train
 * nothing: raw pixels, or a random-init encoder of the grid's architecture
 * seeded with the cell's seed, are evaluated the same way.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  disposeDataset,
  domainMember,
  isDomainUnion,
  type LabeledDataset,
  labeledSubset,
  loadDataset,
} from '../data/index.ts';
import {
  type EvalProgress,
  evaluateFeatures,
  extractFeatures,
  linearProbe,
  type PixelNormalization,
  rawPixelFeatures,
} from '../eval/index.ts';
import type { ImageEncoder } from '../nn/index.ts';
import { cat, Generator, ones, randperm, type Tensor, tidy, zeros } from '../tensor/index.ts';
import {
  type AugmentConfig,
  createEncoder,
  dataFacts,
  loadRunConfig,
  loadRunEncoder,
  type PretrainConfig,
  type PretrainEvent,
  pretrain,
  RunFolder,
  resolvePretrainConfig,
  resume,
  viewPipeline,
} from '../train/index.ts';
import type { RunLock } from '../train/run-lock.ts';
import { writeJsonAtomic } from '../util/atomic-write.ts';
import { domainConnectivity } from './domain-connectivity.ts';
import { type Cell, type CellEvaluation, type DOMAIN_METRICS, measuredMetrics, transferTargets } from './grid.ts';

/** What `cell.json` holds. */
export interface CellResult {
  id: string;
  labels: Record<string, string>;
  seed: number;
  kind: Cell['kind'];
  /** Each measured metric (accuracies in [0, 1]), as `measuredMetrics` names them. */
  metrics: Record<string, number>;
  /** Steps trained (0 for references). */
  steps: number;
  /** Wall seconds spent: pretraining (this attempt and any before it) and evaluation. */
  seconds: { train: number; evaluate: number };
}

/** Datasets loaded once for the whole grid, by spec. */
export class DatasetCache {
  private readonly loaded = new Map<string, LabeledDataset>();

  async get(spec: string): Promise<LabeledDataset> {
    let d = this.loaded.get(spec);
    if (!d) {
      d = await loadDataset(spec);
      this.loaded.set(spec, d);
    }
    return d;
  }

  dispose(): void {
    for (const d of this.loaded.values())
      for (const s of [d.train, d.test]) for (const t of [s.images, s.labels]) t.dispose();
    this.loaded.clear();
  }
}

export interface CellControl {
  signal?: AbortSignal;
  /** The pretraining's events (progress bars, plans). */
  onEvent?: (e: PretrainEvent) => void;
  /** Progress of the evaluation's feature extraction and probe fits. */
  onProgress?: (e: EvalProgress) => void;
}

/** The result of `runCell`: the cell's figures, or `interrupted` when the signal stopped its pretraining. */
export type CellOutcome = { result: CellResult; skipped: boolean } | { interrupted: true };

const cellFile = (dir: string) => join(dir, 'cell.json');

/** A finished cell's result, or null when it has not finished. */
export function readCellResult(dir: string): CellResult | null {
  const path = cellFile(dir);
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as CellResult;
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message}); delete it to evaluate the cell again`);
  }
}

/** The dataset spec a cell's settings name (`mnist` unless given). */
export const datasetOf = (c: Cell): string => c.settings.dataset ?? 'mnist';

/**
 * A cell's resolved config on its loaded dataset. For a reference cell, the
 * grid's encoder and augmentation as a run would resolve them (its method
 * aside): the random encoder's architecture and the pixel normalization.
 */
export function cellConfigOn(cell: Cell, data: LabeledDataset): PretrainConfig {
  const settings = cell.kind === 'run' ? cell.settings : { ...cell.settings, method: 'spectral' as const };
  return resolvePretrainConfig({ ...settings, dataset: data.name }, dataFacts(data));
}

/**
 * Runs cell `cell` in `dir` (the cell's own folder): skips it when cell.json
 * exists, resumes its pretraining when a run folder is there but unfinished,
 * starts it otherwise; then evaluates and writes cell.json.
 */
export async function runCell(
  dir: string,
  cell: Cell,
  evaluation: CellEvaluation,
  datasets: DatasetCache,
  control: CellControl = {},
): Promise<CellOutcome> {
  const done = readCellResult(dir);
  if (done) return { result: done, skipped: true };
  const data = await datasets.get(datasetOf(cell));
  const t0 = performance.now();
  let encoder: ImageEncoder | null = null;
  // The run's augmentation: its normalization for the features, its pipeline for the connectivity.
  let augment: AugmentConfig;
  let steps = 0;
  let trainSeconds = 0;
  if (cell.kind === 'run') {
    const folder = new RunFolder(dir);
    if (existsSync(folder.summaryPath)) {
      // Pretrained by an earlier attempt that stopped before its evaluation was written: its saved encoder.
      const loaded = loadRunEncoder(dir);
      encoder = loaded.encoder;
      augment = loaded.config.augment;
    } else {
      const r = existsSync(folder.configPath)
        ? await resume(dir, { data, signal: control.signal, onEvent: control.onEvent })
        : await pretrain({ settings: cell.settings, data, out: dir, signal: control.signal, onEvent: control.onEvent });
      r.method.dispose();
      if (r.interrupted) {
        r.encoder.dispose();
        return { interrupted: true };
      }
      // The trained encoder in memory holds the weights just saved in encoder.safetensors.
      encoder = r.encoder;
      augment = loadRunConfig(dir).augment;
    }
    const summary = folder.readSummary<{ steps: number; seconds: number }>();
    steps = summary?.steps ?? 0;
    trainSeconds = summary?.seconds ?? 0;
  } else {
    mkdirSync(dir, { recursive: true });
    const config = cellConfigOn(cell, data);
    augment = config.augment;
    if (cell.kind === 'random') encoder = createEncoder(config.encoder, new Generator(cell.seed));
  }
  const t1 = performance.now();
  // The evaluation holds the cell folder's lock (pretraining took and released
  // its own), so two processes given the same cell (a cluster's array jobs,
  // say) never both evaluate it: the second is refused, naming the holder,
  // or finds the first one's cell.json once the lock is its own.
  let lock: RunLock;
  try {
    lock = await new RunFolder(dir).lockWaiting({ waitMs: 0 });
  } catch (e) {
    encoder?.dispose();
    throw e;
  }
  try {
    const meanwhile = readCellResult(dir);
    if (meanwhile) return { result: meanwhile, skipped: true };
    const metrics = await evaluateCell(
      encoder,
      augment,
      data,
      evaluation,
      datasets,
      control.onProgress,
      datasetOf(cell),
      { augment, seed: cell.seed },
    );
    const result: CellResult = {
      id: cell.id,
      labels: cell.labels,
      seed: cell.seed,
      kind: cell.kind,
      metrics,
      steps,
      seconds: {
        train: cell.kind === 'run' ? trainSeconds : (t1 - t0) / 1000,
        evaluate: (performance.now() - t1) / 1000,
      },
    };
    writeJsonAtomic(cellFile(dir), result);
    return { result, skipped: false };
  } finally {
    encoder?.dispose();
    lock.release();
  }
}

/** The features of both splits of `data`: the encoder's, or (encoder null) the normalized pixels. */
function featuresOf(
  encoder: ImageEncoder | null,
  norm: PixelNormalization,
  data: LabeledDataset,
  onProgress?: (e: EvalProgress) => void,
): { train: Tensor; test: Tensor } {
  const f = (images: Tensor) =>
    encoder
      ? extractFeatures(encoder, images, { mean: norm.mean, std: norm.std, onProgress })
      : rawPixelFeatures(images, { mean: norm.mean, std: norm.std, onProgress });
  const train = f(data.train.images);
  try {
    return { train, test: f(data.test.images) };
  } catch (e) {
    train.dispose();
    throw e;
  }
}

/**
 * The metrics of one cell (see `measuredMetrics`): the probe and kNN on the
 * run's dataset (or `e.dataset`), trained on its full (balanced) training
 * split and scored on its test split; label-efficiency fits; the same on
 * each transfer dataset.
 */
export async function evaluateCell(
  encoder: ImageEncoder | null,
  norm: PixelNormalization,
  data: LabeledDataset,
  e: CellEvaluation,
  datasets: DatasetCache,
  onProgress?: (e: EvalProgress) => void,
  /** The dataset spec the cell names (what evaluation.transfer maps from); default data.name. */
  spec: string = data.name,
  /** The cell's augmentation and seed, for `e.connectivity`. */
  cell?: { augment: AugmentConfig; seed: number },
): Promise<Record<string, number>> {
  const metrics: Record<string, number> = {};
  const on = async (whole: LabeledDataset, suffix: string, full: boolean) => {
    const d = e.subset ? evaluationSubset(whole, e.subset) : whole;
    try {
      await evaluateOn(d, suffix, full);
    } finally {
      if (d !== whole) for (const s of [d.train, d.test]) for (const t of [s.images, s.labels]) t.dispose();
    }
  };
  const evaluateOn = async (d: LabeledDataset, suffix: string, full: boolean) => {
    const channels = d.train.images.shape[1] as number;
    if (channels !== norm.mean.length)
      throw new Error(
        `experiment: transfer dataset ${d.name} has ${channels}-channel images, the encoder takes ${norm.mean.length}`,
      );
    const f = featuresOf(encoder, norm, d, onProgress);
    try {
      const r = tidy(() =>
        evaluateFeatures(
          {
            trainFeatures: f.train,
            trainLabels: d.train.labels,
            testFeatures: f.test,
            testLabels: d.test.labels,
            numClasses: d.classes.length,
          },
          {
            probe: e.probe ? {} : false,
            knn: e.knn ? {} : false,
            labelEfficiency: full && e.labelEfficiency ? e.labelEfficiency : false,
            onProgress,
          },
        ),
      );
      if (r.probe) metrics[`probe${suffix}`] = r.probe.top1;
      if (r.knn !== null) metrics[`knn${suffix}`] = r.knn;
      for (const row of r.labelEfficiency ?? []) metrics[`probe@${row.perClass}`] = row.mean;
    } finally {
      f.train.dispose();
      f.test.dispose();
    }
  };
  const own = e.dataset === null ? data : await datasets.get(e.dataset);
  if (e.probe || e.knn || e.labelEfficiency) await on(own, '', true);
  if (e.domains) Object.assign(metrics, domainTransfer(encoder, norm, own, e.subset, onProgress));
  if (e.connectivity) {
    if (!cell) throw new Error('evaluateCell: evaluation.connectivity needs the cell’s augmentation and seed');
    if (!isDomainUnion(own))
      throw new Error(
        `experiment: evaluation.connectivity needs cells on a dataset with domains (union:SOURCE+TARGET, subpop:…), got ${own.name}`,
      );
    Object.assign(metrics, domainConnectivity(own, viewPipeline(cell.augment, own), e.connectivity, cell.seed));
  }
  for (const t of transferTargets(e, spec)) await on(await datasets.get(t.dataset), t.suffix, false);
  // Every metric named, in order (a missing one is a bug here, not a silent gap in a table).
  const ordered: Record<string, number> = {};
  for (const m of measuredMetrics(e)) {
    if (metrics[m] === undefined) throw new Error(`evaluateCell: metric ${m} was not measured`);
    ordered[m] = metrics[m] as number;
  }
  return ordered;
}

/** A balanced subset of both splits (seed 0: the same images for every cell); new tensors, the caller's to free. */
export function evaluationSubset(d: LabeledDataset, s: NonNullable<CellEvaluation['subset']>): LabeledDataset {
  const pick = (split: LabeledDataset['train'], perClass: number, which: string) => {
    try {
      const r = labeledSubset(split, { perClass, seed: 0, numClasses: d.classes.length });
      r.indices.dispose();
      return r.split;
    } catch (e) {
      throw new Error(`experiment: evaluation.subset on ${d.name} (${which}): ${(e as Error).message}`, { cause: e });
    }
  };
  const train = pick(d.train, s.trainPerClass, 'train');
  try {
    return { ...d, train, test: pick(d.test, s.testPerClass, 'test') };
  } catch (e) {
    for (const t of [train.images, train.labels]) t.dispose();
    throw e;
  }
}

/** Images per domain the domain classifier is fitted on (and at most scored on): enough for a stable accuracy. */
const DOMAIN_PROBE_IMAGES = { train: 5000, test: 2000 };

/**
 * `source`, `target` and `domain` (see CellEvaluation.domains) of one encoder
 * (or raw pixels) on a dataset with domains: member 0 is the source, member 1
 * the target. The class probe is one L-BFGS fit on the source training
 * features, scored on both test sets; the domain classifier is a linear probe
 * with domain labels on the first equal numbers of images of a seeded
 * shuffle of each member (DOMAIN_PROBE_IMAGES), its accuracy on as many
 * test images of each.
 */
export function domainTransfer(
  encoder: ImageEncoder | null,
  norm: PixelNormalization,
  data: LabeledDataset,
  subset: CellEvaluation['subset'],
  onProgress?: (e: EvalProgress) => void,
): Record<(typeof DOMAIN_METRICS)[number], number> {
  if (!isDomainUnion(data) || data.domains.names.length < 2)
    throw new Error(
      `experiment: evaluation.domains needs cells on a dataset with domains (union:SOURCE+TARGET, subpop:…), got ${data.name}`,
    );
  const parts: LabeledDataset[] = [];
  const feats: Tensor[] = [];
  try {
    // Member 0 (the source) and 1 (the target), each cut to the evaluation subset when one is set.
    for (const i of [0, 1]) {
      const m = domainMember(data, i);
      if (!subset) parts.push(m);
      else
        try {
          parts.push(evaluationSubset(m, subset));
        } finally {
          disposeDataset(m);
        }
    }
    const [src, tgt] = parts as [LabeledDataset, LabeledDataset];
    const s = featuresOf(encoder, norm, src, onProgress);
    feats.push(s.train, s.test);
    const t = featuresOf(encoder, norm, tgt, onProgress);
    feats.push(t.train, t.test);
    const probe = linearProbe({
      trainFeatures: s.train,
      trainLabels: src.train.labels,
      testFeatures: s.test,
      testLabels: src.test.labels,
      extraTests: [{ features: t.test, labels: tgt.test.labels }],
      numClasses: data.classes.length,
      onProgress,
    });
    const domain = tidy(() => {
      const take = (x: Tensor, n: number, seed: number) =>
        x.indexSelect(0, randperm(x.size(0), { generator: new Generator(seed) }).narrow(0, 0, n));
      const nTrain = Math.min(s.train.size(0), t.train.size(0), DOMAIN_PROBE_IMAGES.train);
      const nTest = Math.min(s.test.size(0), t.test.size(0), DOMAIN_PROBE_IMAGES.test);
      const labels = (n: number) => cat([zeros([n], { dtype: 'int64' }), ones([n], { dtype: 'int64' })], 0);
      return linearProbe({
        trainFeatures: cat([take(s.train, nTrain, 1), take(t.train, nTrain, 2)], 0),
        trainLabels: labels(nTrain),
        testFeatures: cat([take(s.test, nTest, 3), take(t.test, nTest, 4)], 0),
        testLabels: labels(nTest),
        numClasses: 2,
        onProgress,
      }).top1;
    });
    return { source: probe.top1, target: probe.extraTop1[0] as number, domain };
  } finally {
    for (const f of feats) f.dispose();
    for (const d of parts) disposeDataset(d);
  }
}
