/**
 * SAM in the trainer, on a small slice of real MNIST with a narrow ConvNet:
 * one rwSAM step of the trainer equals the step written out here (weighted
 * ascent, unweighted descent at w + ε, weights and BatchNorm statistics put
 * back, then SGD); a run with sam.rho > 0 (ASAM with rwSAM's weights) trains, writes its sam
 * settings into config.json and the loss at w + ε into metrics.jsonl, takes
 * another path than a plain run (and than SAM without the weights), and a
 * stop + resume reproduces the uninterrupted run's weights; `--set sam.rho=…`
 * reaches the config; bad settings are refused with the field named before
 * any file is written; a run folder from before the sam settings loads with
 * SAM off.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { presetFromName, type ViewBatch, ViewLoader } from '../../src/augment/index.ts';
import type { LabeledDataset } from '../../src/data/index.ts';
import { saveModule } from '../../src/nn/index.ts';
import { holdBuffers, inverseDensityWeights, perturbWeights, samParameters } from '../../src/optim/index.ts';
import { type Tensor, tidy } from '../../src/tensor/index.ts';
import {
  buildRunParts,
  loadRunConfig,
  type PretrainEvent,
  type PretrainSettings,
  pretrain,
  RunFolder,
  resume,
} from '../../src/train/index.ts';
import { specl } from '../helpers/cli.ts';
import { maxDiff } from '../helpers/safetensors-diff.ts';
import { SMALL_RUN, smallMnist } from './fixtures/small-mnist.ts';

let dir: string;
let data: LabeledDataset;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'specl-sam-'));
  data = smallMnist(512, 256);
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
  for (const s of [data.train, data.test]) {
    s.images.dispose();
    s.labels.dispose();
  }
});

/** 8 steps (512 images, batch 64, 1 epoch) of spectral on a narrow ConvNet, no monitor. */
const BASE: PretrainSettings = {
  ...SMALL_RUN,
  batchSize: 64,
  epochs: 1,
  encoder: { widths: [8, 16, 32] },
  monitor: { enabled: false },
};
/** ASAM (ρ = 0.5, as Kwon et al. use with SGD) with rwSAM's inverse-density weights in the ascent step. */
const RWSAM = { rho: 0.5, adaptive: true, reweight: 'kde' as const };

async function run(out: string, settings: PretrainSettings, abortAt?: number) {
  const controller = new AbortController();
  const r = await pretrain({
    settings: { ...BASE, ...settings },
    data,
    out,
    signal: controller.signal,
    onEvent: (e: PretrainEvent) => {
      if (e.type === 'step' && e.step === abortAt) controller.abort();
    },
  });
  r.encoder.dispose();
  r.method.dispose();
  return r;
}

const encoderOf = (out: string) => join(out, 'encoder.safetensors');

let reference: string;

describe('SAM in the trainer', () => {
  test('a run with sam.rho > 0 trains, records sam in config.json and the loss at w + ε in metrics.jsonl', async () => {
    reference = join(dir, 'rwsam');
    const r = await run(reference, { sam: RWSAM });
    assert.equal(r.interrupted, false);
    const config = new RunFolder(reference).readConfig<{ sam: unknown }>();
    assert.deepEqual(config.sam, { rho: 0.5, adaptive: true, eta: 0.01, reweight: 'kde', bandwidth: null });
    const steps = new RunFolder(reference).readMetrics().filter((l) => l.type === 'step');
    assert.equal(steps.length, 8);
    for (const l of steps) {
      assert.ok(Number.isFinite(l.loss) && Number.isFinite(l.samLoss), `step ${l.step}: ${l.loss}, ${l.samLoss}`);
      assert.notEqual(l.samLoss, l.loss, 'the second pass is at other weights (and unweighted)');
    }
    assert.ok(Number.isFinite(r.summary?.finalLoss));
    // The same run with SAM off (ρ = 0 turns the other sam settings off too), and SAM without the weights,
    // end elsewhere: the perturbation and the weights both reach the step.
    const plain = join(dir, 'plain');
    await run(plain, { sam: { rho: 0, reweight: 'kde' } });
    assert.ok(!new RunFolder(plain).readMetrics().some((l) => l.type === 'step' && 'samLoss' in l));
    const unweighted = join(dir, 'asam');
    await run(unweighted, { sam: { rho: 0.5, adaptive: true } });
    for (const other of [plain, unweighted]) {
      const d = maxDiff(encoderOf(reference), encoderOf(other));
      assert.ok(d > 1e-4, `${other}: the encoder differs from the rwSAM run's by ${d}`);
    }
  });

  test("one step of the trainer is rwSAM's step written out: weighted ascent, unweighted descent at w + ε, w and BN statistics back, SGD", async () => {
    // 64 images, batch 64, 1 epoch: a single step, on the loader's first batch
    const one = smallMnist(64, 256);
    const out = join(dir, 'one-step');
    const settings = { ...BASE, sam: RWSAM, worker: false };
    const r = await pretrain({ settings, data: one, out });
    r.encoder.dispose();
    r.method.dispose();
    const config = loadRunConfig(out);
    const lr = new RunFolder(out).readMetrics().find((l) => l.type === 'step')?.lr as number;
    const pipeline = presetFromName(config.augment.preset, { ...config.augment, sigma: undefined, size: 28 });
    const loader = new ViewLoader({
      data: { images: one.train.images },
      pipeline,
      batchSize: 64,
      views: 2,
      seed: config.seed,
      worker: false,
    });
    const batch = (await loader.epoch(0).next()).value as ViewBatch;
    /** The step by hand from step 0's parts; `descentWeighted` is the wrong variant, as a control. */
    const byHand = (descentWeighted: boolean): string => {
      const parts = buildRunParts(config, 10);
      const { encoder, method, optimizer } = parts;
      encoder.train();
      method.heads.train();
      optimizer.setLr(lr);
      const weights = (f: Tensor) => inverseDensityWeights(f);
      const ctx = { step: 0, totalSteps: 1 };
      tidy(() => {
        method.forward(encoder, { views: batch.views, labels: null, weights }, ctx).loss.backward();
        const perturbed = perturbWeights(samParameters(encoder, method.heads), config.sam);
        const stats = holdBuffers([...encoder.namedBuffers(), ...method.heads.namedBuffers()].map(([, t]) => t));
        optimizer.zeroGrad();
        method
          .forward(encoder, { views: batch.views, labels: null, weights: descentWeighted ? weights : null }, ctx)
          .loss.backward();
        perturbed.restore();
        stats.restore();
        optimizer.step();
      });
      const path = join(dir, `one-step-by-hand-${descentWeighted}.safetensors`);
      saveModule(path, encoder);
      encoder.dispose();
      method.dispose();
      optimizer.dispose();
      return path;
    };
    const right = byHand(false);
    const wrong = byHand(true);
    batch.dispose();
    await loader.close();
    for (const s of [one.train, one.test]) for (const t of [s.images, s.labels]) t.dispose();
    // BatchNorm's counters included: the second pass must leave them as the first did
    assert.ok(maxDiff(encoderOf(out), right, { counters: true }) <= 1e-6);
    const control = maxDiff(encoderOf(out), wrong);
    assert.ok(control > 1e-5, `a weighted descent would give other weights (${control})`);
  });

  test('a rwSAM run stopped after step 3 resumes to the weights of the uninterrupted run', async () => {
    const out = join(dir, 'stopped');
    const stopped = await run(out, { sam: RWSAM }, 3);
    assert.equal(stopped.interrupted, true);
    const events: PretrainEvent[] = [];
    const r = await resume(out, { data, onEvent: (e) => events.push(e) });
    r.encoder.dispose();
    r.method.dispose();
    const start = events.find((e) => e.type === 'start');
    assert.equal(start?.type === 'start' ? start.resumedAt : null, 3);
    assert.ok(maxDiff(encoderOf(out), encoderOf(reference)) <= 1e-6);
    const steps = new RunFolder(out).readMetrics().filter((l) => l.type === 'step');
    assert.deepEqual(
      steps.map((l) => l.step),
      [1, 2, 3, 4, 5, 6, 7, 8],
    );
  });

  test('a run folder written before the sam settings loads (and resumes) with SAM off', () => {
    const old = join(dir, 'old');
    cpSync(reference, old, { recursive: true });
    const path = join(old, 'config.json');
    const raw = JSON.parse(readFileSync(path, 'utf8'));
    delete raw.sam;
    writeFileSync(path, JSON.stringify(raw));
    const config = loadRunConfig(old, { complete: true });
    assert.deepEqual(config.sam, { rho: 0, adaptive: false, eta: 0.01, reweight: null, bandwidth: null });
  });

  test('bad sam settings are refused with the field named, before any file is written', async () => {
    const cases: [PretrainSettings, RegExp][] = [
      [{ sam: { rho: -0.1 } }, /pretrain: sam\.rho must be a finite number ≥ 0, got -0\.1/],
      [
        { method: 'byol', sam: { rho: 0.05, reweight: 'kde' } },
        /pretrain: sam\.reweight 'kde' \(rwSAM\) weights each example's loss, but byol's loss takes no per-example weights; methods whose loss does: spectral, simsiam, supervised/,
      ],
      [{ method: 'simclr', sam: { reweight: 'kde' } }, /sam\.reweight .*simclr's loss takes no per-example weights/],
      [{ sam: { rho: 0.05, reweight: 'gauss' as never } }, /sam\.reweight must be one of "kde", or null, got "gauss"/],
      [{ sam: { rho: 0.05, bandwidth: 0 } }, /sam\.bandwidth must be a finite number > 0, or null, got 0/],
      [{ sam: { rho: 0.05, adaptive: 'yes' as never } }, /sam\.adaptive must be true or false/],
    ];
    for (const [i, [settings, message]] of cases.entries()) {
      const out = join(dir, `bad-${i}`);
      await assert.rejects(run(out, settings), message);
      assert.ok(!existsSync(out), `${out} was not created`);
    }
  });

  test('--set sam.rho=0.05 (and the other sam keys) reach the resolved config; --set sam.rho=-1 is refused', () => {
    const r = specl([
      'pretrain',
      '--set',
      'sam.rho=0.05',
      '--set',
      'sam.reweight=kde',
      '--set',
      'sam.bandwidth=0.5',
      '--print-config',
    ]);
    assert.equal(r.status, 0, r.stderr);
    const config = parse(r.stdout) as { sam: unknown };
    assert.deepEqual(config.sam, { rho: 0.05, adaptive: false, eta: 0.01, reweight: 'kde', bandwidth: 0.5 });
    const bad = specl(['pretrain', '--set', 'sam.rho=-1', '--print-config']);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /sam\.rho must be a finite number ≥ 0, got -1/);
  });
});
