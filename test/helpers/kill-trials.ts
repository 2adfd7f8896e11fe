/**
 * Kill trials (issue 14): a short `specl pretrain` run uninterrupted once, as
 * the reference, then the same run again and again in fresh folders, each
 * killed with SIGKILL at a seeded random moment of the reference's duration
 * (so kills land in start-up, mid-step, mid-checkpoint, in the epoch-end
 * monitor and mid-evaluation), then continued with `specl pretrain --resume`,
 * and its end state compared with the reference's: encoder.safetensors and the
 * last checkpoint byte for byte, summary.json's numbers, and every step and
 * epoch line of metrics.jsonl (each step once, same values). Real processes,
 * real files; every child is bounded in time and killed when it overruns.
 * Used by scripts/kill-trials.ts (50 trials by hand) and
 * test/train/kill-trials.test.ts (5 trials in CI).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Rng } from './prng.ts';

const root = new URL('../..', import.meta.url).pathname;
const bin = join(root, 'bin/specl.js');

/**
 * The run every trial repeats: 512 MNIST digits, batch 64 (8 steps per epoch),
 * 2 epochs, a tiny ConvNet, the kNN monitor at each epoch end, a checkpoint
 * every second (every other step on a slow machine; one after every step
 * doubles the run, its fsyncs being as slow as a step), every step logged,
 * and the final evaluation on.
 */
export const TRIAL_RUN_ARGS: readonly string[] = [
  '--method',
  'spectral',
  '--dataset',
  'mnist',
  '--train-size',
  '512',
  '--batch-size',
  '64',
  '--epochs',
  '2',
  '--widths',
  '8,16,32',
  '--seed',
  '3',
  '--set',
  'monitor.bankSize=512',
  '--set',
  'monitor.querySize=256',
  '--set',
  'checkpointSeconds=1',
  '--set',
  'logEvery=1',
];

/** What one bounded child process did. */
export interface ChildRun {
  /** Exit code (null when ended by a signal). */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from spawn to exit. */
  wallMs: number;
  /** Killed by us at the drawn moment (false: it ended before). */
  killed: boolean;
  /** Killed because it overran its time limit. */
  timedOut: boolean;
}

/**
 * When to SIGKILL a child: `atMs` after its spawn; as soon as its run
 * folder's metrics.jsonl holds a line of this type and step; or as soon as a
 * file exists in its run folder (e.g. encoder.safetensors: the evaluation
 * starts). The last two are polled every 2 ms.
 */
export type KillAt = { atMs: number } | { line: { type: 'step' | 'epoch'; step: number } } | { file: string };

/** The kill in words: "at 3.20 s", "after line epoch 8", "once encoder.safetensors exists". */
export function describeKill(k: KillAt): string {
  if ('atMs' in k) return `at ${(k.atMs / 1000).toFixed(2)} s`;
  if ('line' in k) return `after line ${k.line.type} ${k.line.step}`;
  return `once ${k.file} exists`;
}

/** Whether the condition of a line or file kill holds in run folder `dir` (a cheap text scan). */
function reached(dir: string, k: KillAt): boolean {
  if ('file' in k) return existsSync(join(dir, k.file));
  if (!('line' in k)) return false;
  let text: string;
  try {
    text = readFileSync(join(dir, 'metrics.jsonl'), 'utf8');
  } catch {
    return false;
  }
  return text.includes(`{"type":"${k.line.type}","step":${k.line.step},`);
}

/**
 * Runs `specl ARGS…` as a user does, SIGKILLs it as `killAt` says (its run
 * folder being `dir`), and in any case after `timeoutMs` (then `timedOut`).
 */
export function runSpecl(args: string[], o: { killAt?: KillAt; dir?: string; timeoutMs: number }): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, [bin, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      reject(e);
      return;
    }
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => {
      stdout += d;
    });
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    let killed = false;
    let timedOut = false;
    const k = o.killAt;
    const killTimer =
      k && 'atMs' in k
        ? setTimeout(() => {
            killed = child.kill('SIGKILL');
          }, k.atMs)
        : null;
    const dir = o.dir;
    const poll =
      k && !('atMs' in k) && dir !== undefined
        ? setInterval(() => {
            if (!killed && reached(dir, k)) killed = child.kill('SIGKILL');
          }, 2)
        : null;
    const limit = setTimeout(() => {
      timedOut = child.kill('SIGKILL');
    }, o.timeoutMs);
    const stop = () => {
      if (killTimer) clearTimeout(killTimer);
      if (poll) clearInterval(poll);
      clearTimeout(limit);
    };
    child.on('error', (e) => {
      stop();
      reject(e);
    });
    // 'close' (not 'exit'): all of stdout and stderr has been read by then
    child.on('close', (code, signal) => {
      stop();
      // a kill sent just as it exited on its own does not count (it ended with its own code)
      const byUs = killed && signal === 'SIGKILL' && !timedOut;
      resolve({ code, signal, stdout, stderr, wallMs: performance.now() - t0, killed: byUs, timedOut });
    });
  });
}

interface MetricLine {
  type: string;
  step: number;
  [k: string]: unknown;
}

/** metrics.jsonl's lines (a torn last line is skipped, as the trainer does). */
export function readMetrics(dir: string): MetricLine[] {
  const path = join(dir, 'metrics.jsonl');
  if (!existsSync(path)) return [];
  const out: MetricLine[] = [];
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    if (!raw.trim()) continue;
    try {
      out.push(JSON.parse(raw) as MetricLine);
    } catch {
      // a torn last line
    }
  }
  return out;
}

/** Every file and folder under `dir`, as paths relative to it (folders end in `/`). */
function entriesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) {
        out.push(`${relative(dir, p)}/`);
        walk(p);
      } else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/** The step folder `checkpoints/latest.json` names, or null (missing or unreadable). */
function pointer(dir: string): string | null {
  try {
    const p = JSON.parse(readFileSync(join(dir, 'checkpoints', 'latest.json'), 'utf8')) as { checkpoint?: unknown };
    return typeof p.checkpoint === 'string' ? p.checkpoint : null;
  } catch {
    return null;
  }
}

/** The step of the checkpoint `checkpoints/latest.json` names, or null. */
function readPointerStep(dir: string): number | null {
  const p = pointer(dir);
  return p === null ? null : Number(p.replace('step-', ''));
}

/** A checkpoint's trainer.json, or null (missing or unreadable). */
function trainerJson(sub: string): { step: number; batch: number } | null {
  try {
    return JSON.parse(readFileSync(join(sub, 'trainer.json'), 'utf8')) as { step: number; batch: number };
  } catch {
    return null;
  }
}

/**
 * Where a killed run was, read from what it left (SIGKILL freezes the files
 * and the output as they were): its run folder and its stdout/stderr.
 * `leftovers`: files already there before this process started (a previous
 * kill's debris), not evidence of what this one was doing.
 */
export function phaseOf(
  dir: string,
  run: Pick<ChildRun, 'stdout' | 'stderr'>,
  shape: { stepsPerEpoch: number; totalSteps: number },
  leftovers: ReadonlySet<string> = new Set(),
): string {
  if (existsSync(join(dir, 'summary.json')) && !leftovers.has('summary.json')) return 'finished (summary written)';
  if (!existsSync(join(dir, 'config.json'))) return 'start-up (no config.json yet)';
  const fresh = entriesUnder(dir).filter((f) => !leftovers.has(f));
  const ptr = pointer(dir);
  // a temporary file or folder (being written), or a step folder latest.json does not name (new or old)
  const inCheckpoint = fresh.some(
    (f) =>
      f.startsWith('checkpoints/') &&
      (/\.tmp(\/|$)/.test(f) || (/^checkpoints\/step-\d+\//.test(f) && f.split('/')[1] !== ptr)),
  );
  const lines = readMetrics(dir).filter((l) => l.type !== 'event');
  const last = lines.at(-1);
  if (inCheckpoint) {
    const at = last ? ` after ${last.type === 'epoch' ? 'epoch line' : 'step'} ${last.step}` : '';
    return `mid-checkpoint${at}`;
  }
  if (fresh.some((f) => /^\.encoder\.safetensors\..*\.tmp$/.test(f))) return 'writing encoder.safetensors';
  if (/^evaluating:/m.test(run.stdout)) {
    const e = run.stderr;
    if (/kNN · .*100%/.test(e)) return 'evaluation: after kNN';
    if (/^probe · [^(\n]*: (converged|not converged)/m.test(e)) return 'evaluation: kNN';
    if (/features · .* · test .*100%/.test(e)) return 'evaluation: linear probe';
    if (/features · .* · train .*100%/.test(e)) return 'evaluation: test features';
    return 'evaluation: train features';
  }
  if (existsSync(join(dir, 'encoder.safetensors')) && !leftovers.has('encoder.safetensors'))
    return 'after encoder.safetensors';
  if (!last) return /^run folder:/m.test(run.stdout) ? 'step 1' : 'start-up (loading, building)';
  if (last.type === 'epoch') {
    // Has the epoch-end checkpoint (position: next epoch, batch 0) been written yet?
    const pos = ptr === null ? null : trainerJson(join(dir, 'checkpoints', ptr));
    const saved = pos !== null && pos.step === last.step && pos.batch === 0;
    if (!saved) return `epoch ${Number(last.epoch) + 1} end (logged, its checkpoint not yet written)`;
    return last.step >= shape.totalSteps ? 'after training' : `step ${last.step + 1}`;
  }
  if (last.step % shape.stepsPerEpoch === 0 || last.step >= shape.totalSteps)
    return `kNN monitor, epoch ${Math.ceil(last.step / shape.stepsPerEpoch)}`;
  return `step ${last.step + 1}`;
}

/** Tensors of a safetensors file, parsed here (header length, JSON header, raw bytes). */
function safetensors(path: string): Map<string, { dtype: string; shape: number[]; bytes: Buffer }> {
  const buf = readFileSync(path);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >;
  const out = new Map<string, { dtype: string; shape: number[]; bytes: Buffer }>();
  for (const [k, v] of Object.entries(header)) {
    if (k === '__metadata__') continue;
    out.set(k, {
      dtype: v.dtype,
      shape: v.shape,
      bytes: buf.subarray(8 + n + v.data_offsets[0], 8 + n + v.data_offsets[1]),
    });
  }
  return out;
}

/** Why two safetensors files differ, tensor by tensor (empty when byte-identical). */
export function safetensorsDiff(expected: string, actual: string, label: string): string[] {
  if (!existsSync(actual)) return [`${label}: missing`];
  const a = readFileSync(expected);
  const b = readFileSync(actual);
  if (a.equals(b)) return [];
  const out: string[] = [];
  const ea = safetensors(expected);
  const eb = safetensors(actual);
  for (const [k, t] of ea) {
    const u = eb.get(k);
    if (!u) {
      out.push(`${label}: tensor ${k} missing`);
      continue;
    }
    if (t.dtype !== u.dtype || t.shape.join() !== u.shape.join()) {
      out.push(`${label}: tensor ${k} is ${u.dtype}[${u.shape}], expected ${t.dtype}[${t.shape}]`);
      continue;
    }
    if (t.bytes.equals(u.bytes)) continue;
    let max = Number.NaN;
    if (t.dtype === 'F32') {
      max = 0;
      for (let i = 0; i < t.bytes.length; i += 4)
        max = Math.max(max, Math.abs(t.bytes.readFloatLE(i) - u.bytes.readFloatLE(i)));
    }
    out.push(`${label}: tensor ${k} differs (max |Δ| ${max})`);
  }
  for (const k of eb.keys()) if (!ea.has(k)) out.push(`${label}: extra tensor ${k}`);
  if (out.length === 0) out.push(`${label}: same tensors, different bytes (header or metadata)`);
  return out;
}

/** A metrics line without its wall-clock field, as comparable text. */
const comparable = (l: MetricLine) => {
  const { seconds: _s, ...rest } = l;
  return JSON.stringify(rest);
};

/** Why the step and epoch lines of a resumed run's metrics differ from the reference's (empty when the same). */
export function metricsDiff(reference: string, dir: string): string[] {
  const out: string[] = [];
  const got = readMetrics(dir);
  for (const type of ['step', 'epoch'] as const) {
    const want = readMetrics(reference).filter((l) => l.type === type);
    const have = got.filter((l) => l.type === type);
    const counts = new Map<number, number>();
    for (const l of have) counts.set(l.step, (counts.get(l.step) ?? 0) + 1);
    const dup = [...counts].filter(([, c]) => c > 1).map(([s, c]) => `${s} (×${c})`);
    const missing = want.filter((l) => !counts.has(l.step)).map((l) => l.step);
    const extra = [...counts.keys()].filter((s) => !want.some((l) => l.step === s));
    if (dup.length) out.push(`metrics: ${type} lines duplicated at step ${dup.join(', ')}`);
    if (missing.length) out.push(`metrics: ${type} lines missing at step ${missing.join(', ')}`);
    if (extra.length) out.push(`metrics: unexpected ${type} lines at step ${extra.join(', ')}`);
    if (dup.length || missing.length || extra.length) continue;
    for (let i = 0; i < want.length; i++) {
      const w = want[i] as MetricLine;
      const h = have[i] as MetricLine;
      if (comparable(w) !== comparable(h)) {
        out.push(`metrics: ${type} line ${w.step} differs: ${comparable(h)} vs ${comparable(w)}`);
        break;
      }
    }
  }
  // what a resume after SIGKILL says of itself: resumed, restarted (no checkpoint yet, and the step lines
  // before it dropped), a dead process's lock taken over; anything else (recovered, nan, interrupted) is not
  const expected = new Set(['resume', 'restart', 'dropped', 'lock-taken-over']);
  const events = got.filter((l) => l.type === 'event' && !expected.has(String(l.event)));
  if (events.length) out.push(`metrics: unexpected events ${events.map((l) => JSON.stringify(l)).join(' ')}`);
  return out;
}

/** The summary's fields that do not depend on the wall clock. */
function summaryNumbers(dir: string): unknown {
  const s = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Record<string, unknown>;
  return { steps: s.steps, epochs: s.epochs, finalLoss: s.finalLoss, evaluation: s.evaluation };
}

/** What the end state of `dir` has that differs from the reference run's (empty: identical). */
export function compareRun(reference: string, dir: string): string[] {
  const out: string[] = [];
  out.push(...safetensorsDiff(join(reference, 'encoder.safetensors'), join(dir, 'encoder.safetensors'), 'encoder'));
  const last = pointer(reference);
  const ptr = pointer(dir);
  if (ptr !== last) out.push(`checkpoints/latest.json names ${ptr}, expected ${last}`);
  else if (last !== null) {
    for (const f of ['model.safetensors', 'optimizer.safetensors']) {
      const p = join('checkpoints', last, f);
      out.push(...safetensorsDiff(join(reference, p), join(dir, p), p));
    }
  }
  if (!existsSync(join(dir, 'summary.json'))) out.push('summary.json missing');
  else {
    const [a, b] = [JSON.stringify(summaryNumbers(reference)), JSON.stringify(summaryNumbers(dir))];
    if (a !== b) out.push(`summary.json: ${b}, expected ${a}`);
  }
  // checkpointSeconds says only when checkpoints are written, nothing compared here: a trial may change it
  const config = (d: string) => {
    const { checkpointSeconds: _c, ...rest } = JSON.parse(readFileSync(join(d, 'config.json'), 'utf8'));
    return JSON.stringify(rest);
  };
  if (!existsSync(join(dir, 'config.json'))) out.push('config.json missing');
  else if (config(reference) !== config(dir)) out.push('config.json differs');
  out.push(...metricsDiff(reference, dir));
  return out;
}

/** Files and folders of `dir` the reference run does not have (temporary files, a lock, stale step folders). */
export function strayFiles(reference: string, dir: string): string[] {
  const want = new Set(entriesUnder(reference));
  const stray = entriesUnder(dir).filter((f) => !want.has(f));
  // a stray folder stands for what it holds
  return stray.filter((f) => !stray.some((d) => d.endsWith('/') && d !== f && f.startsWith(d)));
}

export interface Reference {
  dir: string;
  wallMs: number;
  stepsPerEpoch: number;
  totalSteps: number;
  /** Its step and epoch lines, the targets of line kills. */
  lines: { type: 'step' | 'epoch'; step: number }[];
}

/** Runs the reference (uninterrupted) into `dir`; throws when it fails. */
export async function referenceRun(dir: string, args: readonly string[], timeoutMs: number): Promise<Reference> {
  const r = await runSpecl(['pretrain', ...args, '--out', dir], { timeoutMs });
  if (r.code !== 0)
    throw new Error(
      `kill trials: the reference run ${r.timedOut ? `ran past ${timeoutMs} ms` : `failed (${r.code ?? r.signal})`}: ${r.stderr.slice(-2000)}`,
    );
  const m = /\((\d+) steps per epoch\)/.exec(r.stdout);
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { steps: number };
  if (!m) throw new Error(`kill trials: the reference run printed no "steps per epoch": ${r.stdout}`);
  const lines = readMetrics(dir)
    .filter((l) => l.type === 'step' || l.type === 'epoch')
    .map((l) => ({ type: l.type as 'step' | 'epoch', step: l.step }));
  return { dir, wallMs: r.wallMs, stepsPerEpoch: Number(m[1]), totalSteps: summary.steps, lines };
}

/** One kill of a trial. */
export interface Kill {
  /** When it was meant to happen. */
  at: KillAt;
  /** Milliseconds from the spawn to the process's end. */
  endedMs: number;
  /** What the process was doing (see phaseOf); "ended before the kill" when it had exited (or "failed…"). */
  phase: string;
  /** What was started: a fresh run, or --resume. */
  started: 'fresh' | 'resume';
  /** The step the process had resumed at ("resuming at step N"), null when it started from 0. */
  resumedAt: number | null;
  /** The kill left the run folder's `lock` behind (stale: its holder is dead). */
  leftLock: boolean;
}

export interface TrialResult {
  trial: number;
  kills: Kill[];
  /** The step the last (uninterrupted) process resumed at; null: it started from 0. */
  resumedAt: number | null;
  /** The process that ended the run: a fresh start or --resume (null: the trial failed first). */
  last: 'fresh' | 'resume' | null;
  /** Wall time of the process that ended the run (a fresh one that ran through: a full run's duration now). */
  lastMs: number | null;
  identical: boolean;
  /** What differed, or why the trial failed (a child that failed or overran). */
  differences: string[];
  /** Files left in the folder that the reference does not have. */
  stray: string[];
  wallMs: number;
}

/** The seed of trial `i` of a series seeded `seed` (so one trial can be rerun alone). */
export const trialSeed = (seed: number, i: number) =>
  (Math.imul(seed, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b)) >>> 0;

/**
 * One trial in `dir`: the run started fresh, then `kills` times SIGKILLed at
 * a moment drawn uniformly in the reference's duration and continued with
 * --resume (or started afresh when it had no config.json yet), the last
 * process uninterrupted; then its end state compared with the reference's.
 */
export async function killTrial(
  trial: number,
  seed: number,
  ref: Reference,
  dir: string,
  o: {
    args: readonly string[];
    maxKills: number;
    lineKills: number;
    timeoutMs: number;
    plan?: KillAt[];
    /** The span time kills are drawn over (default: the reference's duration). */
    durationMs?: number;
  },
): Promise<TrialResult> {
  const t0 = performance.now();
  const rng = new Rng(trialSeed(seed, trial));
  const nKills = o.plan?.length ?? rng.int(1, o.maxKills + 1);
  const kills: Kill[] = [];
  const differences: string[] = [];
  const command = () =>
    existsSync(join(dir, 'config.json'))
      ? { started: 'resume' as const, args: ['pretrain', '--resume', dir] }
      : { started: 'fresh' as const, args: ['pretrain', ...o.args, '--out', dir] };
  const resumedAt = (r: ChildRun) => {
    const m = /^resuming at step (\d+)/m.exec(r.stdout);
    return m ? Number(m[1]) : null;
  };
  let resumedAtEnd: number | null = null;
  let last: TrialResult['last'] = null;
  let lastMs: number | null = null;
  let done = false;
  for (let k = 0; k <= nKills && !done; k++) {
    const c = command();
    const leftovers = new Set(entriesUnder(dir));
    const staleLock = existsSync(join(dir, 'lock'));
    let at: KillAt | undefined;
    if (k < nKills) {
      // Every draw is made for every kill, so a trial's draws do not depend on which kind it is.
      const u = rng.uniform();
      // over what is left: a resume from step s has its start-up, the steps after s and the evaluation
      // to go (taken as 40 % of a run, as on the 2-core machine, plus the remaining steps' share)
      const from = k === 0 ? 0 : (readPointerStep(dir) ?? 0);
      const left = 0.4 + 0.6 * (1 - from / ref.totalSteps);
      const time = rng.uniform() * (o.durationMs ?? ref.wallMs) * left;
      // A line kill waits for a line this process writes anew: past what the folder already has.
      const have = new Set(readMetrics(dir).map((l) => `${l.type} ${l.step}`));
      const lines = ref.lines.filter((l) => !have.has(`${l.type} ${l.step}`));
      const pick = lines[Math.floor(rng.uniform() * lines.length)];
      at = o.plan?.[k] ?? (u < o.lineKills && pick ? { line: pick } : { atMs: time });
    }
    const r = await runSpecl(c.args, { killAt: at, dir, timeoutMs: o.timeoutMs });
    const tail = () => (r.stderr.trim().split('\n').slice(-3).join(' | ') || r.stdout.slice(-300)).slice(-600);
    if (r.timedOut) {
      differences.push(`${c.started} process ran past ${o.timeoutMs} ms and was killed: ${tail()}`);
      return result();
    }
    if (at !== undefined) {
      kills.push({
        at,
        endedMs: r.wallMs,
        phase: r.killed
          ? phaseOf(dir, r, ref, leftovers)
          : r.code === 0
            ? 'ended before the kill'
            : `failed (${r.code ?? r.signal}) before the kill`,
        started: c.started,
        resumedAt: resumedAt(r),
        leftLock: r.killed && existsSync(join(dir, 'lock')),
      });
    }
    if (!r.killed) {
      if (r.code !== 0) {
        differences.push(`${c.started} process failed (${r.code ?? r.signal}): ${tail()}`);
        return result();
      }
      resumedAtEnd = resumedAt(r);
      last = c.started;
      lastMs = r.wallMs;
      done = true;
      // the lock a kill left must be taken over, and the user told (the CLI prints the start's notices)
      if (staleLock && !/^note: took over .*lock/m.test(r.stderr))
        differences.push(`the stale lock a kill left was not reported as taken over: ${tail()}`);
    }
  }
  differences.push(...compareRun(ref.dir, dir));
  return result();

  function result(): TrialResult {
    return {
      trial,
      kills,
      resumedAt: resumedAtEnd,
      last,
      lastMs,
      identical: differences.length === 0,
      differences,
      stray: existsSync(dir) ? strayFiles(ref.dir, dir) : [],
      wallMs: performance.now() - t0,
    };
  }
}

export interface KillTrialsOptions {
  trials: number;
  seed: number;
  /** Each trial draws 1…maxKills kills (default 2). */
  maxKills?: number;
  /**
   * The share of kills made right after a metrics line is written (default
   * 0.25): a drawn step or epoch line of the reference, so kills also land in
   * the few milliseconds between a line and the checkpoint that follows it.
   */
  lineKills?: number;
  /** Run only these trial numbers (their draws are as in the full series). */
  only?: number[];
  /** Trials with given kills instead of drawn ones, run after the drawn ones (numbered on from `trials`). */
  plans?: KillAt[][];
  /** The run's settings (default TRIAL_RUN_ARGS). */
  args?: readonly string[];
  /** Folder for the runs (default: a new temporary one, removed at the end unless `keep`). */
  dir?: string;
  keep?: boolean;
  /** A child process is killed and the trial failed after this long (default 20 × the reference, at least 2 min). */
  timeoutMs?: number;
  onReference?: (r: Reference) => void;
  onTrial?: (t: TrialResult) => void;
}

export interface KillTrialsResult {
  reference: Reference;
  trials: TrialResult[];
  identical: number;
  wallMs: number;
  dir: string;
}

/** The reference run, then the trials one after another (each uses every core through libtorch). */
export async function killTrials(o: KillTrialsOptions): Promise<KillTrialsResult> {
  const t0 = performance.now();
  const args = o.args ?? TRIAL_RUN_ARGS;
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'specl-kill-trials-'));
  mkdirSync(dir, { recursive: true });
  try {
    const reference = await referenceRun(join(dir, 'reference'), args, o.timeoutMs ?? 600_000);
    o.onReference?.(reference);
    const timeoutMs = o.timeoutMs ?? Math.max(120_000, 20 * reference.wallMs);
    const trials: TrialResult[] = [];
    const numbers = o.only ?? Array.from({ length: o.trials }, (_, i) => i);
    const runs = [
      ...numbers.map((i) => ({ i, plan: undefined })),
      ...(o.plans ?? []).map((plan, j) => ({ i: o.trials + j, plan })),
    ];
    // Time kills are drawn over the run's duration as last measured: on a shared machine it changes
    // (tenfold here once other work stopped), and kills drawn over a stale one come after the end.
    let durationMs = reference.wallMs;
    for (const { i, plan } of runs) {
      const t = await killTrial(i, o.seed, reference, join(dir, `trial-${i}`), {
        args,
        maxKills: o.maxKills ?? 2,
        lineKills: o.lineKills ?? 0.25,
        timeoutMs,
        plan,
        durationMs,
      });
      // a fresh process that ran through measured a full run; a resume that ran longer than the
      // estimate shows it too short (a resume does less than a full run)
      if (t.lastMs !== null && (t.last === 'fresh' || t.lastMs > durationMs)) durationMs = t.lastMs;
      trials.push(t);
      o.onTrial?.(t);
      if (t.identical && !o.keep) rmSync(join(dir, `trial-${i}`), { recursive: true, force: true });
    }
    return {
      reference,
      trials,
      identical: trials.filter((t) => t.identical).length,
      wallMs: performance.now() - t0,
      dir,
    };
  } finally {
    if (!o.keep && o.dir === undefined) rmSync(dir, { recursive: true, force: true });
  }
}

/** One line per trial: kill moments and phases, where the last process resumed, identical or what differed. */
export function formatTrial(t: TrialResult): string {
  const kills = t.kills
    .map((k) => {
      const when = 'atMs' in k.at ? describeKill(k.at) : `${describeKill(k.at)} (${(k.endedMs / 1000).toFixed(2)} s)`;
      const lock = k.leftLock ? ' [lock left]' : '';
      return `kill ${when} (${k.started}${k.resumedAt !== null ? ` from ${k.resumedAt}` : ''}): ${k.phase}${lock}`;
    })
    .join('; ');
  const ranThrough = t.kills.at(-1)?.phase === 'ended before the kill';
  const at =
    t.last === null
      ? 'no end'
      : ranThrough
        ? `${t.last} process ran to the end before its kill`
        : t.last === 'fresh'
          ? 'started afresh'
          : t.resumedAt === null
            ? 'resumed from step 0'
            : `resumed at step ${t.resumedAt}`;
  const verdict = t.identical ? 'identical' : `DIFFERENT: ${t.differences.join('; ')}`;
  const stray = t.stray.length ? `  [stray files: ${t.stray.join(', ')}]` : '';
  return `trial ${String(t.trial).padStart(2)}  ${kills} → ${at}, ${(t.wallMs / 1000).toFixed(1)} s: ${verdict}${stray}`;
}
