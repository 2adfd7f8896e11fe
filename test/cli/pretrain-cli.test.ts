/**
 * `specl pretrain`, `probe`, `knn` and `compare` as a user runs them, on a
 * small seeded subset of real MNIST; and Ctrl-C (SIGINT) then --resume.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

const root = new URL('../..', import.meta.url).pathname;
const bin = join(root, 'bin/specl.js');
const specl = (...args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: root, timeout: 300_000 });

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'specl-pretrain-cli-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('the README pretraining example runs', () => {
  const out = join(dir, 'example');
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'examples/pretrain.ts'), '1', '2048', out], {
    encoding: 'utf8',
    cwd: root,
    timeout: 300_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /epoch 1: kNN monitor [\d.]+%/);
  const probe = Number(/linear probe ([\d.]+)%/.exec(r.stdout)?.[1]);
  assert.ok(probe > 80, `probe ${probe}%`);
  assert.ok(existsSync(join(out, 'summary.json')));
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
    const probe = Number(/linear probe ([\d.]+)%/.exec(r.stdout)?.[1]);
    assert.ok(probe > 85, `linear probe after 32 steps: ${probe}%`);
    for (const f of ['config.json', 'metrics.jsonl', 'summary.json', 'encoder.safetensors', 'checkpoints/latest.json'])
      assert.ok(existsSync(join(run(), f)), f);
    const config = JSON.parse(readFileSync(join(run(), 'config.json'), 'utf8'));
    assert.equal(config.trainSize, 2048);
    assert.equal(config.seed, 0);
  });

  test('probe and knn report the run beside raw pixels and a random encoder, and write their JSON', () => {
    const p = specl('probe', run());
    assert.equal(p.status, 0, p.stderr);
    for (const [name, dim] of [
      ['raw pixels', 784],
      ['random ConvNet', 128],
      ['spectral ConvNet', 128],
    ]) {
      // the table: linear probe, train accuracy and whether the fit converged; stderr: the fit's line
      assert.match(p.stdout, new RegExp(`${name} \\(${dim}\\)\\s+[\\d.]+%\\s+[\\d.]+%\\s+(converged|not converged)`));
      assert.match(
        p.stderr,
        new RegExp(`probe · ${name}: (converged after|not converged \\(stopped at) \\d+ iterations`),
      );
    }
    const probe = JSON.parse(readFileSync(join(run(), 'probe.json'), 'utf8')) as {
      results: { features: string; linearProbe: number; converged: boolean }[];
    };
    assert.equal(probe.results.length, 3);
    const summary = () => JSON.parse(readFileSync(join(run(), 'summary.json'), 'utf8'));
    assert.equal(summary().evaluation.linearProbe, probe.results[2]?.linearProbe);
    const k = specl('knn', run(), '--k', '20');
    assert.equal(k.status, 0, k.stderr);
    assert.match(k.stdout, /kNN, k = 20, τ = 0\.1/);
    const knn = JSON.parse(readFileSync(join(run(), 'knn.json'), 'utf8')) as { k: number; results: { knn: number }[] };
    assert.equal(knn.k, 20);
    assert.deepEqual(summary().evaluation, { linearProbe: probe.results[2]?.linearProbe, knn: knn.results[2]?.knn });
  });

  test('compare lists finished and unfinished runs', () => {
    const c = specl('compare', run());
    assert.equal(c.status, 0, c.stderr);
    assert.match(c.stdout, /spectral\s+mnist\s+32\s/);
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
      child.on('exit', (c) => {
        clearInterval(poll);
        resolve(c);
      });
    });
    assert.equal(code, 130, `${stdout}\n${stderr}`);
    assert.match(stderr, /stopping: writing a checkpoint/);
    assert.match(stdout, /continue with: specl pretrain --resume/);
    assert.ok(!existsSync(join(out, 'summary.json')));
    const r = specl('pretrain', '--resume', out);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /resuming at step \d+/);
    assert.match(r.stdout, /trained 48 steps/);
    // The widths chosen on the command line are the run's: recorded, and rebuilt on resume.
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).encoder.widths, [16, 32, 64]);
    assert.match(r.stdout, /convnet \[16, 32, 64\]/);
  });
});
