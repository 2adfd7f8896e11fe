/**
 * Run folders that never lose data: resume recovers a checkpoint without its
 * pointer (or refuses, never restarting over one), a checkpoint write that
 * fails midway leaves the previous one, one process writes a run at a time
 * (real processes: a second is refused, a SIGKILLed one's lock is taken
 * over), an --out that cannot be made says why, and a start that fails
 * leaves nothing behind. On a small slice of real MNIST; every run is a fixed
 * number of steps.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { LabeledDataset } from '../../src/data/index.ts';
import {
  buildRunParts,
  findLatestCheckpoint,
  latestCheckpoint,
  loadCheckpoint,
  loadRunConfig,
  type PretrainEvent,
  type PretrainSettings,
  pretrain,
  RunFolder,
  resume,
  saveCheckpoint,
} from '../../src/train/index.ts';
import { maxDiff } from '../helpers/safetensors-diff.ts';
import { SMALL_RUN, smallMnist } from './fixtures/small-mnist.ts';

const root = new URL('../..', import.meta.url).pathname;
const child = join(root, 'test/train/fixtures/pretrain-child.ts');
let dir: string;
let data: LabeledDataset;
/** A run stopped by its signal after step 5 of 16: checkpoints/step-0000005, metrics lines 1…5. */
let base: string;

type Started = Extract<PretrainEvent, { type: 'start' }>;
const startOf = (events: PretrainEvent[]) => events.find((e): e is Started => e.type === 'start');
const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A fresh run into `out`, stopped by its signal after step `stopAt` (never, when null). */
async function start(out: string, settings: PretrainSettings = {}, stopAt: number | null = null, d = data) {
  const controller = new AbortController();
  const events: PretrainEvent[] = [];
  const r = await pretrain({
    settings: { ...SMALL_RUN, ...settings },
    data: d,
    out,
    signal: controller.signal,
    onEvent: (e) => {
      events.push(e);
      if (e.type === 'step' && e.step === stopAt) controller.abort();
    },
  });
  r.encoder.dispose();
  r.method.dispose();
  return { r, events };
}

/** Resumes `out` and stops it after one step (the signal is checked after each step). */
async function resumeOneStep(out: string) {
  const controller = new AbortController();
  const events: PretrainEvent[] = [];
  const r = await resume(out, {
    data,
    signal: controller.signal,
    onEvent: (e) => {
      events.push(e);
      if (e.type === 'start') controller.abort();
    },
  });
  r.encoder.dispose();
  r.method.dispose();
  return { r, events };
}

const copyRun = (name: string) => {
  const to = join(dir, name);
  cpSync(base, to, { recursive: true });
  return to;
};
const stepsLogged = (out: string) =>
  new RunFolder(out)
    .readMetrics()
    .filter((l) => l.type === 'step')
    .map((l) => l.step);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'specl-run-folder-'));
  data = smallMnist();
  base = join(dir, 'base');
  const { r } = await start(base, {}, 5);
  assert.equal(r.interrupted, true);
  assert.deepEqual(readdirSync(join(base, 'checkpoints')).sort(), ['latest.json', 'step-0000005']);
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
  for (const s of [data.train, data.test]) {
    s.images.dispose();
    s.labels.dispose();
  }
});

describe('resume never restarts over a checkpoint', () => {
  test('without latest.json it resumes from the newest complete step folder, says so, and keeps that folder until the next is pointed at', async () => {
    const lost = copyRun('no-pointer');
    rmSync(join(lost, 'checkpoints', 'latest.json'));
    const intact = copyRun('with-pointer');
    const { events } = await resumeOneStep(lost);
    const s = startOf(events);
    assert.equal(s?.resumedAt, 5, 'resumed at the intact step-0000005, not restarted at 0');
    assert.match(s.notices.join('\n'), /latest\.json is missing; recovered step-0000005/);
    assert.deepEqual(stepsLogged(lost), [1, 2, 3, 4, 5, 6], 'the lines of steps 1…5 are kept, each step once');
    const recovered = new RunFolder(lost).readMetrics().filter((l) => l.event === 'recovered');
    assert.equal(recovered.length, 1);
    assert.equal(recovered[0]?.step, 5);
    assert.match(String(recovered[0]?.reason), /latest\.json is missing/);
    const ck = join(lost, 'checkpoints');
    assert.deepEqual(readdirSync(ck).sort(), ['latest.json', 'step-0000006']);
    // The same step from the intact copy: the recovered resume is the ordinary one.
    const { events: plain } = await resumeOneStep(intact);
    assert.deepEqual(startOf(plain)?.notices, []);
    const model = (out: string) => join(out, 'checkpoints', 'step-0000006', 'model.safetensors');
    assert.equal(maxDiff(model(lost), model(intact)), 0);
  });

  test('a pointer naming an incomplete folder: the newest complete folder is found, and each one skipped is named with why', () => {
    const out = copyRun('torn-pointer');
    const ck = join(out, 'checkpoints');
    const five = join(ck, 'step-0000005');
    // step 9: a write torn after its model file (no optimizer, no trainer.json); latest.json names it
    mkdirSync(join(ck, 'step-0000009'));
    writeFileSync(join(ck, 'step-0000009', 'model.safetensors'), readFileSync(join(five, 'model.safetensors')));
    writeFileSync(join(ck, 'latest.json'), JSON.stringify({ checkpoint: 'step-0000009', step: 9 }));
    // step 8: all three files, but its trainer.json is step 5's
    cpSync(five, join(ck, 'step-0000008'), { recursive: true });
    // step 7: all three files and its own step, but a truncated model file
    cpSync(five, join(ck, 'step-0000007'), { recursive: true });
    const trainer = JSON.parse(readFileSync(join(five, 'trainer.json'), 'utf8'));
    writeFileSync(join(ck, 'step-0000007', 'trainer.json'), JSON.stringify({ ...trainer, step: 7 }));
    const model7 = join(ck, 'step-0000007', 'model.safetensors');
    truncateSync(model7, statSync(model7).size - 100);
    const found = findLatestCheckpoint(ck);
    assert.equal(found?.path, five);
    assert.equal(found.step, 5);
    const why = found.recovered ?? '';
    assert.match(why, /latest\.json names step-0000009, which is not complete \(no optimizer\.safetensors\)/);
    assert.match(why, /recovered step-0000005, skipping step-0000009 \(no optimizer\.safetensors\)/);
    assert.match(why, /step-0000008 \(.*step-0000008\/trainer\.json: field 'step' is 5, the folder's is 8\)/);
    assert.match(why, /step-0000007 \(.*step-0000007\/model\.safetensors.*truncated/);
    assert.equal(latestCheckpoint(ck), five);
  });

  test('step folders but none complete: refused, naming the folder and the file; nothing is changed', async () => {
    const out = copyRun('damaged');
    const ck = join(out, 'checkpoints');
    rmSync(join(ck, 'latest.json'));
    const torn = '{"step": 5, "totalSt';
    writeFileSync(join(ck, 'step-0000005', 'trainer.json'), torn);
    const metrics = readFileSync(join(out, 'metrics.jsonl'), 'utf8');
    await assert.rejects(resumeOneStep(out), (e: Error) => {
      assert.ok(e.message.startsWith(`${ck}: no complete checkpoint to resume from`), e.message);
      assert.match(e.message, /latest\.json is missing/);
      assert.match(e.message, new RegExp(`${literal(join(ck, 'step-0000005', 'trainer.json'))}: not valid JSON`));
      return true;
    });
    assert.equal(readFileSync(join(ck, 'step-0000005', 'trainer.json'), 'utf8'), torn);
    assert.deepEqual(readdirSync(join(ck, 'step-0000005')).sort(), [
      'model.safetensors',
      'optimizer.safetensors',
      'trainer.json',
    ]);
    assert.equal(readFileSync(join(out, 'metrics.jsonl'), 'utf8'), metrics, 'metrics.jsonl untouched');
    assert.ok(!existsSync(join(out, 'lock')), 'the lock is released on the error');
  });

  test("trainer.json that is not valid JSON is reported with the file's path", async () => {
    const out = copyRun('bad-trainer-json');
    const path = join(out, 'checkpoints', 'step-0000005', 'trainer.json');
    writeFileSync(path, 'not json');
    await assert.rejects(resumeOneStep(out), new RegExp(`${literal(path)}: not valid JSON`));
    const parts = buildRunParts(loadRunConfig(out), 10);
    try {
      assert.throws(
        () => loadCheckpoint(join(out, 'checkpoints', 'step-0000005'), parts),
        (e: Error) => e.message.startsWith(`${path}: not valid JSON`),
      );
    } finally {
      for (const p of [parts.encoder, parts.method, parts.optimizer]) p.dispose();
    }
  });

  test('no checkpoint but metrics.jsonl shows one was written: refused, metrics.jsonl untouched', async () => {
    const out = copyRun('lost-checkpoints');
    rmSync(join(out, 'checkpoints'), { recursive: true });
    const metrics = readFileSync(join(out, 'metrics.jsonl'), 'utf8');
    await assert.rejects(resumeOneStep(out), (e: Error) => {
      assert.ok(e.message.startsWith(`${out}: `), e.message);
      assert.match(e.message, /holds no checkpoint, but .*metrics\.jsonl shows the run wrote one/);
      assert.match(e.message, /past checkpointSeconds \(0\.05 s\)/);
      return true;
    });
    assert.equal(readFileSync(join(out, 'metrics.jsonl'), 'utf8'), metrics);
  });

  test('no checkpoint and only lines from before the first one: restarts from step 0 and says what it drops', async () => {
    const out = copyRun('before-first-checkpoint');
    rmSync(join(out, 'checkpoints'), { recursive: true });
    // checkpoints an hour apart: the 5 logged steps (seconds of training each) came before any checkpoint
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    writeFileSync(join(out, 'config.json'), JSON.stringify({ ...config, checkpointSeconds: 3600 }));
    const { events } = await resumeOneStep(out);
    const s = startOf(events);
    assert.equal(s?.resumedAt, null);
    assert.match(s.notices.join('\n'), /restarting from step 0; the 5 step lines up to step 5 .* are written again/);
    const lines = new RunFolder(out).readMetrics();
    assert.deepEqual(
      lines.filter((l) => l.type === 'event').map((l) => [l.event, l.step]),
      [
        ['restart', 0],
        ['dropped', 0],
        ['interrupted', 1],
      ],
    );
    assert.equal(lines.find((l) => l.event === 'dropped')?.lines, 5);
    assert.deepEqual(stepsLogged(out), [1]);
  });
});

describe('checkpoint writes', () => {
  test('a write that fails midway leaves the previous checkpoint pointed at and nothing else; older folders go only after the new one', () => {
    const out = copyRun('save');
    const ck = join(out, 'checkpoints');
    const parts = buildRunParts(loadRunConfig(out), 10);
    try {
      const pos = loadCheckpoint(join(ck, 'step-0000005'), parts);
      // trainer.json is written last: a position JSON cannot hold fails it after both safetensors files
      assert.throws(() => saveCheckpoint(ck, parts, { ...pos, step: 6, images: 1n as unknown as number }), /BigInt/);
      assert.deepEqual(readdirSync(ck).sort(), ['latest.json', 'step-0000005'], 'no step-0000006, no temporary folder');
      assert.equal(findLatestCheckpoint(ck)?.recovered, null);
      // Again at the current step (an epoch end just after a resume): only the position moves on …
      saveCheckpoint(ck, parts, { ...pos, epoch: pos.epoch + 1, batch: 0 });
      assert.deepEqual(JSON.parse(readFileSync(join(ck, 'step-0000005', 'trainer.json'), 'utf8')), {
        ...pos,
        epoch: pos.epoch + 1,
        batch: 0,
      });
      assert.equal(
        maxDiff(
          join(ck, 'step-0000005', 'model.safetensors'),
          join(base, 'checkpoints', 'step-0000005', 'model.safetensors'),
        ),
        0,
      );
      assert.deepEqual(readdirSync(ck).sort(), ['latest.json', 'step-0000005']);
      // … and other weights at that step (here: step 0's) are refused: a checkpoint is never rewritten in place.
      const other = buildRunParts(loadRunConfig(out), 10);
      try {
        assert.throws(
          () => saveCheckpoint(ck, other, pos),
          /step-0000005 is the current checkpoint and holds other weights/,
        );
      } finally {
        for (const p of [other.encoder, other.method, other.optimizer]) p.dispose();
      }
      assert.deepEqual(readdirSync(ck).sort(), ['latest.json', 'step-0000005']);
      // a leftover folder at the new step and one a killed write left under its temporary name
      mkdirSync(join(ck, 'step-0000006'));
      writeFileSync(join(ck, 'step-0000006', 'model.safetensors'), 'torn');
      mkdirSync(join(ck, '.step-0000007.123.abcdef.tmp'));
      saveCheckpoint(ck, parts, { ...pos, step: 6 });
      assert.deepEqual(readdirSync(ck).sort(), ['latest.json', 'step-0000006']);
      assert.deepEqual(readdirSync(join(ck, 'step-0000006')).sort(), [
        'model.safetensors',
        'optimizer.safetensors',
        'trainer.json',
      ]);
      assert.equal(
        maxDiff(
          join(ck, 'step-0000006', 'model.safetensors'),
          join(base, 'checkpoints', 'step-0000005', 'model.safetensors'),
        ),
        0,
      );
      // Without a usable pointer the folder at the step may be the only checkpoint: never removed.
      rmSync(join(ck, 'latest.json'));
      assert.throws(() => saveCheckpoint(ck, parts, { ...pos, step: 6 }), /names no complete checkpoint/);
      assert.equal(findLatestCheckpoint(ck)?.path, join(ck, 'step-0000006'));
    } finally {
      for (const p of [parts.encoder, parts.method, parts.optimizer]) p.dispose();
    }
  });
});

describe('one writer per run folder', () => {
  test('RunFolder.lock: the lock file, one holder, release, a dead holder taken over, a foreign host not judged', () => {
    const out = join(dir, 'lock-api');
    mkdirSync(out);
    const folder = new RunFolder(out);
    const lock = folder.lock();
    assert.equal(lock.tookOver, null);
    const holder = JSON.parse(readFileSync(join(out, 'lock'), 'utf8'));
    assert.equal(holder.pid, process.pid);
    assert.equal(holder.host, hostname());
    assert.ok(Math.abs(Date.parse(holder.started) - Date.now()) < 600_000, holder.started);
    assert.throws(() => folder.lock(), /this process already writes this run/);
    lock.release();
    lock.release();
    assert.ok(!existsSync(join(out, 'lock')));
    // a process of this host that has exited
    const gone = spawnSync(process.execPath, ['-e', ''], { timeout: 60_000 }).pid as number;
    writeFileSync(join(out, 'lock'), JSON.stringify({ pid: gone, host: hostname(), started: '2020-01-01T00:00:00Z' }));
    const next = folder.lock();
    assert.equal(next.tookOver?.pid, gone);
    next.release();
    writeFileSync(
      join(out, 'lock'),
      JSON.stringify({ pid: 1, host: 'elsewhere.example', started: '2020-01-01T00:00:00Z' }),
    );
    assert.throws(
      () => folder.lock(),
      (e: Error) =>
        e.message.startsWith(`${out}: the run is being written by another process (pid 1 on elsewhere.example`) &&
        e.message.includes(`delete ${join(out, 'lock')}`),
    );
  });

  test("RunFolder.lockWaiting: takes the lock once another live process lets go; past the wait, the holder's error", async (t) => {
    const out = join(dir, 'lock-waiting');
    mkdirSync(out);
    const folder = new RunFolder(out);
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)'], { stdio: 'ignore' });
    t.after(() => holder.kill('SIGKILL'));
    const path = join(out, 'lock');
    writeFileSync(path, JSON.stringify({ pid: holder.pid, host: hostname(), started: new Date().toISOString() }));
    let started = Date.now();
    await assert.rejects(
      folder.lockWaiting({ waitMs: 600, pollMs: 50 }),
      (e: Error) =>
        e.name === 'RunBusyError' &&
        e.message.includes(`the run is being written by another process (pid ${holder.pid} on `) &&
        Date.now() - started >= 600,
    );
    started = Date.now();
    const letGo = setTimeout(() => rmSync(path), 800);
    const lock = await folder.lockWaiting({ waitMs: 60_000, pollMs: 50 });
    clearTimeout(letGo);
    assert.ok(Date.now() - started >= 800, 'it waited for the holder');
    assert.equal(JSON.parse(readFileSync(path, 'utf8')).pid, process.pid);
    // Within one process a second holder waits too (and a release lets it in).
    setTimeout(() => lock.release(), 200);
    const second = await folder.lockWaiting({ waitMs: 60_000, pollMs: 50 });
    second.release();
    assert.ok(!existsSync(path));
    // Errors other than "held" are not waited on: a folder that is gone.
    started = Date.now();
    await assert.rejects(new RunFolder(join(dir, 'no-such-run')).lockWaiting({ waitMs: 60_000 }), /not writable/);
    assert.ok(Date.now() - started < 30_000);
  });

  test('while a process resumes a run, a second resume and a fresh start into it are refused; once it is SIGKILLed its lock is taken over', async () => {
    const out = copyRun('two-writers');
    const proc = spawn(process.execPath, ['--import', 'tsx', child, out, 'resume'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const guard = setTimeout(() => proc.kill('SIGKILL'), 300_000);
    let stderr = '';
    proc.stderr.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
    try {
      await new Promise<void>((resolve, reject) => {
        let out = '';
        proc.stdout.on('data', (d) => {
          out += d;
          if (/step \d+\n/.test(out)) resolve();
        });
        proc.on('exit', (code) => reject(new Error(`the child ended (${code}) before training: ${stderr}`)));
      });
      const pid = proc.pid as number;
      assert.equal(JSON.parse(readFileSync(join(out, 'lock'), 'utf8')).pid, pid);
      const held = (e: Error) =>
        e.message.startsWith(`${out}: the run is being written by another process (pid ${pid} on `);
      await assert.rejects(resume(out, { data }), held);
      await assert.rejects(start(out), held);
      proc.kill('SIGKILL');
      await exited;
      assert.equal(JSON.parse(readFileSync(join(out, 'lock'), 'utf8')).pid, pid, 'a SIGKILL leaves its lock');
      const { events } = await resumeOneStep(out);
      assert.match(
        startOf(events)?.notices.join('\n') ?? '',
        new RegExp(`from a process that is gone \\(pid ${pid} on `),
      );
      const taken = new RunFolder(out).readMetrics().filter((l) => l.event === 'lock-taken-over');
      assert.deepEqual(
        taken.map((l) => l.pid),
        [pid],
      );
      assert.ok(!existsSync(join(out, 'lock')), 'released at the end');
      const steps = stepsLogged(out);
      assert.deepEqual(
        steps,
        Array.from({ length: steps.length }, (_, i) => i + 1),
        'each step logged once',
      );
    } finally {
      clearTimeout(guard);
      proc.kill('SIGKILL');
      await exited;
    }
  });
});

describe('starting a run', () => {
  test('an --out that cannot be created or written: the folder, what failed and the OS reason', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const quick = { monitor: { enabled: false } };
    await assert.rejects(start(join(file, 'run'), quick), {
      message: `${join(file, 'run')}: cannot create the run folder (${file} exists and is not a folder)`,
    });
    await assert.rejects(
      start('/sys/specl-test-run', quick),
      /^Error: \/sys\/specl-test-run: cannot create the run folder \(mkdir \/sys\/specl-test-run: (EPERM|EROFS|EACCES), /,
    );
    await assert.rejects(
      start('/sys/kernel', quick),
      /^Error: \/sys\/kernel: the run folder is not writable \(cannot create \/sys\/kernel\/lock: (EACCES|EROFS|EPERM), /,
    );
    // /proc answers mkdir with ENOENT, and Node's recursive mkdir loops on it for ever: in a child, bounded.
    const r = spawnSync(process.execPath, ['--import', 'tsx', child, '/proc/specl-test/run', 'fresh'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 180_000,
    });
    assert.equal(r.signal, null, `the start hung (killed after 180 s): ${r.stderr}`);
    assert.match(
      r.stderr,
      /\/proc\/specl-test\/run: cannot create the run folder \(mkdir \/proc\/specl-test: ENOENT, no such file or directory\)/,
    );
  });

  test('a start that fails leaves nothing behind, and the same --out then starts', async () => {
    const out = join(dir, 'retry');
    /** The error of a start that must fail, once it is checked that the start left no folder. */
    const failed = async (p: Promise<unknown>, what: string) => {
      const e = await p.then(
        () => assert.fail(`${what}: the start succeeded`),
        (e: Error) => e,
      );
      assert.ok(!existsSync(out), `${what}: ${existsSync(out) ? readdirSync(out).join(', ') : ''} left behind`);
      return e.message;
    };
    const cifarOnMnist = { augment: { preset: 'cifar', mean: null, std: null } } as unknown as PretrainSettings;
    assert.match(
      await failed(start(out, cifarOnMnist), 'an augmentation that does not fit the images'),
      /^pretrain: augment \(preset cifar\) cannot make views of the 1×28×28 images of 'mnist': Normalize: 3 means\/stds for 1-channel images/,
    );
    const images = data.train.images.narrow(0, 0, 0);
    const labels = data.train.labels.narrow(0, 0, 0);
    try {
      assert.match(
        await failed(start(out, {}, null, { ...data, train: { images, labels } }), 'no training images'),
        /^pretrain: dataset 'mnist' has no training images$/,
      );
    } finally {
      images.dispose();
      labels.dispose();
    }
    assert.match(
      await failed(start(out, { batchSize: 2048 }), 'a batch larger than the data'),
      /batchSize 2048 exceeds the 1024 images/,
    );
    // A folder that was there before stays, without what the failed start wrote into it.
    mkdirSync(join(out, 'deeper'), { recursive: true });
    await assert.rejects(start(join(out, 'deeper', 'run'), { batchSize: 2048 }));
    assert.deepEqual(readdirSync(join(out, 'deeper')), []);
    // A failure while training, before the first checkpoint (a NaN at step 1; checkpoints an hour apart).
    await assert.rejects(
      start(out, { optimizer: { lr: 1e12 }, checkpointSeconds: 3600, monitor: { enabled: false } }),
      /loss became NaN at step 1 .*no checkpoint was written yet/,
    );
    assert.deepEqual(readdirSync(out), ['deeper']);
    const { r } = await start(out, {}, 1);
    assert.equal(r.interrupted, true);
    assert.equal(latestCheckpoint(join(out, 'checkpoints')), join(out, 'checkpoints', 'step-0000001'));
    assert.ok(!existsSync(join(out, 'lock')));
  });
});
