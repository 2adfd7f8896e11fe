/**
 * The experiment runner. An experiment folder holds `experiment.json` (the
 * spec and its cells, written once), `cells/<id>/` (one run folder per cell,
 * `cell.json` marking it finished), `logs/` (the output of cells run in
 * other processes) and `results.json` (rewritten after every cell; final
 * once no cell is missing). Rerunning skips finished cells and resumes an
 * interrupted one from its checkpoint, so a killed and rerun experiment ends
 * with the same results.json as an uninterrupted one. Cells run one after
 * another in this process, in `jobs` child processes (`specl experiment
 * cell`, intra-op threads split between them), or anywhere else from the
 * commands `emitCommands` writes; `collect` aggregates whatever has finished.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getNumThreads } from '../tensor/index.ts';
import { type PretrainConfig, RunFolder } from '../train/index.ts';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic-write.ts';
import { aggregate, type ExperimentResults } from './aggregate.ts';
import {
  type CellControl,
  type CellResult,
  cellConfigOn,
  DatasetCache,
  datasetOf,
  readCellResult,
  runCell,
} from './cell.ts';
import {
  type Cell,
  type CellEvaluation,
  type ExperimentSpec,
  expandGrid,
  transferNames,
  transferTargets,
} from './grid.ts';

/** What `experiment.json` holds. */
export interface ExperimentFile {
  version: 1;
  spec: ExperimentSpec;
  cells: Cell[];
}

export const experimentFile = (dir: string) => join(dir, 'experiment.json');
export const resultsFile = (dir: string) => join(dir, 'results.json');
export const cellDir = (dir: string, id: string) => join(dir, 'cells', id);
const logFile = (dir: string, id: string) => join(dir, 'logs', `${id}.log`);

/** The experiment folder's spec and cells (errors name the file). */
export function readExperiment(dir: string): ExperimentFile {
  const path = experimentFile(dir);
  if (!existsSync(path)) throw new Error(`${dir}: not an experiment folder (no experiment.json)`);
  let f: ExperimentFile;
  try {
    f = JSON.parse(readFileSync(path, 'utf8')) as ExperimentFile;
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
  if (f?.version !== 1 || !Array.isArray(f.cells) || typeof f.spec !== 'object')
    throw new Error(`${path}: not an experiment file of this version (expected version 1 with spec and cells)`);
  // Fields added since version 1 was first written take their defaults (in the order specFrom writes them).
  if (f.spec.evaluation && !('dataset' in f.spec.evaluation))
    f.spec.evaluation = { dataset: null, ...(f.spec.evaluation as Omit<CellEvaluation, 'dataset'>) };
  // …and those appended since, in that order.
  const later: [keyof CellEvaluation, unknown][] = [
    ['domains', false],
    ['connectivity', null],
  ];
  if (f.spec.evaluation)
    for (const [k, v] of later)
      if (!(k in f.spec.evaluation)) (f.spec.evaluation as unknown as Record<string, unknown>)[k] = v;
  return f;
}

/** The experiment file of `spec`, in memory: its cells, each with its own id. */
export function planExperiment(spec: ExperimentSpec): ExperimentFile {
  const file: ExperimentFile = { version: 1, spec, cells: expandGrid(spec) };
  const ids = new Set<string>();
  for (const c of file.cells) {
    if (ids.has(c.id)) throw new Error(`experiment ${spec.name}: two cells are named ${c.id}`);
    ids.add(c.id);
  }
  return file;
}

/**
 * Creates the experiment folder for `spec` (experiment.json), or checks that
 * an existing one holds the same spec: a folder never silently changes grid.
 */
export function prepareExperiment(dir: string, spec: ExperimentSpec): ExperimentFile {
  const file = planExperiment(spec);
  if (existsSync(experimentFile(dir))) {
    const old = readExperiment(dir);
    if (JSON.stringify(old.spec) !== JSON.stringify(JSON.parse(JSON.stringify(spec))))
      throw new Error(
        `${dir}: holds another experiment (${old.spec.name}, or the same one with other settings); ` +
          'choose another --out, or delete the folder to start over',
      );
    return old;
  }
  mkdirSync(dir, { recursive: true });
  writeJsonAtomic(experimentFile(dir), file);
  return file;
}

/**
 * Checks every cell's settings before anything trains (each resolves to a
 * config, on its dataset), returning each cell's resolved config (a
 * reference cell's: its encoder and augmentation); an error names the cell.
 */
export async function checkCells(file: ExperimentFile, datasets: DatasetCache): Promise<Map<string, PretrainConfig>> {
  const out = new Map<string, PretrainConfig>();
  for (const c of file.cells) {
    const data = await datasets.get(datasetOf(c));
    try {
      out.set(c.id, cellConfigOn(c, data));
    } catch (e) {
      throw new Error(`experiment ${file.spec.name}, cell ${c.id}: ${(e as Error).message}`, { cause: e });
    }
  }
  // The evaluation's own datasets load now, so that a misspelt one fails before hours of pretraining.
  const e = file.spec.evaluation;
  const targets = new Set(file.cells.flatMap((c) => transferTargets(e, datasetOf(c)).map((t) => t.dataset)));
  if (e.dataset !== null) targets.add(e.dataset);
  for (const d of targets) {
    try {
      await datasets.get(d);
    } catch (err) {
      throw new Error(`experiment ${file.spec.name}: evaluation dataset ${d}: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
  return out;
}

/**
 * Images per second of pretraining on 2 cores with the default ConvNet
 * ([32, 64, 512]), measured by bench/pretrain-quality.ts (docs/results.md);
 * ResNet-18 trains about 12× slower. Only for estimates before a cell of the
 * same method has finished.
 */
const PACE: Record<string, number> = {
  spectral: 500,
  simclr: 564,
  mocov2: 815,
  byol: 421,
  simsiam: 544,
  swav: 589,
  barlowtwins: 582,
  vicreg: 560,
  supervised: 1273,
};
/**
 * Seconds to extract features of 70,000 28×28 images and fit one probe on 2 cores: the label-efficiency
 * grid's reference cells took 23 s (raw pixels) and 29–33 s (random ConvNet) on an idle machine.
 */
const EVALUATION_SECONDS = 28;

/**
 * The estimated seconds of a cell: its training steps at the measured pace
 * (`measured`: seconds per image of this run's finished cells of the same
 * method; else the PACE table), or its time budget, plus the evaluation.
 */
export function estimateSeconds(
  cell: Cell,
  config: PretrainConfig,
  trainImages: number,
  evaluation: CellEvaluation,
  measured?: ReadonlyMap<string, number>,
): number {
  const fits = evaluation.labelEfficiency
    ? evaluation.labelEfficiency.perClass.length * evaluation.labelEfficiency.seeds.length
    : 0;
  const transfers = transferNames(evaluation).length;
  // Feature extraction and the probe scale with the images evaluated (a subset: its per-class counts × 10 classes).
  const share = evaluation.subset
    ? Math.min(1, (10 * (evaluation.subset.trainPerClass + evaluation.subset.testPerClass)) / 70_000)
    : 1;
  const evaluate = (EVALUATION_SECONDS * (1 + transfers) + 3 * fits) * share;
  if (cell.kind !== 'run') return evaluate;
  if (config.minutes !== null) return config.minutes * 60 + evaluate;
  const images = Math.min(config.trainSize ?? trainImages, trainImages);
  const steps = (config.epochs ?? 1) * Math.floor(images / config.batchSize);
  const perImage =
    measured?.get(config.method.name) ??
    ((1 / (PACE[config.method.name] ?? 500)) * (config.encoder.name === 'resnet18' ? 12 : 1) * 2) /
      Math.max(1, getNumThreads());
  // SAM runs two forward+backward passes per step.
  const passes = config.sam.rho > 0 ? 2 : 1;
  return steps * config.batchSize * perImage * passes + evaluate;
}

/** Events of a run of the grid, for progress displays. */
export type ExperimentEvent =
  | { type: 'cell-start'; index: number; total: number; cell: Cell; remainingSeconds: number }
  | { type: 'cell-done'; index: number; total: number; cell: Cell; result: CellResult; skipped: boolean }
  | { type: 'results'; results: ExperimentResults };

export interface RunExperimentOptions extends Omit<CellControl, 'onEvent'> {
  /** Child processes running cells at once (default 1: in this process). */
  jobs?: number;
  /** The pretraining events of the cell running in this process. */
  onPretrainEvent?: CellControl['onEvent'];
  onEvent?: (e: ExperimentEvent) => void;
}

/** The outcome of `runExperiment`: the results, and whether a signal stopped it before every cell finished. */
export interface ExperimentOutcome {
  results: ExperimentResults;
  interrupted: boolean;
  /** Cells that failed (in child processes): their id, exit status and log file. */
  failed: { id: string; status: string; log: string }[];
}

/** Finished cells' results (cell.json) of the experiment folder. */
export function finishedCells(dir: string, file: ExperimentFile): CellResult[] {
  const out: CellResult[] = [];
  for (const c of file.cells) {
    const r = readCellResult(cellDir(dir, c.id));
    if (r) out.push(r);
  }
  return out;
}

/** Aggregates the finished cells of `dir` and writes results.json (see `aggregate`). */
export function collect(dir: string): ExperimentResults {
  const file = readExperiment(dir);
  const cellsDir = join(dir, 'cells');
  const known = new Set(file.cells.map((c) => c.id));
  if (existsSync(cellsDir))
    for (const d of readdirSync(cellsDir))
      if (!known.has(d)) throw new Error(`${join(cellsDir, d)}: not a cell of ${experimentFile(dir)}`);
  const results = aggregate(file.spec, file.cells, finishedCells(dir, file));
  writeJsonAtomic(resultsFile(dir), results);
  return results;
}

/** The `specl` entry point of this installation (bin/specl.js above this file). */
export function speclBin(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(d, 'bin', 'specl.js');
    if (existsSync(candidate) && existsSync(join(d, 'package.json'))) return candidate;
    d = dirname(d);
  }
  throw new Error('experiment: cannot find bin/specl.js above src/experiments');
}

/** The command that runs one cell (what --jobs children and the emitted commands run). */
export function cellCommand(dir: string, id: string): string[] {
  return ['experiment', 'cell', resolvePath(dir), id];
}

/**
 * Runs the grid in `dir` (prepared by `prepareExperiment`): every cell not
 * finished, in grid order, in this process or in `jobs` child processes;
 * results.json after each cell. Stops cleanly on `signal` (the running
 * cells write their checkpoints).
 */
export async function runExperiment(dir: string, o: RunExperimentOptions = {}): Promise<ExperimentOutcome> {
  const file = readExperiment(dir);
  // One runner per experiment folder (children and emitted commands run single cells under their run locks).
  const lock = await new RunFolder(dir).lockWaiting({ waitMs: 0 });
  const datasets = new DatasetCache();
  try {
    const configs = await checkCells(file, datasets);
    const total = file.cells.length;
    const measured = new Map<string, { seconds: number; images: number }>();
    const pace = () => new Map([...measured].map(([m, v]) => [m, v.seconds / v.images]));
    const trainImages = new Map<string, number>();
    for (const c of file.cells)
      trainImages.set(c.id, (await datasets.get(datasetOf(c))).train.images.shape[0] as number);
    const remaining = (from: Set<string>) =>
      file.cells
        .filter((c) => from.has(c.id))
        .reduce(
          (s, c) =>
            s +
            estimateSeconds(
              c,
              configs.get(c.id) as PretrainConfig,
              trainImages.get(c.id) as number,
              file.spec.evaluation,
              pace(),
            ),
          0,
        ) / Math.max(1, o.jobs ?? 1);
    const todo = new Set(file.cells.filter((c) => !readCellResult(cellDir(dir, c.id))).map((c) => c.id));
    const note = (c: Cell, r: CellResult) => {
      const config = configs.get(c.id) as PretrainConfig;
      if (c.kind !== 'run' || r.steps === 0) return;
      const m = measured.get(config.method.name) ?? { seconds: 0, images: 0 };
      m.seconds += r.seconds.train;
      m.images += r.steps * config.batchSize;
      measured.set(config.method.name, m);
    };
    const write = () => {
      const results = aggregate(file.spec, file.cells, finishedCells(dir, file));
      writeJsonAtomic(resultsFile(dir), results);
      o.onEvent?.({ type: 'results', results });
      return results;
    };
    let interrupted = false;
    const failed: ExperimentOutcome['failed'] = [];
    if ((o.jobs ?? 1) <= 1) {
      for (const [index, c] of file.cells.entries()) {
        if (o.signal?.aborted) {
          interrupted = true;
          break;
        }
        o.onEvent?.({ type: 'cell-start', index, total, cell: c, remainingSeconds: remaining(todo) });
        const out = await runCell(cellDir(dir, c.id), c, file.spec.evaluation, datasets, {
          signal: o.signal,
          onEvent: o.onPretrainEvent,
          onProgress: o.onProgress,
        });
        if ('interrupted' in out) {
          interrupted = true;
          break;
        }
        todo.delete(c.id);
        if (!out.skipped) note(c, out.result);
        o.onEvent?.({ type: 'cell-done', index, total, cell: c, result: out.result, skipped: out.skipped });
        if (!out.skipped) write();
      }
    } else {
      datasets.dispose(); // the children load their own
      interrupted = await runInChildren(dir, file, o, todo, {
        onStart: (index, c) =>
          o.onEvent?.({ type: 'cell-start', index, total, cell: c, remainingSeconds: remaining(todo) }),
        onDone: (index, c, r) => {
          todo.delete(c.id);
          note(c, r);
          o.onEvent?.({ type: 'cell-done', index, total, cell: c, result: r, skipped: false });
          write();
        },
        onFail: (c, status) => {
          todo.delete(c.id);
          failed.push({ id: c.id, status, log: logFile(dir, c.id) });
        },
      });
    }
    return { results: write(), interrupted, failed };
  } finally {
    datasets.dispose();
    lock.release();
  }
}

/** Runs the unfinished cells in `jobs` child processes; true when the signal stopped it. */
async function runInChildren(
  dir: string,
  file: ExperimentFile,
  o: RunExperimentOptions,
  todo: Set<string>,
  on: {
    onStart: (index: number, c: Cell) => void;
    onDone: (index: number, c: Cell, r: CellResult) => void;
    onFail: (c: Cell, status: string) => void;
  },
): Promise<boolean> {
  const jobs = o.jobs as number;
  const threads = Math.max(1, Math.floor(availableParallelism() / jobs));
  const queue = file.cells.map((c, i) => [i, c] as const).filter(([, c]) => todo.has(c.id));
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const running = new Set<ChildProcess>();
  const bin = speclBin();
  let stopped = false;
  const stop = () => {
    stopped = true;
    // A terminal's Ctrl-C reaches the children too; a signal sent to this process alone is passed on.
    for (const ch of running) ch.kill('SIGTERM');
  };
  o.signal?.addEventListener('abort', stop, { once: true });
  const one = (index: number, c: Cell) =>
    new Promise<void>((resolveDone) => {
      on.onStart(index, c);
      const log = createWriteStream(logFile(dir, c.id), { flags: 'a' });
      const child = spawn(process.execPath, [bin, ...cellCommand(dir, c.id)], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, SPECL_NUM_THREADS: String(threads) },
      });
      running.add(child);
      child.stdout?.pipe(log, { end: false });
      child.stderr?.pipe(log, { end: false });
      child.on('close', (code, signal) => {
        running.delete(child);
        log.end();
        const r = readCellResult(cellDir(dir, c.id));
        if (code === 0 && r) on.onDone(index, c, r);
        else if (!stopped) on.onFail(c, signal ?? `exit ${code}`);
        resolveDone();
      });
    });
  const workers = Array.from({ length: Math.min(jobs, queue.length) }, async () => {
    for (;;) {
      const next = stopped ? undefined : queue.shift();
      if (!next) return;
      await one(next[0], next[1]);
    }
  });
  await Promise.all(workers);
  o.signal?.removeEventListener('abort', stop);
  return stopped;
}

/**
 * Writes, for running the cells elsewhere (a cluster): `commands.txt`, one
 * shell command per unfinished cell, and `slurm.sh`, a Slurm job array
 * running line $SLURM_ARRAY_TASK_ID + 1 of it. `$SPECL` (default `specl`)
 * is the command that starts specl on the machines that run them.
 */
export function emitCommands(dir: string, out: string): { commands: string; slurm: string; count: number } {
  const file = readExperiment(dir);
  const todo = file.cells.filter((c) => !readCellResult(cellDir(dir, c.id)));
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const lines = todo.map((c) => `\${SPECL:-specl} ${cellCommand(dir, c.id).map(quote).join(' ')}`);
  mkdirSync(out, { recursive: true });
  const commands = join(out, 'commands.txt');
  writeFileAtomic(commands, `${lines.join('\n')}\n`);
  const slurm = join(out, 'slurm.sh');
  const script = [
    '#!/bin/bash',
    `# ${file.spec.name}: ${todo.length} cells of ${resolvePath(dir)}, one per array task.`,
    '# Submit with: sbatch slurm.sh   (set SPECL to the specl command of the cluster, e.g. "npx specl")',
    `#SBATCH --job-name=${file.spec.name}`,
    `#SBATCH --array=0-${Math.max(0, todo.length - 1)}`,
    '#SBATCH --cpus-per-task=4',
    `#SBATCH --output=${resolvePath(dir)}/logs/%a.log`,
    'set -euo pipefail',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, for bash
    'export SPECL_NUM_THREADS="${SLURM_CPUS_PER_TASK:-4}"',
    `line=$(sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" ${quote(resolvePath(commands))})`,
    'eval "$line"',
    '',
  ].join('\n');
  writeFileAtomic(slurm, script);
  chmodSync(slurm, 0o755);
  mkdirSync(join(dir, 'logs'), { recursive: true });
  return { commands, slurm, count: todo.length };
}

/** Runs one cell of the experiment folder `dir` in this process (what `specl experiment cell` does). */
export async function runOneCell(dir: string, id: string, control: CellControl = {}): Promise<CellResult | null> {
  const file = readExperiment(dir);
  const c = file.cells.find((x) => x.id === id);
  if (!c) throw new Error(`${experimentFile(dir)}: no cell ${id} (cells: ${file.cells.map((x) => x.id).join(', ')})`);
  const datasets = new DatasetCache();
  try {
    const out = await runCell(cellDir(dir, c.id), c, file.spec.evaluation, datasets, control);
    return 'interrupted' in out ? null : out.result;
  } finally {
    datasets.dispose();
  }
}
