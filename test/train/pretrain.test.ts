/**
 * The trainer end to end on a small slice of real MNIST: the run folder, exact
 * resume (after an AbortSignal and after SIGKILL of a child process), the NaN
 * guard, checkpoints that survive a kill, and bad settings.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { LabeledDataset } from '../../src/data/index.ts';
import { ConvNet, saveModule } from '../../src/nn/index.ts';
import { Generator, loadSafetensors, tidy } from '../../src/tensor/index.ts';
import {
  latestCheckpoint,
  loadRunEncoder,
  type PretrainEvent,
  type PretrainSettings,
  pretrain,
  type RunControl,
  RunFolder,
  resume,
} from '../../src/train/index.ts';
import { assertClose } from '../helpers/close.ts';
import { SMALL_RUN, smallMnist } from './fixtures/small-mnist.ts';

const root = new URL('../..', import.meta.url).pathname;
let dir: string;
let data: LabeledDataset;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'specl-pretrain-'));
  data = smallMnist();
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
  for (const s of [data.train, data.test]) {
    s.images.dispose();
    s.labels.dispose();
  }
});

/** Largest |a − b| over every tensor of two safetensors files with the same keys. */
function maxDiff(a: string, b: string): number {
  return tidy(() => {
    const ta = loadSafetensors(a).tensors;
    const tb = loadSafetensors(b).tensors;
    assert.deepEqual(Object.keys(ta).sort(), Object.keys(tb).sort());
    let worst = 0;
    for (const [k, t] of Object.entries(ta)) {
      const u = tb[k];
      assert.ok(u, k);
      if (t.dtype === 'int64') continue; // BN batch counters
      worst = Math.max(worst, t.to('float64').sub(u.to('float64')).abs().max().item());
    }
    return worst;
  });
}

async function run(out: string, settings: PretrainSettings = {}, control: RunControl = {}) {
  const events: PretrainEvent[] = [];
  const onEvent = (e: PretrainEvent) => {
    events.push(e);
    control.onEvent?.(e);
  };
  const r = await pretrain({ settings: { ...SMALL_RUN, ...settings }, data, out, signal: control.signal, onEvent });
  r.encoder.dispose();
  r.method.dispose();
  return { r, events };
}

async function resumeRun(out: string) {
  const events: PretrainEvent[] = [];
  const r = await resume(out, { data, onEvent: (e) => events.push(e) });
  r.encoder.dispose();
  r.method.dispose();
  return { r, events };
}

let reference: string;

describe('pretrain', () => {
  test('writes a complete run folder: config with the seed, metrics per step and epoch, checkpoint, encoder, summary', async () => {
    reference = join(dir, 'reference');
    const { r, events } = await run(reference);
    assert.equal(r.interrupted, false);
    const folder = new RunFolder(reference);
    const config = folder.readConfig<{ seed: number; method: { name: string; mu: number }; epochs: number }>();
    assert.equal(config.seed, 5);
    assert.equal(config.method.name, 'spectral');
    assert.equal(config.method.mu, 1);
    const metrics = folder.readMetrics();
    const steps = metrics.filter((l) => l.type === 'step');
    const epochs = metrics.filter((l) => l.type === 'epoch');
    assert.equal(steps.length, 16, '1024 images, batch 128, 2 epochs, a line every step');
    assert.deepEqual(
      steps.map((l) => l.step),
      Array.from({ length: 16 }, (_, i) => i + 1),
    );
    assert.equal(epochs.length, 2);
    for (const e of epochs) {
      assert.ok(typeof e.knn === 'number' && e.knn > 0.3, `kNN monitor ${e.knn}`);
      assert.ok(typeof e.spread === 'number' && e.spread > 0.1, `spread ${e.spread}`);
    }
    assert.ok(existsSync(join(reference, 'encoder.safetensors')));
    const summary = JSON.parse(readFileSync(folder.summaryPath, 'utf8'));
    assert.equal(summary.steps, 16);
    assert.equal(summary.epochs, 2);
    assert.ok(Number.isFinite(summary.finalLoss));
    assert.ok(latestCheckpoint(folder.checkpointsDir));
    assert.ok(events.some((e) => e.type === 'checkpoint'));
    // The loss falls: spectral pretraining does something.
    const first = steps[0]?.loss as number;
    const last = steps[steps.length - 1]?.loss as number;
    assert.ok(last < first, `loss ${first} → ${last}`);
  });

  test('a run stopped by its AbortSignal resumes to the same weights as an uninterrupted one', async () => {
    const out = join(dir, 'aborted');
    const controller = new AbortController();
    const { r } = await run(
      out,
      {},
      {
        signal: controller.signal,
        onEvent: (e) => {
          if (e.type === 'step' && e.step === 5) controller.abort();
        },
      },
    );
    assert.equal(r.interrupted, true);
    assert.equal(r.summary, null);
    assert.ok(!existsSync(join(out, 'encoder.safetensors')));
    const partial = loadRunEncoder(out);
    assert.match(partial.weights, /step-0000005/);
    partial.encoder.dispose();
    const { r: resumed, events } = await resumeRun(out);
    assert.equal(resumed.interrupted, false);
    const start = events.find((e) => e.type === 'start');
    assert.equal(start?.type === 'start' ? start.resumedAt : null, 5);
    assert.ok(maxDiff(join(out, 'encoder.safetensors'), join(reference, 'encoder.safetensors')) <= 1e-6);
    const steps = new RunFolder(out).readMetrics().filter((l) => l.type === 'step');
    assert.deepEqual(
      steps.map((l) => l.step),
      Array.from({ length: 16 }, (_, i) => i + 1),
      'metrics have each step once',
    );
  });

  for (const method of ['spectral', 'barlowtwins', 'vicreg'] as const) {
    test(`${method}: a child process killed with SIGKILL mid-epoch resumes to the same weights`, async () => {
      const out = join(dir, `killed-${method}`);
      let expected = reference;
      if (method !== 'spectral') {
        expected = join(dir, `uninterrupted-${method}`);
        await run(expected, { method });
      }
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join(root, 'test/train/fixtures/pretrain-child.ts'), out, 'fresh', method],
        {
          cwd: root,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr.on('data', (d) => {
        stderr += d;
      });
      const killedAt = await new Promise<number>((resolve, reject) => {
        let buf = '';
        child.stdout.on('data', (d) => {
          buf += d;
          const m = /step (\d+)\n/.exec(buf.split('\n').slice(-2).join('\n'));
          const step = m ? Number(m[1]) : 0;
          if (step >= 11) {
            child.kill('SIGKILL');
            resolve(step);
          }
        });
        child.on('exit', (code, signal) => {
          if (signal !== 'SIGKILL') reject(new Error(`child ended (${code}) before the kill: ${stderr}`));
        });
      });
      assert.ok(killedAt >= 11 && killedAt < 16);
      assert.ok(!existsSync(join(out, 'summary.json')));
      const resumed = await new Promise<string>((resolve, reject) => {
        const c = spawn(
          process.execPath,
          ['--import', 'tsx', join(root, 'test/train/fixtures/pretrain-child.ts'), out, 'resume', method],
          {
            cwd: root,
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        let o = '';
        let e = '';
        c.stdout.on('data', (d) => {
          o += d;
        });
        c.stderr.on('data', (d) => {
          e += d;
        });
        c.on('exit', (code) => (code === 0 ? resolve(o) : reject(new Error(`resume failed (${code}): ${e}`))));
      });
      const at = Number(/resumed (\d+)/.exec(resumed)?.[1]);
      assert.ok(at >= 8 && at <= killedAt, `resumed at ${at}, killed at ${killedAt}`);
      assert.ok(maxDiff(join(out, 'encoder.safetensors'), join(expected, 'encoder.safetensors')) <= 1e-6);
    });
  }

  test('a NaN loss stops the run with a clear error and keeps the last good checkpoint', async () => {
    const out = join(dir, 'nan');
    await assert.rejects(
      run(out, { optimizer: { lr: 1e12 }, epochs: 4 }),
      (e: Error) =>
        /loss became (NaN|Infinity|-Infinity) at step \d+/.test(e.message) && /Lower the learning rate/.test(e.message),
    );
    const metrics = new RunFolder(out).readMetrics();
    assert.ok(metrics.some((l) => l.type === 'event' && l.event === 'nan'));
    const good = latestCheckpoint(join(out, 'checkpoints'));
    if (good) {
      const loaded = loadRunEncoder(out);
      const finite = tidy(() =>
        Object.values(loaded.encoder.stateDict()).every((t) => t.isfinite().all().item() === 1),
      );
      loaded.encoder.dispose();
      assert.ok(finite, 'the kept checkpoint holds finite weights');
    }
  });

  test('a torn checkpoint write leaves the previous checkpoint the latest, and loadable', () => {
    const ck = join(reference, 'checkpoints');
    const before = latestCheckpoint(ck);
    assert.ok(before);
    // What a crash mid-save leaves: a newer folder with a half-written model file and no pointer update.
    const torn = join(ck, 'step-0000099');
    mkdirSync(torn, { recursive: true });
    writeFileSync(join(torn, 'model.safetensors'), Buffer.alloc(100, 7));
    assert.equal(latestCheckpoint(ck), before);
    const loaded = loadRunEncoder(join(reference, 'checkpoints', '..'));
    loaded.encoder.dispose();
    rmSync(torn, { recursive: true });
  });

  test('a time budget is planned from the measured pace and the run ends inside it', async () => {
    const budget = 0.15 * 60;
    const { r, events } = await run(join(dir, 'budget'), { epochs: null, minutes: 0.15 });
    const plans = events.filter((e) => e.type === 'plan');
    assert.ok(plans.length >= 1, 'a plan after the first measured steps');
    const last = plans[plans.length - 1];
    const s = r.summary;
    assert.ok(s && last?.type === 'plan');
    assert.ok(s.steps === last.totalSteps || s.seconds > budget, `${s.steps} steps vs plan ${last.totalSteps}`);
    assert.ok(s.seconds <= budget * 1.1, `trained ${s.seconds.toFixed(1)} s for a ${budget} s budget`);
    assert.ok(s.seconds >= budget * 0.6, `stopped early: ${s.seconds.toFixed(1)} s of ${budget} s`);
    assert.equal(new RunFolder(join(dir, 'budget')).readConfig<{ minutes: number; epochs: null }>().epochs, null);
  });

  test("the loss's parts are logged: spectral's part1 + part2 equals its loss at every logged step", () => {
    const steps = new RunFolder(reference).readMetrics().filter((l) => l.type === 'step');
    for (const l of steps) {
      assert.equal(typeof l.part1, 'number', `step ${l.step} logs part1`);
      // μ = 1: loss = (part1 + part2)/μ
      assert.ok(Math.abs((l.part1 as number) + (l.part2 as number) - (l.loss as number)) < 1e-5, `step ${l.step}`);
      assert.ok(
        (l.part1 as number) < 0 && (l.part2 as number) > 0,
        'part1 = −2·mean z1ᵀz2 < 0, part2 a mean of squares',
      );
    }
  });

  test("VICReg's three terms go to metrics.jsonl at the log interval only, and recombine to its loss", async () => {
    const out = join(dir, 'vicreg-logs');
    await run(out, { method: 'vicreg', logEvery: 4, monitor: { enabled: false } });
    const steps = new RunFolder(out).readMetrics().filter((l) => l.type === 'step');
    assert.deepEqual(
      steps.map((l) => l.step),
      [4, 8, 12, 16],
    );
    for (const l of steps) {
      const want = 25 * (l.invariance as number) + 25 * (l.variance as number) + (l.covariance as number);
      assert.ok(Math.abs(want - (l.loss as number)) < 1e-4 * Math.max(1, want), `step ${l.step}: ${want} vs ${l.loss}`);
    }
  });

  test('an lr override is stored once, as the value used: the schedule peaks at it after warm-up', async () => {
    const out = join(dir, 'lr');
    await run(out, { optimizer: { lr: 0.2, warmupFraction: 0.25 }, monitor: { enabled: false } });
    const folder = new RunFolder(out);
    const config = folder.readConfig<Record<string, unknown>>();
    const keys = (o: unknown, p = ''): string[] =>
      o !== null && typeof o === 'object' && !Array.isArray(o)
        ? Object.entries(o).flatMap(([k, v]) => keys(v, `${p}${k}.`))
        : [p.slice(0, -1)];
    const lrKeys = keys(config).filter((k) => /lr|learning|rate|optimizer/i.test(k.split('.').pop() ?? ''));
    assert.deepEqual(lrKeys, ['optimizer.lr'], 'one learning rate in config.json');
    assert.equal((config.optimizer as { lr: number }).lr, 0.2);
    const lrs = folder
      .readMetrics()
      .filter((l) => l.type === 'step')
      .map((l) => l.lr as number);
    // 16 steps, warm-up round(0.25·16) = 4: 0, 0.05, 0.1, 0.15, then the peak 0.2 at step index 4
    assertClose(lrs.slice(0, 5), [0, 0.05, 0.1, 0.15, 0.2], { atol: 1e-12 });
    assert.ok(
      lrs.slice(5).every((x) => x < 0.2),
      'cosine decay after the peak',
    );
  });

  test("a run's own config.json given back as settings reruns it to identical weights", async () => {
    const out = join(dir, 'rerun');
    const config = new RunFolder(reference).readConfig<PretrainSettings>();
    const r = await pretrain({ settings: config, data, out });
    r.encoder.dispose();
    r.method.dispose();
    assert.deepEqual(new RunFolder(out).readConfig(), config, 'the rerun resolves to the same config');
    assert.equal(maxDiff(join(out, 'encoder.safetensors'), join(reference, 'encoder.safetensors')), 0);
  });

  test('bad settings are refused with the field named', async () => {
    await assert.rejects(run(join(dir, 'bad1'), { epochs: 2, minutes: 1 }), /give exactly one of epochs and minutes/);
    await assert.rejects(run(join(dir, 'bad2'), { batchSize: 1 }), /pretrain: batchSize must be an integer ≥ 2, got 1/);
    await assert.rejects(
      run(join(dir, 'bad2b'), { batchSize: '128' as unknown as number }),
      /pretrain: batchSize must be an integer ≥ 2, got "128" \(a string\)/,
    );
    await assert.rejects(
      run(join(dir, 'bad3'), { optimizer: { lr: -1 } }),
      /pretrain: optimizer.lr must be a finite number > 0, got -1/,
    );
    await assert.rejects(
      run(join(dir, 'bad4'), { method: 'barlow' as 'spectral' }),
      /method.name must be one of .*"barlow"/,
    );
    await assert.rejects(run(reference), /already holds a run/);
    await assert.rejects(resumeRun(join(dir, 'none')), /not a specl run folder/);
    await assert.rejects(
      run(join(dir, 'bad5'), { encoder: { widths: [16, -2] } }),
      /pretrain: encoder.widths must be a non-empty list of positive integers, or null, got \[16,-2\]/,
    );
    await assert.rejects(
      run(join(dir, 'bad6'), { encoder: { name: 'resnet18', widths: [16] } }),
      /encoder.widths is only for the ConvNet/,
    );
    await assert.rejects(
      run(join(dir, 'bad7'), { method: { name: 'spectral', mu: 0 } }),
      /pretrain: method.mu must be a finite number > 0, got 0/,
    );
    await assert.rejects(
      run(join(dir, 'bad8'), { optimizer: { lr: 0.1, weightDecy: 0 } } as PretrainSettings),
      /unknown option 'optimizer.weightDecy' \(did you mean 'optimizer.weightDecay'\?\)/,
    );
    for (const b of ['bad1', 'bad2', 'bad3', 'bad5', 'bad7', 'bad8'])
      assert.ok(!existsSync(join(dir, b)), `${b}: a refused start leaves no run folder`);
  });

  test("a run folder written before config.json recorded the ConvNet's widths loads as [32, 64, 128]", () => {
    const old = join(dir, 'unrecorded-widths');
    mkdirSync(old);
    const config = JSON.parse(readFileSync(join(reference, 'config.json'), 'utf8'));
    assert.ok(Array.isArray(config.encoder.widths), 'new runs record their widths');
    // what specl wrote then: version 1, the recipe repeated in the method, no widths, monitor null
    delete config.encoder.widths;
    delete config.evaluate;
    Object.assign(config, { version: 1, monitor: null });
    Object.assign(config.method, { optimizer: 'sgd', baseLr: 0.03, weightDecay: 5e-4, optimizerMomentum: 0.9 });
    writeFileSync(join(old, 'config.json'), JSON.stringify(config));
    const net = new ConvNet({ widths: [32, 64, 128], generator: new Generator(1) });
    saveModule(join(old, 'encoder.safetensors'), net);
    net.dispose();
    const loaded = loadRunEncoder(old);
    assert.equal(loaded.encoder.featureDim, 128);
    assert.deepEqual(loaded.config.encoder.widths, [32, 64, 128]);
    assert.deepEqual(loaded.config.method, { name: 'spectral', mu: 1, hiddenDim: 512, outDim: 128 });
    assert.equal(loaded.config.monitor.enabled, false);
    assert.equal(loaded.config.version, 2);
    loaded.encoder.dispose();
  });
});
