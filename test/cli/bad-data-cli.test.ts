/**
 * Bad input seen through the real `specl` command: datasets that used to
 * train and then fail (or "succeed" with a meaningless probe) are refused
 * before training and before the run folder exists; a run whose weights went
 * NaN is refused by `specl knn` and `specl probe` with the weights file and
 * what is wrong with it, instead of a chance-level accuracy or an L-BFGS
 * message. Every dataset and weights file is written here.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import sharp from 'sharp';
import { isFloating, loadSafetensors, saveSafetensors, type Tensor, tidy } from '../../src/tensor/index.ts';
import { idx } from '../data/idx-writer.ts';
import { specl } from '../helpers/cli.ts';
import { Rng } from '../helpers/prng.ts';

const tmp = mkdtempSync(join(tmpdir(), 'specl-bad-data-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const rng = new Rng(3);
/** Each command gets 3 minutes: these fail at load time, or train 2 steps of a 2-stage ConvNet. */
const LIMIT = 180_000;

/** A Fashion-MNIST-layout folder of random images: train n×h×w, test m×h2×w2, labels i mod 10. */
function idxFolder(name: string, train: [number, number, number], test: [number, number, number]): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  for (const [prefix, [n, h, w]] of [
    ['train', train],
    ['t10k', test],
  ] as const) {
    writeFileSync(
      join(dir, `${prefix}-images-idx3-ubyte`),
      idx(
        [n, h, w],
        Uint8Array.from({ length: n * h * w }, () => rng.int(0, 256)),
      ),
    );
    writeFileSync(
      join(dir, `${prefix}-labels-idx1-ubyte`),
      idx(
        [n],
        Uint8Array.from({ length: n }, (_, i) => i % 10),
      ),
    );
  }
  return dir;
}

/** `specl pretrain` on `dataset` into a fresh --out; the run folder must not exist afterwards. */
function refusedPretrain(dataset: string, out: string) {
  const r = specl(
    ['pretrain', '--dataset', dataset, '--epochs', '1', '--widths', '4,8', '--no-monitor', '--out', out],
    LIMIT,
  );
  assert.equal(r.error, undefined, `spawn: ${r.error}`);
  assert.equal(r.status, 1, `exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  assert.equal(existsSync(out), false, `${out} was created`);
  assert.doesNotMatch(r.stdout, /run folder/);
  return r;
}

describe('specl pretrain refuses a bad dataset before training, leaving no run folder', () => {
  test('IDX test images 14×56 beside 28×28 training images', () => {
    const dir = idxFolder('mismatch', [64, 28, 28], [16, 14, 56]);
    const r = refusedPretrain(`fashion-mnist:${dir}`, join(tmp, 'run-mismatch'));
    assert.match(
      r.stderr,
      new RegExp(
        `${esc(join(dir, 't10k-images-idx3-ubyte'))}: test images are 1×14×56 \\(channels×height×width\\), ` +
          `but the training images in ${esc(join(dir, 'train-images-idx3-ubyte'))} are 1×28×28`,
      ),
    );
  });

  test('IDX images of 1×1 pixels', () => {
    const dir = idxFolder('tiny', [64, 1, 1], [16, 1, 1]);
    const r = refusedPretrain(`fashion-mnist:${dir}`, join(tmp, 'run-tiny'));
    assert.match(
      r.stderr,
      new RegExp(
        `${esc(join(dir, 'train-images-idx3-ubyte'))}: images are 1×1 \\(height×width\\): expected at least 2×2`,
      ),
    );
  });

  test('an image folder with one image per class (its test split would be empty)', async () => {
    const dir = join(tmp, 'one-each');
    for (const c of ['cat', 'dog']) {
      const p = join(dir, c, '0.png');
      mkdirSync(dirname(p), { recursive: true });
      const px = Buffer.from(Uint8Array.from({ length: 16 * 16 * 3 }, () => rng.int(0, 256)));
      await sharp(px, { raw: { width: 16, height: 16, channels: 3 } })
        .png()
        .toFile(p);
    }
    const r = refusedPretrain(`folder:${dir}`, join(tmp, 'run-one-each'));
    assert.match(
      r.stderr,
      new RegExp(`${esc(dir)}: the test split is empty: .* a class needs at least 3 images to give one to test`),
    );
  });
});

/** Sets every floating tensor of `path` whose name passes `pick` to `value` (NaN), in place (a real safetensors file). */
function poison(path: string, pick: (name: string) => boolean, value = Number.NaN): void {
  tidy(() => {
    const { tensors, metadata } = loadSafetensors(path);
    const out: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(tensors))
      out[name] = pick(name) && isFloating(t.dtype) ? t.clone().fill_(value) : t;
    saveSafetensors(path, out, metadata);
  });
}

describe('specl knn and probe refuse NaN weights, naming the file', () => {
  const run = join(tmp, 'nan-run');
  test('a 2-step run trains', () => {
    const dir = idxFolder('small', [128, 28, 28], [32, 28, 28]);
    const r = specl(
      [
        'pretrain',
        '--dataset',
        `fashion-mnist:${dir}`,
        '--epochs',
        '1',
        '--batch-size',
        '64',
        '--widths',
        '4,8',
        '--no-monitor',
        '--no-evaluate',
        '--no-worker',
        '--out',
        run,
      ],
      LIMIT,
    );
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.ok(existsSync(join(run, 'encoder.safetensors')));
  });

  test('knn on the good run reports every phase on stderr: the dataset, each feature set, each kNN', () => {
    const r = specl(['knn', run, '--k', '5'], LIMIT);
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    // In a log each bar prints a line when it reaches 100 %.
    const lines = r.stderr.split('\n').filter((l) => / 100% /.test(l));
    const phases = lines.map((l) => l.slice(0, l.indexOf(' █')));
    const sets = ['raw pixels', 'random ConvNet', 'spectral ConvNet'];
    assert.deepEqual(phases, [
      `dataset · fashion-mnist:${join(tmp, 'small')}`,
      ...sets.flatMap((s) => [`features · ${s} · train`, `features · ${s} · test`, `kNN · ${s}`]),
    ]);
    assert.ok(existsSync(join(run, 'knn.json')));
  });

  test("knn while another process writes the run: the table on stdout, then the lock's holder; knn.json kept", (t) => {
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600000)'], { stdio: 'ignore' });
    t.after(() => holder.kill('SIGKILL'));
    const lock = join(run, 'lock');
    writeFileSync(lock, JSON.stringify({ pid: holder.pid, host: hostname(), started: new Date().toISOString() }));
    t.after(() => rmSync(lock, { force: true }));
    const before = readFileSync(join(run, 'knn.json'), 'utf8');
    const r = specl(['knn', run, '--k', '5'], LIMIT);
    assert.equal(r.status, 1, `exit ${r.status}\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /raw pixels \(784\)[\s\S]*random ConvNet \(8\)[\s\S]*spectral ConvNet \(8\)/);
    assert.doesNotMatch(r.stdout, /wrote/);
    assert.match(
      r.stderr,
      new RegExp(
        `specl: ${esc(run)}: the run is being written by another process \\(pid ${holder.pid} on .*\\); ` +
          "wait for it to end, or stop it; the evaluation's reports were not written",
      ),
    );
    assert.equal(readFileSync(join(run, 'knn.json'), 'utf8'), before);
  });

  test('knn on NaN encoder.safetensors: the file and how many parameters are NaN; knn.json kept', () => {
    const weights = join(run, 'encoder.safetensors');
    const before = readFileSync(join(run, 'knn.json'), 'utf8');
    poison(weights, (n) => n === 'features.0.weight');
    const r = specl(['knn', run], LIMIT);
    assert.equal(r.status, 1, `exit ${r.status}\n${r.stdout}\n${r.stderr}`);
    // ConvNet [4, 8] on 1 channel: conv 4·1·3·3 = 36, BN 4 + 4, conv 8·4·3·3 = 288, BN 8 + 8: 348 parameters.
    assert.match(
      r.stderr,
      new RegExp(
        `${esc(weights)}: the weights are not finite: 36 NaN of 348 parameters \\(in features\\.0\\.weight\\); ` +
          "such an encoder's features are NaN, so it cannot be evaluated",
      ),
    );
    assert.equal(readFileSync(join(run, 'knn.json'), 'utf8'), before);
  });

  test('knn on finite weights whose features overflow: the weights file, and the features found not finite', () => {
    const weights = join(run, 'encoder.safetensors');
    // 3e38 is a finite float32; the first convolution's sums of 9 such products are not.
    poison(weights, (n) => n === 'features.0.weight', 3e38);
    const r = specl(['knn', run, '--k', '5'], LIMIT);
    assert.equal(r.status, 1, `exit ${r.status}\n${r.stdout}\n${r.stderr}`);
    assert.match(
      r.stderr,
      new RegExp(
        `${esc(weights)}: the weights are finite, but the features they give are not: extractFeatures: features ` +
          'are not finite: 128 of 128 images \\(0–127\\) hold NaN or infinite values',
      ),
    );
  });

  test('probe on a NaN checkpoint (no encoder.safetensors): the checkpoint file, parameters and buffers', () => {
    rmSync(join(run, 'encoder.safetensors'));
    const steps = readdirSync(join(run, 'checkpoints')).filter((s) => s.startsWith('step-'));
    const model = join(run, 'checkpoints', steps.sort().at(-1) as string, 'model.safetensors');
    // Every encoder tensor but the last BatchNorm and the running means: parameters and a buffer.
    poison(
      model,
      (n) => n.startsWith('encoder.') && !n.includes('running_mean') && !n.startsWith('encoder.features.5.'),
    );
    const r = specl(['probe', run], LIMIT);
    assert.equal(r.status, 1, `exit ${r.status}\n${r.stdout}\n${r.stderr}`);
    // NaN: 36 + 4 + 4 + 288 = 332 of the 348 parameters (features.5 is spared), and BN 1's 4 running variances
    // of the 4 + 4 + 8 + 8 = 24 float buffer values.
    assert.match(
      r.stderr,
      new RegExp(
        `${esc(model)}: the weights are not finite: 332 NaN of 348 parameters; 4 NaN or infinite of 24 buffer values ` +
          '\\(in features\\.0\\.weight, features\\.1\\.weight, features\\.1\\.bias and 2 more\\)',
      ),
    );
    assert.equal(existsSync(join(run, 'probe.json')), false);
  });
});
