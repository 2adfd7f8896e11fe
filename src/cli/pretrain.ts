/**
 * `specl pretrain`: pretrain an encoder with one method on one dataset, with a
 * live progress bar, a run folder, Ctrl-C to stop with a checkpoint, and
 * `--resume DIR` to continue. Every setting comes from the declarations in
 * train/pretrain-config.ts and the method files: shorthand flags, `--config
 * FILE.yaml|json`, `--set key=value` and `--print-config` are derived from them.
 */
import { constants } from 'node:os';
import { stringify } from 'yaml';
import { loadDataset } from '../data/index.ts';
import { METHOD_NAMES, methodDefinition } from '../methods/index.ts';
import type { MethodName } from '../methods/method.ts';
import { checked, nonEmptyString, OptionError, setPath } from '../options/index.ts';
import {
  applyOverride,
  dataFacts,
  featureName,
  PRETRAIN_OPTIONS,
  type PretrainConfig,
  type PretrainEvent,
  type PretrainResult,
  type PretrainSettings,
  pretrain,
  pretrainSchema,
  readSettingsFile,
  resolvePretrainConfig,
  resume,
  sourcesOf,
  splitOverride,
} from '../train/index.ts';
import { evalProgressReporter } from './evaluation.ts';
import { flagHelp, flagsOf, optionList, parseFlags } from './option-flags.ts';
import { formatTime, ProgressBar } from './progress.ts';

/** The command's own flags (not settings of the run). */
const COMMAND_FLAGS = {
  config: { type: 'string' },
  set: { type: 'string', multiple: true },
  'print-config': { type: 'boolean' },
  out: { type: 'string' },
  resume: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const COMMAND_HELP: [string, string][] = [
  ['--config FILE', 'settings from a YAML or JSON file (a run’s own config.json reruns it exactly)'],
  ['--set KEY=VALUE', 'set any option by its dotted key (repeatable; applied after --config and the flags)'],
  ['--print-config', 'print the fully resolved config as YAML and exit without training'],
  ['--out DIR', 'run folder (default runs/<method>-<dataset>-<time>)'],
  ['--resume DIR', 'continue the run in DIR exactly where it stopped (its own config; no other settings)'],
];

const FLAGS = flagsOf(PRETRAIN_OPTIONS).concat(
  flagsOf(pretrainSchema('spectral')).filter((f) => f.key === 'method.name'),
);

function usage(method: MethodName): string {
  const others = METHOD_NAMES.map((n) => `  ${n.padEnd(12)} ${methodDefinition(n).summary}`).join('\n');
  const own = methodDefinition(method).options;
  return [
    'usage: specl pretrain [--method NAME] [--dataset NAME] [--epochs N | --minutes M] [options]',
    '       specl pretrain --config run.yaml [--set KEY=VALUE …]',
    '       specl pretrain --resume RUN_DIR',
    '',
    flagHelp(FLAGS, COMMAND_HELP),
    '',
    `Every option, by the key --set and config files use (method ${method}; --method NAME --help for another):`,
    optionList(pretrainSchema(method)),
    '',
    'methods:',
    others,
    '',
    Object.keys(own).length === 0 ? `(${method} has no options of its own)` : '',
    'Ctrl-C or SIGTERM stops with a checkpoint (exit status 130 or 143; a second signal quits at once);',
    '--resume RUN_DIR continues exactly where the last checkpoint stopped.',
  ]
    .filter((l, i, a) => !(l === '' && a[i - 1] === ''))
    .join('\n');
}

/** The settings the command line gives, with where each came from. */
export function settingsFromArgs(argv: string[]): {
  settings: PretrainSettings;
  sources: Map<string, string>;
  command: { out?: string; resume?: string; printConfig: boolean; help: boolean };
} {
  const parsed = parseFlags(argv, FLAGS, COMMAND_FLAGS);
  const rest = parsed.rest as {
    config?: string;
    set?: string[];
    out?: string;
    resume?: string;
    help?: boolean;
    'print-config'?: boolean;
  };
  let settings: Record<string, unknown> = {};
  let sources = new Map<string, string>();
  if (rest.config !== undefined) {
    settings = readSettingsFile(rest.config);
    if (typeof settings.method === 'string') settings.method = { name: settings.method };
    sources = sourcesOf(settings, rest.config);
  }
  for (const [key, value] of parsed.values) {
    settings = setPath(settings, key, value);
    sources.set(key, parsed.sources.get(key) as string);
  }
  const overrides = (rest.set ?? []).map(splitOverride);
  // the method decides which `method.*` keys exist: take it first
  for (const o of overrides.filter((x) => x.key === 'method.name'))
    settings = applyOverride(settings, o.key, o.raw, pretrainSchema('spectral'));
  const methodName = ((settings.method as { name?: string } | undefined)?.name ?? 'spectral') as MethodName;
  const from = sources.get('method.name');
  const schema = pretrainSchema(methodDefinition(methodName, from ? `${from}: method.name` : 'method.name').name);
  for (const o of overrides) {
    settings = applyOverride(settings, o.key, o.raw, schema);
    sources.set(o.key, `--set ${o.key}`);
  }
  const given = sources.size > 0;
  if (rest.resume !== undefined && (given || rest.out !== undefined)) {
    throw new Error(
      `--resume continues a run with its own config.json; it takes no other settings (got ${[...new Set(sources.values())].join(', ') || '--out'})`,
    );
  }
  return {
    settings: settings as PretrainSettings,
    sources,
    command: {
      out: rest.out,
      resume: rest.resume,
      printConfig: rest['print-config'] === true,
      help: rest.help === true,
    },
  };
}

/** The resolved config of the command line's settings, the dataset loaded to learn its channels and statistics. */
async function printConfig(settings: PretrainSettings, sources: Map<string, string>): Promise<PretrainConfig> {
  const spec = settings.dataset ?? 'mnist';
  // The dataset is loaded before the settings are resolved: check it, and name the file it came from.
  const from = sources.get('dataset');
  checked(from ? `${from}: pretrain` : 'pretrain', 'dataset', nonEmptyString, spec);
  let data: Awaited<ReturnType<typeof loadDataset>>;
  try {
    data = await loadDataset(spec);
  } catch (e) {
    if (!from) throw e;
    throw new OptionError(`${from}: dataset ${JSON.stringify(spec)}: ${(e as Error).message}`, { cause: e });
  }
  try {
    return resolvePretrainConfig({ ...settings, dataset: settings.dataset ?? 'mnist' }, dataFacts(data), { sources });
  } finally {
    for (const s of [data.train, data.test]) for (const t of [s.images, s.labels]) t.dispose();
  }
}

/** Runs a pretraining with a progress bar on stderr; returns the result (null with --help or --print-config). */
export async function runPretrainCli(argv: string[]): Promise<PretrainResult | null> {
  const { settings, sources, command } = settingsFromArgs(argv);
  if (command.help) {
    console.log(usage(((settings.method as { name?: MethodName })?.name ?? 'spectral') as MethodName));
    return null;
  }
  if (command.printConfig) {
    process.stdout.write(stringify(await printConfig(settings, sources)));
    return null;
  }
  const controller = new AbortController();
  // What a second signal's message says: where the run is and its last complete checkpoint.
  const at: { dir: string | null; checkpoint: number | null } = { dir: null, checkpoint: null };
  const stop = signalStop(controller, at);
  let bar: ProgressBar | null = null;
  let knn: number | null = null;
  let evaluation: ReturnType<typeof evalProgressReporter> | null = null;
  let config: PretrainConfig | null = null;
  let planned = false;
  const onEvent = (e: PretrainEvent) => {
    if (e.type === 'start') {
      console.log(`run folder: ${e.dir}`);
      if (e.resumedAt !== null) console.log(`resuming at step ${e.resumedAt}`);
      // what starting had to repair (a checkpoint recovered, a dead process's lock taken over): never silent
      for (const notice of e.notices ?? []) console.warn(`note: ${notice}`);
      const c = e.config;
      console.log(
        `${c.method.name} on ${c.dataset}, ${c.encoder.name}${c.encoder.widths ? ` [${c.encoder.widths.join(', ')}]` : ''}, batch ${c.batchSize}, ${c.optimizer.name} lr ${c.optimizer.lr}, ` +
          `${c.epochs !== null ? `${c.epochs} epochs` : `${c.minutes} minutes`} (${e.stepsPerEpoch} steps per epoch), seed ${c.seed}`,
      );
      config = c;
      at.dir = e.dir;
      at.checkpoint = e.resumedAt;
      // With --minutes the run's length is a guess until the trainer's plan (after ~20 measured steps).
      planned = c.minutes === null || e.resumedAt !== null;
      bar = new ProgressBar(c.method.name, null, process.stderr, { from: e.resumedAt ?? 0 });
    } else if (e.type === 'plan') {
      planned = true;
    } else if (e.type === 'checkpoint') {
      at.checkpoint = e.step;
    } else if (e.type === 'step') {
      const fields: Record<string, string | number> = {
        epoch: e.epoch + 1,
        step: e.step,
        loss: e.loss,
        'img/s': Math.round(e.imagesPerSecond),
      };
      if (knn !== null) fields.knn = `${(knn * 100).toFixed(1)}%`;
      bar?.update(e.step, fields, planned ? e.totalSteps : null);
    } else if (e.type === 'epoch') {
      knn = e.knn;
      if (e.collapsed) {
        bar?.done();
        console.warn(
          `warning: the embedding looks collapsed after epoch ${e.epoch + 1} (spread ${e.spread.toFixed(3)}; 1 = spread out, 0 = one point)`,
        );
      }
    } else if (e.type === 'evaluate') {
      bar?.done();
      bar = null;
      console.log('evaluating: linear probe and kNN on frozen features…');
      evaluation = evalProgressReporter(() => (config ? featureName('encoder', config) : 'encoder'));
    } else if (e.type === 'evaluate-progress') {
      evaluation?.onProgress(e.progress);
    } else if (e.type === 'done') {
      evaluation?.finish();
    }
  };
  try {
    const control = { signal: controller.signal, onEvent };
    const result = command.resume
      ? await resume(command.resume, control)
      : await pretrain({ settings, sources, out: command.out, ...control });
    (bar as ProgressBar | null)?.done();
    if (result.interrupted) {
      console.log(
        `stopped with a checkpoint at step ${at.checkpoint} in ${result.dir}; continue with: specl pretrain --resume ${result.dir}`,
      );
      process.exitCode = stop.exitCode();
    } else if (result.summary) {
      const s = result.summary;
      console.log(
        `trained ${s.steps} steps (${s.epochs.toFixed(2)} epochs) in ${formatTime(s.seconds)} at ${Math.round(s.imagesPerSecond)} images/s`,
      );
      if (s.evaluation)
        console.log(
          `linear probe ${(s.evaluation.linearProbe * 100).toFixed(2)}%   kNN ${(s.evaluation.knn * 100).toFixed(2)}%   (${s.dataset} test)`,
        );
      console.log(`run folder: ${result.dir}`);
    }
    return result;
  } finally {
    // Once stopped by a signal the process is on its way out: a further signal still exits cleanly.
    if (stop.exitCode() === 0) stop.remove();
  }
}

/** The signals that stop a run with a checkpoint: Ctrl-C, and a scheduler's (or `kill`'s) SIGTERM. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Handles SIGINT and SIGTERM alike. The first aborts `controller` (the trainer
 * finishes its step and writes a checkpoint); any later one exits at once
 * with a message naming the last complete checkpoint. Exit status 128 + the
 * first signal's number, as a shell reports a process it stopped: 130 for
 * SIGINT, 143 for SIGTERM.
 */
function signalStop(
  controller: AbortController,
  at: { dir: string | null; checkpoint: number | null },
): { exitCode: () => number; remove: () => void } {
  let first: NodeJS.Signals | null = null;
  const code = () => (first === null ? 0 : 128 + constants.signals[first]);
  const onSignal = (signal: NodeJS.Signals) => {
    if (first === null) {
      first = signal;
      const how = signal === 'SIGINT' ? 'Ctrl-C' : signal;
      process.stderr.write(`\nstopping (${signal}): writing a checkpoint (${how} again to quit at once)…\n`);
      controller.abort();
      return;
    }
    const where =
      at.dir === null
        ? ' before the run began'
        : at.checkpoint === null
          ? ` before its first checkpoint; specl pretrain --resume ${at.dir} starts it over`
          : `; the last checkpoint, at step ${at.checkpoint}, is complete; continue with: specl pretrain --resume ${at.dir}`;
    process.stderr.write(`\nstopped at once (${signal} again)${where}\n`);
    // Safe while the ViewLoader's worker is mid-call: the addon swallows the calls that fail as it is terminated.
    process.exit(code());
  };
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  return {
    exitCode: code,
    remove: () => {
      for (const s of STOP_SIGNALS) process.off(s, onSignal);
    },
  };
}

export async function pretrainCommand(argv: string[]): Promise<void> {
  const r = await runPretrainCli(argv);
  if (r) {
    r.encoder.dispose();
    r.method.dispose();
  }
  // Stopped by a signal: exit now rather than let the event loop drain. Draining closes the
  // signal handles, which restores the default action, and a Ctrl-C in the ~100 ms of teardown
  // that follows would kill the process by SIGINT; process.exit keeps them to the end.
  if (r?.interrupted) process.exit(process.exitCode);
}
