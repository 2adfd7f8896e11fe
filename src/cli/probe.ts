/**
 * `specl probe RUN` and `specl knn RUN`: evaluate a run's frozen encoder by a
 * linear probe (and optionally label-efficiency curves) or by weighted kNN,
 * always beside raw pixels and a random-init encoder of the same architecture.
 * The numbers are also written to the run folder (probe.json / knn.json, and
 * summary.json's evaluation), through the same code as `specl demo`.
 */
import { KNN_OPTIONS } from '../eval/index.ts';
import { boolean, option, positiveInt } from '../options/index.ts';
import { loadRunConfig } from '../train/index.ts';
import { evaluateRunCli } from './evaluation.ts';
import { type CommandSpec, commandHelp, parseCommand } from './option-flags.ts';

/** `specl probe`'s options, declared once. */
export const PROBE_COMMAND = {
  name: 'specl probe',
  usage: [
    'usage: specl probe RUN_DIR [--label-efficiency] [--seeds 3]',
    '  linear probe (L-BFGS logistic regression on standardized frozen features) of the run, raw pixels and a random encoder;',
    '  progress on stderr; writes probe.json and summary.json’s evaluation.linearProbe',
  ].join('\n'),
  options: {
    labelEfficiency: option(boolean, false, 'also fit probes on 1, 5, 10 and 100 labels per class and on all of them'),
    seeds: option(positiveInt, 3, 'label subsets drawn per count, for the label-efficiency mean ± sd'),
  },
} satisfies CommandSpec;

/** `specl knn`'s options, declared once (k and τ: the evaluations' own `KNN_OPTIONS`). */
export const KNN_COMMAND = {
  name: 'specl knn',
  usage: [
    'usage: specl knn RUN_DIR [--k 200] [--temperature 0.1]',
    '  weighted kNN (cosine, exp(sim/τ) votes) of the run, raw pixels and a random encoder; bank = all training images;',
    '  progress on stderr; writes knn.json and summary.json’s evaluation.knn',
  ].join('\n'),
  options: KNN_OPTIONS,
} satisfies CommandSpec;

/** The run folder, the one positional argument; usage and exit code 2 otherwise. */
function runDir(spec: CommandSpec, positionals: string[]): string | null {
  if (positionals.length === 1) return positionals[0] as string;
  console.log(commandHelp(spec));
  process.exitCode = 2;
  return null;
}

export async function probeCommand(argv: string[]): Promise<void> {
  const parsed = parseCommand<{ labelEfficiency: boolean; seeds: number }>(PROBE_COMMAND, argv, {
    allowPositionals: true,
  });
  const dir = parsed && runDir(PROBE_COMMAND, parsed.positionals);
  if (!parsed || !dir) return;
  const o = parsed.resolve();
  const config = loadRunConfig(dir);
  console.log(`${config.method.name} on ${config.dataset}: linear probe\n`);
  await evaluateRunCli({
    dir,
    knn: false,
    labelEfficiency: o.labelEfficiency ? { seeds: Array.from({ length: o.seeds }, (_, i) => i) } : false,
  });
}

export async function knnCommand(argv: string[]): Promise<void> {
  const parsed = parseCommand<{ k: number; temperature: number }>(KNN_COMMAND, argv, { allowPositionals: true });
  const dir = parsed && runDir(KNN_COMMAND, parsed.positionals);
  if (!parsed || !dir) return;
  const { k, temperature } = parsed.resolve();
  const config = loadRunConfig(dir);
  console.log(`${config.method.name} on ${config.dataset}: kNN, k = ${k}, τ = ${temperature}\n`);
  await evaluateRunCli({ dir, probe: false, knn: { k, temperature } });
}
