/**
 * `specl pretrain`, `probe`, `knn` and `compare` as a user runs them, on a
 * small seeded subset of real MNIST; and Ctrl-C (SIGINT) then --resume.
 * Training is a fixed number of steps; what it learned is checked against
 * controls a no-op trainer would match (the loss at the start, the run's own
 * initial weights, the random-init encoder of the same architecture under the
 * same probe), and what the commands print against the files they wrote.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { formatTime } from '../../src/cli/progress.ts';
import { Generator, loadSafetensors, tidy } from '../../src/tensor/index.ts';
import { createEncoder } from '../../src/train/encoder-factory.ts';
import type { PretrainConfig } from '../../src/train/index.ts';

const root = new URL('../..', import.meta.url).pathname;
const bin = join(root, 'bin/specl.js');
/** `specl ARGS…`, bounded: 15 minutes, for the probe's fits on all of MNIST on a slow, loaded machine. */
const specl = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: root, timeout: 900_000 });

/** MNIST's test split: every accuracy on it is a count out of this many. */
const MNIST_TEST = 10_000;

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

/** The step lines of a run's metrics.jsonl. */
const stepLines = (run: string) =>
  readFileSync(join(run, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; step: number; loss: number; knn?: number | null })
    .filter((l) => l.type === 'step');

/**
 * How far training moved the conv and linear weights of a run's encoder from
 * its initial ones (rebuilt here from config.json's encoder and seed, as the
 * trainer builds them): ‖θ − θ₀‖ / ‖θ₀‖ in float64. A no-op trainer gives 0;
 * an unrelated random init gives ≈ √2.
 */
function relativeChange(run: string): number {
  const config = readJson<PretrainConfig>(join(run, 'config.json'));
  return tidy(() => {
    const init = createEncoder(config.encoder, new Generator(config.seed));
    try {
      const trained = loadSafetensors(join(run, 'encoder.safetensors')).tensors;
      const start = init.stateDict();
      assert.deepEqual(Object.keys(trained).sort(), Object.keys(start).sort());
      let diff = 0;
      let norm = 0;
      for (const [k, t0] of Object.entries(start)) {
        if (!k.endsWith('.weight') || t0.ndim < 2) continue;
        const a = t0.double().data() as Float64Array;
        const b = (trained[k] as (typeof trained)[string]).double().data() as Float64Array;
        for (let i = 0; i < a.length; i++) {
          diff += ((b[i] as number) - (a[i] as number)) ** 2;
          norm += (a[i] as number) ** 2;
        }
      }
      assert.ok(norm > 0);
      return Math.sqrt(diff / norm);
    } finally {
      init.dispose();
    }
  });
}

/** The cells of the table row whose first cell starts with `label` (cells are 3+ spaces apart). */
function row(table: string, label: string): string[] {
  const line = table.split('\n').find((l) => l.startsWith(label));
  assert.ok(line, `a row for ${label} in\n${table}`);
  const cells = line.split(/ {3,}/).map((c) => c.trim());
  while (cells.at(-1) === '') cells.pop(); // the blank cells of an unfinished run
  return cells;
}

/** An accuracy as the tables print it. */
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'specl-pretrain-cli-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('the README pretraining example runs: the loss falls, the weights move, it prints what it wrote', () => {
  const out = join(dir, 'example');
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'examples/pretrain.ts'), '1', '2048', out], {
    encoding: 'utf8',
    cwd: root,
    timeout: 900_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const summary = readJson<{ steps: number; evaluation: { linearProbe: number; knn: number } }>(
    join(out, 'summary.json'),
  );
  assert.equal(summary.steps, 16, '2048 images at batch 128, one epoch');
  // What it prints is what the run wrote.
  const ev = summary.evaluation;
  assert.match(
    r.stdout,
    new RegExp(`linear probe ${(ev.linearProbe * 100).toFixed(2)}%, kNN ${(ev.knn * 100).toFixed(2)}%`),
  );
  const epoch = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; knn: number })
    .find((l) => l.type === 'epoch');
  assert.ok(epoch);
  assert.match(r.stdout, new RegExp(`epoch 1: kNN monitor ${(epoch.knn * 100).toFixed(1)}%`));
  // It trained: the loss fell from its first logged value, and the weights left their initial values
  // (but stayed near them: the rebuilt init is the run's own).
  const steps = stepLines(out);
  assert.deepEqual(
    steps.map((l) => l.step),
    [10, 16],
  );
  assert.ok((steps[1]?.loss as number) < (steps[0]?.loss as number), `loss ${steps[0]?.loss} → ${steps[1]?.loss}`);
  const moved = relativeChange(out);
  assert.ok(moved > 1e-3 && moved < 0.5, `relative change of the weights ${moved}`);
});

describe('specl pretrain → probe → knn → compare', () => {
  const run = () => join(dir, 'spectral');
  test('pretrain prints its run folder, progress and final accuracies, and writes the run', () => {
    const r = specl(
      'pretrain',
      '--method',
      'spectral',
      '--dataset',
      'mnist',
      '--train-size',
      '2048',
      '--epochs',
      '2',
      // Narrower than the default [32, 64, 512]: probe and knn below evaluate all of MNIST.
      '--widths',
      '32,64,128',
      '--out',
      run(),
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`run folder: ${run()}`));
    assert.match(
      r.stdout,
      /spectral on mnist, convnet \[32, 64, 128\], batch 128, sgd lr 0\.015, 2 epochs \(16 steps per epoch\), seed 0/,
    );
    assert.match(r.stderr, /spectral .*100%.*epoch 2.*step 32.*loss/);
    for (const f of ['config.json', 'metrics.jsonl', 'summary.json', 'encoder.safetensors', 'checkpoints/latest.json'])
      assert.ok(existsSync(join(run(), f)), f);
    const config = readJson<PretrainConfig>(join(run(), 'config.json'));
    assert.equal(config.trainSize, 2048);
    assert.equal(config.seed, 0);
    // The closing lines are summary.json's numbers.
    const s = readJson<{
      steps: number;
      epochs: number;
      seconds: number;
      imagesPerSecond: number;
      evaluation: { linearProbe: number; knn: number };
    }>(join(run(), 'summary.json'));
    assert.equal(s.steps, 32);
    assert.equal(s.epochs, 2);
    assert.match(
      r.stdout,
      new RegExp(
        `trained 32 steps \\(2\\.00 epochs\\) in ${formatTime(s.seconds)} at ${Math.round(s.imagesPerSecond)} images/s\n`,
      ),
    );
    assert.match(
      r.stdout,
      new RegExp(`linear probe ${pct(s.evaluation.linearProbe)}   kNN ${pct(s.evaluation.knn)}   \\(mnist test\\)`),
    );
    // It trained: the loss fell over the 32 steps and the weights moved off the run's own init.
    const steps = stepLines(run());
    assert.deepEqual(
      steps.map((l) => l.step),
      [10, 20, 30, 32],
    );
    assert.ok((steps[3]?.loss as number) < (steps[0]?.loss as number), `loss ${steps[0]?.loss} → ${steps[3]?.loss}`);
    const moved = relativeChange(run());
    assert.ok(moved > 1e-3 && moved < 0.5, `relative change of the weights ${moved}`);
  });

  test('probe and knn print what they write; the run beats its own random init under the same probe', () => {
    const p = specl('probe', run());
    assert.equal(p.status, 0, p.stderr);
    const probe = readJson<{
      results: {
        features: string;
        dim: number;
        linearProbe: number;
        trainAccuracy: number;
        converged: boolean;
        iterations: number;
        stop: string;
      }[];
    }>(join(run(), 'probe.json'));
    assert.deepEqual(
      probe.results.map((x) => [x.features, x.dim]),
      [
        ['raw pixels (784)', 784],
        ['random ConvNet (128)', 128],
        ['spectral ConvNet (128)', 128],
      ],
    );
    for (const x of probe.results) {
      // the table: linear probe, train accuracy and the fit, exactly as probe.json has them
      const fit = x.converged
        ? `converged, ${x.iterations} ${x.stop === 'schedule' ? 'steps' : 'it'}`
        : `not converged, ${x.iterations} it (${x.stop === 'maxIterations' ? 'cap' : 'line search'})`;
      assert.deepEqual(row(p.stdout, x.features), [x.features, pct(x.linearProbe), pct(x.trainAccuracy), fit]);
      // stderr: the fit's own line
      assert.match(
        p.stderr,
        new RegExp(
          `probe · ${x.features.replace(/ \(\d+\)$/, '')}: ${x.converged ? 'converged after' : 'not converged \\(stopped at'} ${x.iterations} iterations`,
        ),
      );
      // an accuracy on the test split is a count of its 10,000 digits
      const correct = x.linearProbe * MNIST_TEST;
      assert.ok(Math.abs(correct - Math.round(correct)) < 1e-6, `${x.features}: ${x.linearProbe}`);
    }
    const [pixels, random, spectral] = probe.results as [
      (typeof probe.results)[0],
      (typeof probe.results)[0],
      (typeof probe.results)[0],
    ];
    // A linear classifier on MNIST's raw pixels: about 92 % (LeCun et al. 1998 report 88–92.4 % for
    // linear classifiers; multinomial logistic regression reaches ≈92.5 %).
    assert.ok(pixels.linearProbe > 0.9 && pixels.linearProbe < 0.94, `raw pixels ${pixels.linearProbe}`);
    // The control a no-op trainer would tie: the same architecture at the run's own initial weights.
    assert.ok(
      spectral.linearProbe > random.linearProbe + 0.005,
      `spectral ${spectral.linearProbe} vs its random init ${random.linearProbe}`,
    );
    const summary = () => readJson<{ evaluation: { linearProbe: number; knn: number } }>(join(run(), 'summary.json'));
    assert.equal(summary().evaluation.linearProbe, spectral.linearProbe);

    const k = specl('knn', run(), '--k', '20');
    assert.equal(k.status, 0, k.stderr);
    assert.match(k.stdout, /kNN, k = 20, τ = 0\.1/);
    const knn = readJson<{ k: number; temperature: number; results: { features: string; knn: number }[] }>(
      join(run(), 'knn.json'),
    );
    assert.equal(knn.k, 20);
    assert.equal(knn.temperature, 0.1);
    for (const x of knn.results) {
      assert.deepEqual(row(k.stdout, x.features), [x.features, pct(x.knn)]);
      const correct = x.knn * MNIST_TEST;
      assert.ok(Math.abs(correct - Math.round(correct)) < 1e-6, `${x.features}: ${x.knn}`);
    }
    // kNN on raw MNIST pixels: about 97 % (LeCun et al. 1998: 95–97.6 % for k-NN on pixels).
    const rawKnn = knn.results[0]?.knn as number;
    assert.ok(rawKnn > 0.95 && rawKnn < 0.985, `raw pixels kNN ${rawKnn}`);
    assert.deepEqual(summary().evaluation, { linearProbe: spectral.linearProbe, knn: knn.results[2]?.knn });
  });

  test('compare prints each finished run’s summary.json and marks an unfinished one', () => {
    // An unfinished run: a config and no summary yet.
    const unfinished = join(dir, 'unfinished');
    mkdirSync(unfinished, { recursive: true });
    writeFileSync(join(unfinished, 'config.json'), readFileSync(join(run(), 'config.json')));
    const c = specl('compare', run(), unfinished);
    assert.equal(c.status, 0, c.stderr);
    const s = readJson<{
      steps: number;
      seconds: number;
      imagesPerSecond: number;
      evaluation: { linearProbe: number; knn: number };
    }>(join(run(), 'summary.json'));
    assert.deepEqual(row(c.stdout, run()), [
      run(),
      'spectral',
      'mnist',
      String(s.steps),
      formatTime(s.seconds),
      String(Math.round(s.imagesPerSecond)),
      pct(s.evaluation.linearProbe),
      pct(s.evaluation.knn),
    ]);
    assert.deepEqual(row(c.stdout, unfinished), [unfinished, 'spectral', 'mnist', 'unfinished']);
  });

  test('Ctrl-C writes a checkpoint and --resume finishes the run', async () => {
    const out = join(dir, 'interrupted');
    const child = spawn(
      process.execPath,
      [bin, 'pretrain', '--train-size', '2048', '--epochs', '3', '--widths', '16,32,64', '--no-monitor', '--out', out],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    // Interrupt once the run has logged its first metrics line (step 10 of 48: batch 128, spectral's default).
    const code = await new Promise<number | null>((resolve) => {
      const poll = setInterval(() => {
        const metrics = join(out, 'metrics.jsonl');
        if (existsSync(metrics) && readFileSync(metrics, 'utf8').includes('"type":"step"')) {
          clearInterval(poll);
          child.kill('SIGINT');
        }
      }, 50);
      const overrun = setTimeout(() => child.kill('SIGKILL'), 900_000);
      child.on('exit', (c) => {
        clearInterval(poll);
        clearTimeout(overrun);
        resolve(c);
      });
    });
    assert.equal(code, 130, `${stdout}\n${stderr}`);
    assert.match(stderr, /stopping \(SIGINT\): writing a checkpoint \(Ctrl-C again to quit at once\)/);
    const stoppedAt = Number(
      new RegExp(
        `stopped with a checkpoint at step (\\d+) in ${out}; continue with: specl pretrain --resume ${out}\n`,
      ).exec(stdout)?.[1],
    );
    assert.ok(stoppedAt >= 10 && stoppedAt < 48, stdout);
    assert.equal(readJson<{ step: number }>(join(out, 'checkpoints/latest.json')).step, stoppedAt);
    assert.ok(!existsSync(join(out, 'summary.json')));
    const r = specl('pretrain', '--resume', out);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`resuming at step ${stoppedAt}\n`));
    assert.match(r.stdout, /trained 48 steps/);
    // The widths chosen on the command line are the run's: recorded, and rebuilt on resume.
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).encoder.widths, [16, 32, 64]);
    assert.match(r.stdout, /convnet \[16, 32, 64\]/);
  });
});
