/**
 * How the CLI draws the evaluation's progress events (src/cli/evaluation.ts)
 * on a stream: a line for every fit saying whether it converged and why it
 * stopped, bars that reach 100 % in a log, redraws throttled on a terminal,
 * and label-efficiency fits summed up per feature set.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evalProgressReporter, fitStatus } from '../../src/cli/evaluation.ts';
import type { EvalProgress, FeatureKind } from '../../src/eval/index.ts';

/** A stream that records what is written. */
function stream(isTTY: boolean): NodeJS.WriteStream & { text: () => string; writes: string[] } {
  const writes: string[] = [];
  return {
    isTTY,
    writes,
    write(s: string) {
      writes.push(s);
      return true;
    },
    text: () => writes.join(''),
  } as unknown as NodeJS.WriteStream & { text: () => string; writes: string[] };
}
const names: Record<FeatureKind, string> = {
  pixels: 'raw pixels',
  random: 'random ConvNet',
  encoder: 'spectral ConvNet',
};
const name = (k: FeatureKind | undefined) => names[k ?? 'encoder'];
const fit = { fit: 'final', l2: 1e-4 } as const;

test('fitStatus: converged with the reason, or not converged with where and why it stopped', () => {
  const base = { maxIterations: 500 };
  assert.equal(
    fitStatus({ ...base, converged: true, stop: 'loss', iterations: 312 }),
    'converged after 312 iterations (loss change below tolerance)',
  );
  assert.equal(
    fitStatus({ ...base, converged: true, stop: 'gradient', iterations: 40 }),
    'converged after 40 iterations (gradient below tolerance)',
  );
  assert.equal(
    fitStatus({ ...base, converged: false, stop: 'maxIterations', iterations: 500 }),
    'not converged (stopped at 500 iterations: reached the cap of 500 iterations)',
  );
  assert.equal(
    fitStatus({ ...base, converged: false, stop: 'lineSearch', iterations: 17 }),
    'not converged (stopped at 17 iterations: the line search found no decrease)',
  );
});

test('in a log: features bars end at 100 %, each fit ends with its converged line', () => {
  const out = stream(false);
  const r = evalProgressReporter(name, out);
  for (let done = 100; done <= 600; done += 100)
    r.onProgress({ phase: 'features', features: 'pixels', split: 'train', done, total: 600 });
  for (let i = 1; i <= 5; i++)
    r.onProgress({ phase: 'probe', ...fit, features: 'pixels', iteration: i, maxIterations: 500, loss: 2 / i });
  r.onProgress({
    phase: 'probe-done',
    ...fit,
    features: 'pixels',
    converged: true,
    stop: 'loss',
    iterations: 5,
    maxIterations: 500,
    loss: 0.4,
    seconds: 1.25,
  });
  r.onProgress({
    phase: 'probe-done',
    ...fit,
    features: 'random',
    converged: false,
    stop: 'maxIterations',
    iterations: 500,
    maxIterations: 500,
    loss: 0.3,
    seconds: 30,
  });
  r.onProgress({ phase: 'knn', features: 'encoder', done: 1024, total: 2000 });
  r.onProgress({ phase: 'knn', features: 'encoder', done: 2000, total: 2000 });
  r.finish();
  const lines = out.text().trimEnd().split('\n');
  assert.equal(lines.length, 4, out.text());
  assert.match(lines[0] as string, /^features · raw pixels · train █+ 100% {2}images 600\/600/);
  assert.equal(
    lines[1],
    'probe · raw pixels: converged after 5 iterations (loss change below tolerance); loss 0.4000, 1.3 s',
  );
  assert.equal(
    lines[2],
    'probe · random ConvNet: not converged (stopped at 500 iterations: reached the cap of 500 iterations); loss 0.3000, 30.0 s',
  );
  assert.match(lines[3] as string, /^kNN · spectral ConvNet █+ 100% {2}queries 2000\/2000/);
});

test('on a terminal: redraws are throttled, and the bar ends on its last state', () => {
  const out = stream(true);
  const r = evalProgressReporter(name, out);
  for (let i = 1; i <= 2000; i++)
    r.onProgress({ phase: 'probe', ...fit, features: 'encoder', iteration: i, maxIterations: 5000, loss: 1 / i });
  r.finish();
  const draws = out.writes.filter((w) => w.startsWith('\r'));
  assert.ok(draws.length < 50, `${draws.length} redraws for 2000 iterations`);
  assert.match(draws.at(-1) as string, /probe · spectral ConvNet .* iteration 2000 {2}loss 0\.0005000/);
  assert.ok(out.text().endsWith('\n'));
});

test('label-efficiency fits are summed up in one line per feature set', () => {
  const out = stream(false);
  const r = evalProgressReporter(name, out);
  const done = (features: FeatureKind, perClass: number | 'all', seed: number, converged: boolean): EvalProgress => ({
    phase: 'probe-done',
    fit: 'label-efficiency',
    l2: 1e-4,
    perClass,
    seed,
    features,
    converged,
    stop: converged ? 'loss' : 'maxIterations',
    iterations: converged ? 20 : 500,
    maxIterations: 500,
    loss: 0.1,
    seconds: 0.1,
  });
  r.onProgress(done('pixels', 1, 0, true));
  r.onProgress(done('pixels', 1, 1, true));
  r.onProgress(done('encoder', 1, 0, true));
  r.onProgress(done('encoder', 'all', 0, false));
  r.finish();
  assert.deepEqual(out.text().trimEnd().split('\n'), [
    'label efficiency · raw pixels: 2 fits, all converged',
    'label efficiency · spectral ConvNet: 2 fits, 1 converged; not converged: m = all seed 0 (stopped at 500: reached the cap of 500 iterations)',
  ]);
});

test('loading the dataset is a bar of its own: unknown total first, then images, ending at 100 %', () => {
  const out = stream(false);
  const r = evalProgressReporter(name, out);
  r.onProgress({ phase: 'dataset', dataset: 'folder:/data/pics', done: 0, total: null });
  for (let done = 1; done <= 40; done++)
    r.onProgress({ phase: 'dataset', dataset: 'folder:/data/pics', done, total: 40 });
  r.onProgress({ phase: 'features', features: 'pixels', split: 'train', done: 30, total: 30 });
  r.finish();
  const lines = out.text().trimEnd().split('\n');
  assert.equal(lines.length, 2, out.text());
  assert.match(lines[0] as string, /^dataset · folder:\/data\/pics █+ 100% {2}images 40\/40/);
  assert.match(lines[1] as string, /^features · raw pixels · train █+ 100%/);
});
