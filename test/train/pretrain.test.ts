/**
 * The trainer end to end on a small slice of real MNIST: the run folder, exact
 * resume (after an AbortSignal and after SIGKILL of a child process), the NaN
 * guard, checkpoints that survive a kill, and bad settings.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { presetFromName } from '../../src/augment/index.ts';
import type { LabeledDataset } from '../../src/data/index.ts';
import { knnMonitor } from '../../src/eval/index.ts';
import { ConvNet, type ImageEncoder, saveModule } from '../../src/nn/index.ts';
import { Generator, tidy } from '../../src/tensor/index.ts';
import {
  buildRunParts,
  findLatestCheckpoint,
  latestCheckpoint,
  loadCheckpoint,
  loadRunConfig,
  loadRunEncoder,
  type PretrainEvent,
  type PretrainSettings,
  plannedSteps,
  pretrain,
  type RunControl,
  RunFolder,
  type RunParts,
  resume,
  saveCheckpoint,
} from '../../src/train/index.ts';
import { assertClose } from '../helpers/close.ts';
import { maxDiff } from '../helpers/safetensors-diff.ts';
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

/** Every float tensor of the encoder's state, copied out as float64 values. */
function weightsOf(encoder: ImageEncoder): Map<string, Float64Array> {
  return tidy(() => {
    const out = new Map<string, Float64Array>();
    for (const [k, t] of Object.entries(encoder.stateDict()))
      if (t.dtype !== 'int64') out.set(k, Float64Array.from(t.to('float64').data() as Float64Array));
    return out;
  });
}

/** Largest |a − b| over two weight maps with the same keys. */
function weightsDiff(a: Map<string, Float64Array>, b: Map<string, Float64Array>): number {
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
  let worst = 0;
  for (const [k, x] of a) {
    const y = b.get(k) as Float64Array;
    assert.equal(x.length, y.length, k);
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs((x[i] as number) - (y[i] as number)));
  }
  return worst;
}

const disposeParts = (p: RunParts) => {
  p.encoder.dispose();
  p.method.dispose();
  p.optimizer.dispose();
};

async function run(out: string, settings: PretrainSettings = {}, control: RunControl = {}) {
  const events: PretrainEvent[] = [];
  const onEvent = (e: PretrainEvent) => {
    events.push(e);
    control.onEvent?.(e);
  };
  const r = await pretrain({ settings: { ...SMALL_RUN, ...settings }, data, out, signal: control.signal, onEvent });
  // the weights as they are in memory at the end: an independent record of what the last checkpoint saved
  const weights = weightsOf(r.encoder);
  r.encoder.dispose();
  r.method.dispose();
  return { r, events, weights };
}

async function resumeRun(out: string) {
  const events: PretrainEvent[] = [];
  const r = await resume(out, { data, onEvent: (e) => events.push(e) });
  r.encoder.dispose();
  r.method.dispose();
  return { r, events };
}

let reference: string;
/** The run `aborted` as it stood after step 5 (copied before its resume), and its encoder's weights then. */
let abortedAt5: string;
let weightsAt5: Map<string, Float64Array>;

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

  test('control: the trained encoder and heads beat the same ones at step 0 on one fixed batch, and their weights moved', (t) => {
    // A trainer that did nothing would pass the kNN and spread floors above (a random ConvNet's features are
    // good for kNN on MNIST); it cannot pass this. Step 0 is rebuilt from config.json (same seed).
    const config = loadRunConfig(reference);
    const initial = buildRunParts(config, data.classes.length);
    const trained = buildRunParts(config, data.classes.length);
    try {
      const at = loadCheckpoint(latestCheckpoint(join(reference, 'checkpoints')) as string, trained);
      assert.equal(at.step, 16);
      const pipeline = presetFromName(config.augment.preset, { ...config.augment, size: 28 });
      const lossOf = (p: RunParts) =>
        tidy(() => {
          p.encoder.train();
          p.method.heads.train();
          const views = pipeline.views(data.test.images.narrow(0, 0, 256), new Generator(99), 2);
          return p.method.forward(p.encoder, { views, labels: null }, { step: 16, totalSteps: 16 }).loss.item();
        });
      const before = lossOf(initial);
      const after = lossOf(trained);
      const moved = weightsDiff(weightsOf(initial.encoder), weightsOf(trained.encoder));
      const monitor = knnMonitor(data, config.monitor, config.augment, config.seed);
      const knn0 = monitor(initial.encoder);
      const knn16 = monitor(trained.encoder);
      monitor.dispose();
      t.diagnostic(
        `fixed-batch loss ${before.toFixed(4)} at step 0 → ${after.toFixed(4)} at step 16; kNN ${knn0} → ${knn16}; largest weight change ${moved.toExponential(2)}`,
      );
      assert.ok(moved > 1e-3, `the encoder's weights moved (${moved})`);
      // spectral loss: −2·E[z1ᵀz2] + E[(z1ᵀz2′)²]; 16 steps take it well below its value at step 0
      assert.ok(after < before - 0.1 * Math.abs(before), `fixed-batch loss ${before} → ${after}`);
    } finally {
      disposeParts(initial);
      disposeParts(trained);
    }
  });

  test('a run stopped by its AbortSignal resumes to the same weights as an uninterrupted one', async () => {
    const out = join(dir, 'aborted');
    const controller = new AbortController();
    const { r, weights } = await run(
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
    abortedAt5 = join(dir, 'aborted-at-5');
    cpSync(out, abortedAt5, { recursive: true });
    weightsAt5 = weights;
    const { r: resumed, events } = await resumeRun(out);
    assert.equal(resumed.interrupted, false);
    const start = events.find((e) => e.type === 'start');
    assert.equal(start?.type === 'start' ? start.resumedAt : null, 5);
    assert.deepEqual(start?.type === 'start' ? start.notices : null, [], 'a clean resume repairs nothing');
    assert.ok(maxDiff(join(out, 'encoder.safetensors'), join(reference, 'encoder.safetensors')) <= 1e-6);
    const steps = new RunFolder(out).readMetrics().filter((l) => l.type === 'step');
    assert.deepEqual(
      steps.map((l) => l.step),
      Array.from({ length: 16 }, (_, i) => i + 1),
      'metrics have each step once',
    );
  });

  test('a resume at the final step (killed after its checkpoint, before the summary) sweeps what an old sweep left', async () => {
    // A kill during the final checkpoint's sweep leaves an older folder half deleted and a temporary
    // folder; the resumed run writes no checkpoint (it is at its last step), so resume must remove them.
    const out = join(dir, 'final-step');
    cpSync(reference, out, { recursive: true });
    for (const f of ['summary.json', 'encoder.safetensors']) rmSync(join(out, f));
    const ck = join(out, 'checkpoints');
    mkdirSync(join(ck, 'step-0000008'));
    cpSync(join(ck, 'step-0000016', 'model.safetensors'), join(ck, 'step-0000008', 'model.safetensors'));
    mkdirSync(join(ck, '.step-0000012.4242.0a0b0c0d0e0f.tmp'));
    writeFileSync(join(ck, '.latest.json.4242.0a0b0c0d0e0f.tmp'), '{"checkp');
    const { r, events } = await resumeRun(out);
    assert.equal(r.interrupted, false);
    const start = events.find((e) => e.type === 'start');
    assert.equal(start?.type === 'start' ? start.resumedAt : null, 16);
    assert.deepEqual(readdirSync(ck).sort(), ['latest.json', 'step-0000016']);
    assert.ok(existsSync(join(out, 'summary.json')));
    assert.equal(maxDiff(join(out, 'encoder.safetensors'), join(reference, 'encoder.safetensors')), 0);
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
      await new Promise((resolve) =>
        child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.on('exit', resolve),
      );
      // The killed process could not remove its lock: the resume must take it over (it is dead), not refuse.
      const lock = JSON.parse(readFileSync(join(out, 'lock'), 'utf8'));
      assert.equal(lock.pid, child.pid);
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
      const taken = new RunFolder(out).readMetrics().filter((l) => l.event === 'lock-taken-over');
      assert.deepEqual(
        taken.map((l) => l.pid),
        [child.pid],
        'the stale lock taken over, and logged',
      );
      assert.ok(!existsSync(join(out, 'lock')), 'the resume released its lock');
      assert.ok(maxDiff(join(out, 'encoder.safetensors'), join(expected, 'encoder.safetensors')) <= 1e-6);
    });
  }

  test('a NaN loss stops the run with a clear error and keeps the last good checkpoint', async () => {
    const out = join(dir, 'nan');
    // A checkpoint after every step (checkpointSeconds ≈ 0): the step before the NaN always has one.
    await assert.rejects(
      run(out, { optimizer: { lr: 1e12 }, epochs: 4, checkpointSeconds: 1e-9, monitor: { enabled: false } }),
      (e: Error) =>
        /loss became (NaN|Infinity|-Infinity) at step \d+/.test(e.message) &&
        /the last checkpoint before it is kept in .*step-\d{7}/.test(e.message) &&
        /Lower the learning rate/.test(e.message),
    );
    const metrics = new RunFolder(out).readMetrics();
    const nan = metrics.find((l) => l.type === 'event' && l.event === 'nan');
    assert.ok(nan, 'a nan event');
    const good = findLatestCheckpoint(join(out, 'checkpoints'));
    assert.ok(good, 'a checkpoint is kept');
    assert.equal(good.recovered, null);
    assert.equal(good.step, nan.step, 'the checkpoint of the step just before the NaN');
    const loaded = loadRunEncoder(out);
    assert.equal(loaded.weights, join(good.path, 'model.safetensors'));
    const finite = tidy(() => Object.values(loaded.encoder.stateDict()).every((t) => t.isfinite().all().item() === 1));
    loaded.encoder.dispose();
    assert.ok(finite, 'the kept checkpoint holds finite weights');
  });

  test('a torn checkpoint write leaves the previous checkpoint the latest, and it loads to the weights saved at its step', () => {
    const ck = join(abortedAt5, 'checkpoints');
    const five = join(ck, 'step-0000005');
    assert.equal(latestCheckpoint(ck), five);
    const config = loadRunConfig(abortedAt5);
    const parts = buildRunParts(config, data.classes.length);
    try {
      const pos = loadCheckpoint(five, parts);
      // A real write of step 6 torn after both safetensors files: trainer.json cannot be written.
      assert.throws(() => saveCheckpoint(ck, parts, { ...pos, step: 6, images: 1n as unknown as number }), /BigInt/);
    } finally {
      disposeParts(parts);
    }
    // What crashes at other instants leave: a step folder without trainer.json and a truncated model (the
    // old in-place writer), a half-written folder under its temporary name, a half-written pointer.
    mkdirSync(join(ck, 'step-0000007'));
    writeFileSync(join(ck, 'step-0000007', 'model.safetensors'), readFileSync(join(five, 'model.safetensors')));
    truncateSync(join(ck, 'step-0000007', 'model.safetensors'), 4096);
    mkdirSync(join(ck, '.step-0000008.4242.abcdef.tmp'));
    writeFileSync(join(ck, '.step-0000008.4242.abcdef.tmp', 'model.safetensors'), Buffer.alloc(100, 7));
    writeFileSync(join(ck, '.latest.json.4242.abcdef.tmp'), '{"checkpoint": "step-00');
    const found = findLatestCheckpoint(ck);
    assert.equal(found?.path, five);
    assert.equal(found.recovered, null, 'latest.json still names step 5');
    const fresh = buildRunParts(config, data.classes.length);
    try {
      const pos = loadCheckpoint(found.path, fresh);
      assert.equal(pos.step, 5);
      assert.equal(weightsDiff(weightsOf(fresh.encoder), weightsAt5), 0, 'the weights the run held at step 5');
    } finally {
      disposeParts(fresh);
    }
  });

  test('plannedSteps: the steps done plus those that fit in the rest of the budget, at least one more', () => {
    // 8.5 s budget, 0.5 s a step (values exact in binary): 3.25 s spent at step 9 leaves ⌊5.25 / 0.5⌋ = 10 more
    assert.equal(plannedSteps(8.5, 9, 3.25, 0.5), 19);
    assert.equal(plannedSteps(8.5, 9, 3.5, 0.5), 19, '⌊5 / 0.5⌋ = 10');
    assert.equal(plannedSteps(8.5, 9, 3.75, 0.5), 18, '⌊4.75 / 0.5⌋ = 9');
    assert.equal(plannedSteps(8.5, 9, 8.25, 0.5), 10, 'too little left for a whole step: one more');
    assert.equal(plannedSteps(8.5, 9, 12, 0.5), 10, 'over budget already: one more');
  });

  test('a time budget: the plan follows from the measured pace, and the run stops at the plan or at the first step past the budget', async (t) => {
    // Wall time is not asserted (a loaded machine is slow); the plan's arithmetic and the stopping rule are.
    const budget = 0.15 * 60;
    const out = join(dir, 'budget');
    const { r } = await run(out, { epochs: null, minutes: 0.15 });
    const s = r.summary;
    assert.ok(s);
    const lines = new RunFolder(out).readMetrics();
    const steps = lines.filter((l) => l.type === 'step');
    assert.deepEqual(
      steps.map((l) => l.step),
      Array.from({ length: s.steps }, (_, i) => i + 1),
      'a line for each step, once',
    );
    const secondsAt = (step: number) => steps[step - 1]?.seconds as number;
    type PlanLine = { step: number; totalSteps: number; secondsPerStep: number };
    const plans = lines.filter((l) => l.event === 'plan') as unknown as PlanLine[];
    // 8 steps per epoch: the pace is measured over steps 2…9 (the first pays for warm-up) and planned at step 9
    const planAt = 8;
    if (plans.length > 0) {
      const first = plans[0] as PlanLine;
      assert.equal(first.step, planAt + 1);
      const perStep = (secondsAt(planAt + 1) - secondsAt(1)) / planAt;
      assert.equal(first.secondsPerStep, perStep);
      // 10 % of the budget is kept for the per-epoch monitor
      const want = Math.max(planAt + 2, Math.floor((budget * 0.9 - secondsAt(planAt + 1)) / perStep) + planAt + 1);
      assert.equal(first.totalSteps, want);
      for (const p of plans.slice(1)) {
        // an epoch-end re-plan: the rest of the budget (98 %) at the pace measured since step 1
        assert.equal(p.step % 8, 0, 're-planned at an epoch end');
        const at = secondsAt(1) + p.secondsPerStep * (p.step - 1);
        const rest = p.step + Math.max(1, Math.floor((budget * 0.98 - at) / p.secondsPerStep));
        assert.ok(Math.abs(p.totalSteps - rest) <= 1, `re-plan at step ${p.step}: ${p.totalSteps} vs ${rest}`);
      }
    }
    const last = plans[plans.length - 1];
    const past = steps.findIndex((l) => (l.seconds as number) > budget);
    if (last && s.steps === last.totalSteps) {
      assert.ok(past === -1 || past === steps.length - 1, 'no step ran after the budget was spent');
    } else {
      // stopped by the budget: at the first step whose training time passed it
      assert.equal(past, steps.length - 1, `the last step is the first past the budget (${s.steps} steps)`);
      if (last) assert.ok(s.steps < last.totalSteps);
    }
    t.diagnostic(
      `trained ${s.seconds.toFixed(1)} s for a ${budget} s budget: ${s.steps} steps; plans ${plans.map((p) => `${p.totalSteps}@${p.step}`).join(', ') || 'none (budget spent before step 9)'}`,
    );
    assert.equal(new RunFolder(out).readConfig<{ minutes: number; epochs: null }>().epochs, null);
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
