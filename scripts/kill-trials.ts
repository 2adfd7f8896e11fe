// Kill trials (issue 14): SIGKILL a short `specl pretrain` at seeded random moments, resume it, and
// compare the end state with an uninterrupted reference run (see test/helpers/kill-trials.ts).
//   node --import tsx scripts/kill-trials.ts --trials 50 --seed 1 [--max-kills 2] [--only 3,17] [--keep DIR]
// Prints one line per trial and the totals; exits 1 when a trial differs or fails.
import { parseArgs } from 'node:util';
import { formatTrial, killTrials } from '../test/helpers/kill-trials.ts';

const { values } = parseArgs({
  options: {
    trials: { type: 'string', default: '50' },
    seed: { type: 'string', default: '1' },
    'max-kills': { type: 'string', default: '2' },
    'line-kills': { type: 'string', default: '0.25' },
    only: { type: 'string' },
    keep: { type: 'string' },
    'timeout-seconds': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(
    'usage: node --import tsx scripts/kill-trials.ts [--trials N] [--seed S] [--max-kills K] [--line-kills P] [--only I,J] [--keep DIR] [--timeout-seconds T]\n' +
      '  --max-kills K  each trial draws 1…K kills (kill, resume, kill the resume, …)\n' +
      '  --line-kills P the share of kills made right after a drawn metrics line appears (default 0.25)\n' +
      '  --only I,J     rerun just these trials of the series (same draws)\n' +
      '  --keep DIR     put the runs in DIR and keep them (default: a temporary folder, removed)',
  );
  process.exit(0);
}
const int = (name: string, v: string, min: number): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`kill-trials: --${name} must be an integer ≥ ${min}, got ${v}`);
  return n;
};
const trials = int('trials', values.trials, 1);
const seed = int('seed', values.seed, 0);
const maxKills = int('max-kills', values['max-kills'], 1);
const lineKills = Number(values['line-kills']);
if (!(lineKills >= 0 && lineKills <= 1))
  throw new Error(`kill-trials: --line-kills must be in [0, 1], got ${values['line-kills']}`);
const only = values.only?.split(',').map((s) => int('only', s, 0));
const timeoutMs = values['timeout-seconds'] ? int('timeout-seconds', values['timeout-seconds'], 1) * 1000 : undefined;

console.log(`kill trials: ${only ? `trials ${only.join(', ')}` : trials} with seed ${seed}, 1…${maxKills} kills each`);
const r = await killTrials({
  trials,
  seed,
  maxKills,
  lineKills,
  only,
  dir: values.keep,
  keep: values.keep !== undefined,
  timeoutMs,
  onReference: (ref) =>
    console.log(
      `reference: ${ref.totalSteps} steps (${ref.stepsPerEpoch} per epoch) in ${(ref.wallMs / 1000).toFixed(1)} s, in ${ref.dir}`,
    ),
  onTrial: (t) => console.log(formatTrial(t)),
});
const kills = r.trials.flatMap((t) => t.kills);
// phases by kind ("step N", not each step)
const phases = new Map<string, number>();
for (const p of kills.map((k) => k.phase.replace(/\d+/g, 'N'))) phases.set(p, (phases.get(p) ?? 0) + 1);
const stray = r.trials.filter((t) => t.stray.length > 0).length;
const locks = kills.filter((k) => k.leftLock).length;
console.log(
  `kill phases: ${[...phases]
    .sort((a, b) => b[1] - a[1])
    .map(([p, n]) => `${p} ×${n}`)
    .join(', ')}`,
);
console.log(
  `${r.identical}/${r.trials.length} identical; ${kills.length} kills, ${locks} of them left a stale lock; ` +
    `${stray} trials with stray files; ${(r.wallMs / 1000).toFixed(0)} s in all`,
);
if (r.identical < r.trials.length) process.exitCode = 1;
