/**
 * The progress bar's ETA (src/cli/progress.ts), on a recording stream and a
 * clock the test sets: none while the run's length is still a guess (a
 * --minutes run before the trainer's plan), the rate × remaining steps once
 * it is known, paced from where a resumed run started; and `specl pretrain
 * --minutes` through its stderr.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatTime, ProgressBar } from '../../src/cli/progress.ts';
import { specl } from '../helpers/cli.ts';

/** A stream that records what is written (plain lines: not a TTY). */
function stream(): NodeJS.WriteStream & { lines: () => string[] } {
  const writes: string[] = [];
  return {
    isTTY: false,
    write(s: string) {
      writes.push(s);
      return true;
    },
    lines: () => writes.join('').split('\n').filter(Boolean),
  } as unknown as NodeJS.WriteStream & { lines: () => string[] };
}

/** A clock in ms that the test moves. */
function clock() {
  let t = 1000;
  return { now: () => t, advance: (s: number) => (t += s * 1000) };
}

test('formatTime: m:ss, h:mm:ss, and --:-- for no estimate', () => {
  assert.equal(formatTime(0), '0:00');
  assert.equal(formatTime(59.6), '1:00');
  assert.equal(formatTime(3600 * 2 + 51 * 60 + 42), '2:51:42');
  assert.equal(formatTime(Number.NaN), '--:--');
});

test('no ETA while the total is not known; elapsed × remaining / done once it is', () => {
  const out = stream();
  const c = clock();
  const bar = new ProgressBar('spectral', null, out, { now: c.now });
  c.advance(10); // plain lines come every 10 s
  bar.update(5, { step: 5 }, null);
  c.advance(10);
  // The plan: 200 steps. 20 s for 20 steps → 1 s a step → 180 s to go.
  bar.update(20, { step: 20 }, 200);
  c.advance(10);
  bar.update(30, { step: 30 }); // the total stays known
  const [guess, planned, later] = out.lines();
  assert.match(guess as string, /^spectral ░{24} {4}… {2}step 5 {2}eta … \(planning\)$/);
  assert.match(planned as string, /^spectral ██░{22} {2}10% {2}step 20 {2}eta 3:00$/);
  // 30 s for 30 steps, 170 to go
  assert.match(later as string, / {2}15% {2}step 30 {2}eta 2:50$/);
});

test('a resumed bar paces its ETA by the steps it has seen, not by the whole count', () => {
  const out = stream();
  const c = clock();
  const bar = new ProgressBar('spectral', 100, out, { from: 50, now: c.now });
  c.advance(20);
  bar.update(60); // 10 steps in 20 s, 40 to go: 80 s (the whole count would say 20 × 40/60 = 13 s)
  assert.match(out.lines()[0] as string, / 60% {2,}eta 1:20$/);
});

test('specl pretrain --minutes: no line shows an ETA before the plan, every line after it does', () => {
  const dir = mkdtempSync(join(tmpdir(), 'specl-progress-'));
  try {
    const out = join(dir, 'run');
    // 16 steps per epoch, so the plan is made at step 17 (if the budget lasts that long on a loaded
    // machine; without a plan every line must say so). Only the display is checked, not speed.
    const r = specl([
      'pretrain',
      '--train-size',
      '512',
      '--batch-size',
      '32',
      '--widths',
      '8,16,32',
      '--minutes',
      '0.5',
      '--no-monitor',
      '--no-evaluate',
      '--out',
      out,
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(join(out, 'summary.json')));
    const plan = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event?: string; step: number })
      .find((l) => l.event === 'plan');
    const planStep = plan?.step ?? Number.POSITIVE_INFINITY;
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('spectral '));
    assert.ok(lines.length > 0, r.stderr);
    for (const line of lines) {
      const step = Number(/ step (\d+) /.exec(line)?.[1]);
      assert.ok(step > 0, line);
      // the step event at the plan's own step precedes the plan
      if (step <= planStep) assert.match(line, / {3}… {2}.*eta … \(planning\)$/, line);
      else assert.match(line, / +\d+% {2}.*eta \d+:\d\d(:\d\d)?$/, line);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
