/**
 * The fuzz suite by hand: seeded mutations of every format specl reads, fed to its
 * loaders in process and, for a share of the cases, to the `specl` command.
 *
 *   node --import tsx scripts/fuzz.ts --seed 7 --cases 1000        # 1,000 mutated files
 *   node --import tsx scripts/fuzz.ts --seed 7 --case 412 --keep    # rerun one case, keep its files
 *
 * Options: --seed N (default 1), --cases M (default 200), --first I (start at case I),
 * --case I (only case I), --cli-share P (share of cases run as `specl …`, default 0.05),
 * --api-timeout MS / --cli-timeout MS (per-case limits, default 60000 / 180000),
 * --keep (keep the fixtures and each case's files; their folder is printed), --verbose
 * (one line per case).
 *
 * What it checks: each mutated file (IDX raw and gzipped, CIFAR-10/100 binaries,
 * PNG/JPEG in an image folder, the model, checkpoint and optimizer safetensors, a run's
 * config.json, checkpoints/latest.json and trainer.json, YAML/JSON settings files) must
 * load, or fail with an Error whose message names the file. A native abort, a hang past
 * the limit, a message without the file's name, or a TypeError/RangeError from our code
 * is a failure: printed with its seed, case index and the command that reproduces it.
 * The cases run in a child process (test/fuzz/child.ts) so that an abort is caught and
 * named. Prints the number of cases, the outcomes by kind and by format, and the wall
 * time; exits 1 if any case failed. Cases, mutations and loaders: test/fuzz/.
 */
import { parseArgs } from 'node:util';
import { describeFailure, formatSummary, runFuzz } from '../test/fuzz/engine.ts';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    cases: { type: 'string', default: '200' },
    first: { type: 'string', default: '0' },
    case: { type: 'string' },
    'cli-share': { type: 'string', default: '0.05' },
    'api-timeout': { type: 'string', default: '60000' },
    'cli-timeout': { type: 'string', default: '180000' },
    keep: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  },
});

const int = (name: string, s: string): number => {
  const n = Number(s);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`fuzz: --${name} must be a non-negative integer, got ${s}`);
  return n;
};
const seed = int('seed', values.seed as string);
const cliShare = Number(values['cli-share']);
if (!(cliShare >= 0 && cliShare <= 1))
  throw new Error(`fuzz: --cli-share must be in [0, 1], got ${values['cli-share']}`);
const one = values.case === undefined ? null : int('case', values.case);

const summary = await runFuzz({
  seed,
  first: one ?? int('first', values.first as string),
  cases: one === null ? int('cases', values.cases as string) : 1,
  cliShare,
  apiTimeoutMs: int('api-timeout', values['api-timeout'] as string),
  cliTimeoutMs: int('cli-timeout', values['cli-timeout'] as string),
  keep: values.keep,
  onCase: (r) => {
    if (values.verbose || one !== null)
      console.log(
        `case ${r.index} ${r.target} ${r.file} via ${r.via} (${r.ms} ms): ${r.desc}\n  → ${r.kind} ${r.message}`,
      );
  },
});
console.log(formatSummary(summary));
if (values.keep) console.log(`files kept under ${summary.work}`);
for (const f of summary.failures) console.log(describeFailure(f, seed, cliShare));
process.exitCode = summary.failures.length > 0 ? 1 : 0;
