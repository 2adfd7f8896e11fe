/**
 * Kill trials in CI (issue 14): a short `specl pretrain` (real processes)
 * SIGKILLed at seeded random moments and at chosen ones (right after an
 * epoch's metrics line, before its checkpoint; as the final evaluation
 * starts), resumed with --resume, and compared with an uninterrupted run:
 * weights and the last checkpoint byte for byte, summary numbers, every
 * metrics line once with the same values, the stale lock taken over. The
 * 50-trial form: `node --import tsx scripts/kill-trials.ts --trials 50`.
 */
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  compareRun,
  describeKill,
  formatTrial,
  type KillAt,
  killTrial,
  type Reference,
  referenceRun,
  strayFiles,
  TRIAL_RUN_ARGS,
} from '../helpers/kill-trials.ts';

const SEED = 7;
/** Drawn trials (seeded: kill moments over the reference's duration, a quarter right after a metrics line). */
const DRAWN = 3;
/**
 * Chosen kills, for moments a uniform draw seldom hits: right after epoch 1's
 * metrics line, before its checkpoint (with checkpoints every second, and with
 * none before the epoch end: the run's first checkpoint), and as the final
 * evaluation starts.
 */
const PLANS: { kills: KillAt[]; args?: string[] }[] = [
  { kills: [{ line: { type: 'epoch', step: 8 } }] },
  {
    kills: [{ line: { type: 'epoch', step: 8 } }],
    args: [...TRIAL_RUN_ARGS, '--set', 'checkpointSeconds=1000'],
  },
  { kills: [{ file: 'encoder.safetensors' }] },
];

let dir: string;
let ref: Reference;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'specl-kill-trials-'));
  ref = await referenceRun(join(dir, 'reference'), TRIAL_RUN_ARGS, 300_000);
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('kill trials: SIGKILL, --resume, compare with the uninterrupted run', () => {
  test('the comparison finds a changed weight, a duplicated, missing or changed metrics line, and summary numbers', () => {
    const copy = (name: string) => {
      const d = join(dir, name);
      cpSync(ref.dir, d, { recursive: true });
      return d;
    };
    assert.deepEqual(compareRun(ref.dir, copy('same')), []);
    assert.deepEqual(strayFiles(ref.dir, join(dir, 'same')), []);

    // One byte of the last tensor's data (the file's last byte) flipped.
    const w = copy('weight');
    const bytes = readFileSync(join(w, 'encoder.safetensors'));
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1;
    writeFileSync(join(w, 'encoder.safetensors'), bytes);
    const diff = compareRun(ref.dir, w);
    assert.equal(diff.length, 1, diff.join('\n'));
    assert.match(diff[0] as string, /^encoder: tensor \S+ differs \(max \|Δ\| [\d.e-]+\)$/);

    const metrics = (d: string) => readFileSync(join(d, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean);
    const lines = metrics(ref.dir);
    const step3 = lines.findIndex((l) => l.startsWith('{"type":"step","step":3,'));
    assert.ok(step3 >= 0);
    const dup = copy('dup');
    appendFileSync(join(dup, 'metrics.jsonl'), `${lines[step3]}\n`);
    assert.deepEqual(compareRun(ref.dir, dup), ['metrics: step lines duplicated at step 3 (×2)']);

    const miss = copy('miss');
    writeFileSync(join(miss, 'metrics.jsonl'), `${lines.filter((_, i) => i !== step3).join('\n')}\n`);
    assert.deepEqual(compareRun(ref.dir, miss), ['metrics: step lines missing at step 3']);

    const changed = copy('changed');
    const line = JSON.parse(lines[step3] as string);
    const edited = lines.map((l, i) => (i === step3 ? JSON.stringify({ ...line, loss: line.loss + 1e-7 }) : l));
    writeFileSync(join(changed, 'metrics.jsonl'), `${edited.join('\n')}\n`);
    assert.match(compareRun(ref.dir, changed).join('\n'), /^metrics: step line 3 differs/);

    // A resumed run's own event line is expected; its wall-clock fields are not compared.
    const resumed = copy('resumed');
    appendFileSync(join(resumed, 'metrics.jsonl'), '{"type":"event","step":4,"event":"resume"}\n');
    assert.deepEqual(compareRun(ref.dir, resumed), []);

    const summary = copy('summary');
    const s = JSON.parse(readFileSync(join(summary, 'summary.json'), 'utf8'));
    writeFileSync(join(summary, 'summary.json'), JSON.stringify({ ...s, finalLoss: null, seconds: s.seconds + 1 }));
    assert.match(compareRun(ref.dir, summary).join('\n'), /^summary\.json: .*"finalLoss":null/);

    const config = copy('config');
    const c = JSON.parse(readFileSync(join(config, 'config.json'), 'utf8'));
    writeFileSync(join(config, 'config.json'), JSON.stringify({ ...c, seed: c.seed + 1 }));
    assert.deepEqual(compareRun(ref.dir, config), ['config.json differs']);

    const stray = copy('stray');
    writeFileSync(join(stray, '.encoder.safetensors.123.abc.tmp'), '');
    assert.deepEqual(strayFiles(ref.dir, stray), ['.encoder.safetensors.123.abc.tmp']);
  });

  const trials = [
    ...Array.from({ length: DRAWN }, (_, i) => ({ i, plan: undefined as (typeof PLANS)[number] | undefined })),
    ...PLANS.map((plan, j) => ({ i: DRAWN + j, plan })),
  ];
  for (const { i, plan } of trials) {
    const what = plan
      ? `chosen kill ${plan.kills.map(describeKill).join(', ')}${plan.args ? ', no checkpoint before it' : ''}`
      : `seed ${SEED}`;
    test(`trial ${i} (${what}): the resumed run ends exactly as the uninterrupted one`, async (t) => {
      const r = await killTrial(i, SEED, ref, join(dir, `trial-${i}`), {
        args: plan?.args ?? TRIAL_RUN_ARGS,
        maxKills: 2,
        lineKills: 0.25,
        // every child is killed after this long (a hung resume fails the trial, it does not hang the suite)
        timeoutMs: Math.max(120_000, 10 * ref.wallMs),
        plan: plan?.kills,
      });
      t.diagnostic(formatTrial(r));
      assert.ok(r.identical, formatTrial(r));
      assert.ok(r.kills.length >= 1);
    });
  }
});
