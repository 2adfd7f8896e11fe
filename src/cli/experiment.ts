/**
 * `specl experiment`: the talk's experiments (and a user's own grids) as
 * commands. `run NAME|FILE` runs a grid into an experiment folder (resumable:
 * rerun it to finish), `list` names the built-ins, `show` prints a spec to
 * start a file from, `cell` runs one cell (what --jobs and the emitted
 * cluster commands run), `collect` aggregates whatever cells have finished.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { builtinExperiment, builtinExperiments } from '../experiments/builtin.ts';
import { type ExperimentSpec, specFrom } from '../experiments/grid.ts';
import {
  checkCells,
  collect,
  DatasetCache,
  datasetOf,
  type ExperimentFile,
  type ExperimentResults,
  emitCommands,
  estimateSeconds,
  experimentFile,
  planExperiment,
  prepareExperiment,
  readExperiment,
  runExperiment,
  runOneCell,
} from '../experiments/index.ts';
import { boolean, nonEmptyString, nullable, option, positiveInt } from '../options/index.ts';
import { experimentFigures, experimentMarkdown, metricText } from '../report/experiment-report.ts';
import { getNumThreads } from '../tensor/index.ts';
import { type PretrainEvent, readSettingsFile } from '../train/index.ts';
import { writeFileAtomic } from '../util/atomic-write.ts';
import { evalProgressReporter } from './evaluation.ts';
import { type CommandSpec, commandHelp, parseCommand } from './option-flags.ts';
import { formatTime, ProgressBar } from './progress.ts';
import { formatTable } from './table.ts';

export const EXPERIMENT_RUN_COMMAND = {
  name: 'specl experiment run',
  usage: [
    'usage: specl experiment run NAME|FILE.yaml [--quick] [--out DIR] [--dry-run] [--jobs N] [--emit-commands DIR]',
    '  runs every cell of the grid (one pretraining run each, then its evaluation) into the experiment folder;',
    '  rerun the same command to finish an interrupted experiment: finished cells are skipped, an interrupted',
    '  one resumes from its checkpoint. Writes results.json, results.md and figures/*.svg.',
  ].join('\n'),
  options: {
    quick: option(boolean, false, 'the reduced grid of a built-in experiment (minutes; what the tests run)'),
    out: option(
      nullable(nonEmptyString),
      null,
      'the experiment folder (default runs/experiments/NAME, NAME-quick with --quick)',
    ),
    dryRun: option(boolean, false, 'list the cells with an estimated time, check every setting, and train nothing'),
    jobs: option(
      positiveInt,
      1,
      'cells run at once, each in its own process with the cores split between them (for machines with more than a few cores)',
    ),
    emitCommands: option(
      nullable(nonEmptyString),
      null,
      'write DIR/commands.txt (one `specl experiment cell` command per unfinished cell) and DIR/slurm.sh (a job array running them), and run nothing',
    ),
  },
} satisfies CommandSpec;

const USAGE = [
  'usage: specl experiment <subcommand>',
  '',
  '  list                        the built-in experiments',
  '  run NAME|FILE [options]     run a grid (specl experiment run --help)',
  '  show NAME [--quick]         print a built-in grid as YAML: a starting point for your own FILE',
  '  collect DIR                 aggregate the finished cells of DIR into results.json/.md and figures',
  '  cell DIR ID                 run one cell of DIR (what --jobs and the emitted commands run)',
].join('\n');

/** A spec from a built-in name or a YAML/JSON file. */
function specOf(what: string, quick: boolean): ExperimentSpec {
  if (/\.(ya?ml|json)$/i.test(what)) {
    if (quick)
      throw new Error(
        `specl experiment run: --quick is for built-in experiments; ${what} is a file (make its grid smaller)`,
      );
    return specFrom(readSettingsFile(what), what);
  }
  return builtinExperiment(what, { quick });
}

/** results.md and the figures beside results.json; returns the files written. */
function writeReport(dir: string, spec: ExperimentSpec, results: ExperimentResults): string[] {
  const md = join(dir, 'results.md');
  writeFileAtomic(md, experimentMarkdown(results));
  const figures = experimentFigures(results, spec.report);
  const folder = join(dir, 'figures');
  mkdirSync(folder, { recursive: true });
  for (const [name, svg] of Object.entries(figures)) writeFileAtomic(join(folder, name), svg);
  return [join(dir, 'results.json'), md, ...Object.keys(figures).map((n) => join(folder, n))];
}

function printVerdicts(results: ExperimentResults): void {
  const verdicts = [...results.claims, ...(results.relations ?? [])];
  if (verdicts.length === 0) return;
  console.log('\nverdicts:');
  for (const c of verdicts) console.log(`  ${c.line}`);
}

async function dryRun(file: ExperimentFile): Promise<void> {
  const datasets = new DatasetCache();
  try {
    const configs = await checkCells(file, datasets);
    let total = 0;
    const rows: string[][] = [];
    for (const c of file.cells) {
      const config = configs.get(c.id);
      if (!config) continue;
      const images = (await datasets.get(datasetOf(c))).train.images.shape[0] as number;
      const s = estimateSeconds(c, config, images, file.spec.evaluation);
      total += s;
      const what = c.kind === 'run' ? `${config.method.name}, batch ${config.batchSize}` : c.kind;
      rows.push([c.id, what, `≈${formatTime(s)}`]);
    }
    console.log(formatTable(['cell', 'trains', 'estimate'], rows));
    console.log(
      `\n${file.cells.length} cells, ≈${formatTime(total)} in all on ${getNumThreads()} threads ` +
        '(paces measured on 2 cores with the default ConvNet; a rerun uses the pace of its finished cells)',
    );
  } finally {
    datasets.dispose();
  }
}

/** A pretraining progress bar for the cell running in this process. */
function pretrainReporter(label: () => string): (e: PretrainEvent) => void {
  let bar: ProgressBar | null = null;
  let planned = false;
  return (e) => {
    if (e.type === 'start') {
      planned = e.config.minutes === null || e.resumedAt !== null;
      bar = new ProgressBar(label(), null, process.stderr, { from: e.resumedAt ?? 0 });
      for (const n of e.notices) console.log(`  ${n}`);
    } else if (e.type === 'plan') planned = true;
    else if (e.type === 'step')
      bar?.update(
        e.step,
        { step: e.step, loss: e.loss, 'img/s': Math.round(e.imagesPerSecond) },
        planned ? e.totalSteps : null,
      );
    else if (e.type === 'done' || e.type === 'evaluate') {
      bar?.done();
      bar = null;
    }
  };
}

async function runCommand(argv: string[]): Promise<void> {
  const parsed = parseCommand<{
    quick: boolean;
    out: string | null;
    dryRun: boolean;
    jobs: number;
    emitCommands: string | null;
  }>(EXPERIMENT_RUN_COMMAND, argv, { allowPositionals: true });
  if (!parsed) return;
  if (parsed.positionals.length !== 1) {
    console.log(commandHelp(EXPERIMENT_RUN_COMMAND));
    process.exitCode = 2;
    return;
  }
  const o = parsed.resolve();
  const spec = specOf(parsed.positionals[0] as string, o.quick);
  const dir = o.out ?? join('runs', 'experiments', spec.name);
  // A dry run writes nothing: a new grid is planned in memory; an existing folder must hold this grid.
  const file = o.dryRun && !existsSync(experimentFile(dir)) ? planExperiment(spec) : prepareExperiment(dir, spec);
  console.log(
    `${spec.name}: ${file.cells.length} cells${o.dryRun && !existsSync(dir) ? ` (for ${dir})` : ` in ${dir}`}`,
  );
  if (o.emitCommands) {
    const e = emitCommands(dir, o.emitCommands);
    console.log(`wrote ${e.commands} (${e.count} commands) and ${e.slurm}; then: specl experiment collect ${dir}`);
    return;
  }
  if (o.dryRun) return dryRun(file);
  const controller = new AbortController();
  let first: NodeJS.Signals | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    if (first === null) {
      first = signal;
      process.stderr.write(
        `\nstopping (${signal}): the running cell writes a checkpoint; rerun the same command to go on\n`,
      );
      controller.abort();
      return;
    }
    process.stderr.write(
      `\nstopped at once (${signal} again); rerun the same command to go on from the last checkpoint\n`,
    );
    process.exit(128 + constants.signals[first]);
  };
  for (const s of ['SIGINT', 'SIGTERM'] as const) process.on(s, onSignal);
  let current = '';
  const evaluation = { reporter: null as ReturnType<typeof evalProgressReporter> | null };
  const started = performance.now();
  try {
    const out = await runExperiment(dir, {
      jobs: o.jobs,
      signal: controller.signal,
      onPretrainEvent: pretrainReporter(() => current),
      onProgress: (p) => {
        evaluation.reporter ??= evalProgressReporter(() => current);
        evaluation.reporter.onProgress(p);
      },
      onEvent: (e) => {
        if (e.type === 'cell-start') {
          current = `cell ${e.index + 1}/${e.total} ${e.cell.id}`;
          const eta = e.remainingSeconds > 0 ? `, ≈${formatTime(e.remainingSeconds)} left` : '';
          if (o.jobs > 1) console.log(`started ${current}${eta}`);
          else console.log(`${current}${eta}`);
        } else if (e.type === 'cell-done') {
          evaluation.reporter?.finish();
          evaluation.reporter = null;
          const m = Object.entries(e.result.metrics)
            .map(([k, v]) => `${k} ${metricText(k, v)}`)
            .join(', ');
          console.log(`  ${e.skipped ? 'done before' : 'done'}: ${e.cell.id}: ${m}`);
        }
      },
    });
    const written = writeReport(dir, spec, out.results);
    printVerdicts(out.results);
    for (const f of out.failed) console.error(`cell ${f.id} failed (${f.status}); see ${f.log}`);
    if (out.interrupted) {
      console.log(
        `\nstopped after ${formatTime((performance.now() - started) / 1000)}; ${out.results.missing.length} cells left. Continue with the same command.`,
      );
      process.exitCode = 128 + constants.signals[first ?? 'SIGINT'];
      return;
    }
    console.log(`\nwrote ${written.join(', ')}`);
    if (out.failed.length > 0) process.exitCode = 1;
  } finally {
    if (first === null) for (const s of ['SIGINT', 'SIGTERM'] as const) process.off(s, onSignal);
  }
  if (first !== null) process.exit(process.exitCode);
}

export async function experimentCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub === 'run') return runCommand(rest);
  if (sub === 'list') {
    // Text, not numbers: both columns left-aligned (formatTable right-aligns all but the first).
    const list = builtinExperiments();
    const w = Math.max(...list.map((b) => b.name.length));
    for (const b of list) console.log(`${b.name.padEnd(w)}   ${b.summary}`);
    console.log('\nspecl experiment run NAME [--quick] [--dry-run]; specl experiment show NAME prints its grid');
    return;
  }
  if (sub === 'show') {
    const name = rest.find((a) => !a.startsWith('--'));
    if (!name) throw new Error('specl experiment show: name a built-in experiment (specl experiment list)');
    console.log(stringify(JSON.parse(JSON.stringify(builtinExperiment(name, { quick: rest.includes('--quick') })))));
    return;
  }
  if (sub === 'collect') {
    if (rest.length !== 1)
      throw new Error('specl experiment collect: give the experiment folder, e.g. runs/experiments/batch-size');
    const dir = rest[0] as string;
    const results = collect(dir);
    const written = writeReport(dir, readExperiment(dir).spec, results);
    console.log(`${results.cells.length} of ${results.cells.length + results.missing.length} cells finished`);
    printVerdicts(results);
    console.log(`\nwrote ${written.join(', ')}`);
    return;
  }
  if (sub === 'cell') {
    if (rest.length !== 2) throw new Error('specl experiment cell: give the experiment folder and a cell id');
    const [dir, id] = rest as [string, string];
    const controller = new AbortController();
    let first: NodeJS.Signals = 'SIGINT';
    const stop = (signal: NodeJS.Signals) => {
      if (!controller.signal.aborted) first = signal;
      controller.abort();
    };
    for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, stop);
    const r = await runOneCell(dir, id, { signal: controller.signal, onEvent: pretrainReporter(() => id) });
    if (!r) {
      console.log(`${id}: stopped with a checkpoint; run the command again to go on`);
      // Exit now, as specl pretrain does: the signal handlers stay in place until the process is gone.
      process.exit(128 + constants.signals[first]);
    }
    console.log(
      `${id}: ${Object.entries(r.metrics)
        .map(([k, v]) => `${k} ${metricText(k, v)}`)
        .join(', ')}`,
    );
    return;
  }
  if (sub === undefined || sub === '--help' || sub === '-h') {
    console.log(USAGE);
    return;
  }
  console.error(`specl experiment: unknown subcommand '${sub}'\n\n${USAGE}`);
  process.exitCode = 2;
}
