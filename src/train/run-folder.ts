/**
 * A run's folder on disk:
 *   config.json      everything needed to rerun it (seed included)
 *   metrics.jsonl    one JSON line per logged step and per epoch, and event lines
 *   checkpoints/     latest.json → step-NNNNNNN/{model,optimizer}.safetensors + trainer.json
 *   lock             while a process writes the run: {pid, host, started} (src/train/run-lock.ts)
 *   encoder.safetensors, summary.json   at the end
 *   probe.json, knn.json   the evaluation beside its baselines (specl probe / knn / demo)
 * Every file is written to a temporary name and renamed; metrics lines are
 * appended whole, and a resumed run first drops lines past its checkpoint.
 *
 * One process writes a run at a time: `create` and `lock` take the folder's
 * lock, a second writer is refused with the holder's pid, and the lock of a
 * process that died (SIGKILL) is taken over, the taker told so. `create`
 * makes only what it reports, and its `discard` removes exactly that, so a
 * start that fails before its first checkpoint leaves the folder as it found
 * it and the same folder can be used again. Resuming a run whose
 * `checkpoints/latest.json` is missing or names an incomplete folder
 * recovers from the newest complete step folder and logs a `recovered` event
 * (src/train/checkpoint.ts), or refuses; it never restarts over a checkpoint.
 */
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic-write.ts';
import { lockRun, lockRunWaiting, osReason, type RunLock } from './run-lock.ts';

export interface MetricLine {
  type: 'step' | 'epoch' | 'event';
  step: number;
  [field: string]: unknown;
}

/** What `RunFolder.create` made: the run's lock (held), and how to undo it all. */
export interface RunCreation {
  lock: RunLock;
  /** Removes what `create` made (files, the checkpoints folder, folders it created) and releases the lock. */
  discard(): void;
}

const errnoOf = (e: unknown) => (e as NodeJS.ErrnoException).code ?? '';

/**
 * Makes `dir` and its missing parents one by one (`mkdirSync(…, {recursive})`
 * reports a read-only parent as ENOENT, and under /proc never returns) and
 * returns those it made, outermost first. Errors name `dir`, what failed and why.
 */
function makeFolders(dir: string): string[] {
  const missing: string[] = [];
  let p = resolve(dir);
  for (;;) {
    try {
      if (!statSync(p).isDirectory())
        throw new Error(`${dir}: cannot create the run folder (${p} exists and is not a folder)`);
      break;
    } catch (e) {
      const code = errnoOf(e);
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || dirname(p) === p) {
        if (code) throw new Error(`${dir}: cannot create the run folder (cannot read ${p}: ${osReason(e)})`);
        throw e;
      }
      missing.unshift(p);
      p = dirname(p);
    }
  }
  const made: string[] = [];
  for (const m of missing) {
    try {
      mkdirSync(m);
      made.push(m);
    } catch (e) {
      if (errnoOf(e) === 'EEXIST' && statSync(m).isDirectory()) continue; // made by someone else meanwhile
      for (const d of made.reverse()) rmdirQuiet(d);
      throw new Error(`${dir}: cannot create the run folder (mkdir ${m}: ${osReason(e)})`, { cause: e });
    }
  }
  return made;
}

/** Removes an empty folder; leaves one that is not empty (something not ours is in it). */
function rmdirQuiet(d: string): void {
  try {
    rmdirSync(d);
  } catch {
    // not empty, or gone
  }
}

export class RunFolder {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
  }
  get configPath(): string {
    return join(this.dir, 'config.json');
  }
  get metricsPath(): string {
    return join(this.dir, 'metrics.jsonl');
  }
  get checkpointsDir(): string {
    return join(this.dir, 'checkpoints');
  }
  get summaryPath(): string {
    return join(this.dir, 'summary.json');
  }
  get encoderPath(): string {
    return join(this.dir, 'encoder.safetensors');
  }
  get probePath(): string {
    return join(this.dir, 'probe.json');
  }
  get knnPath(): string {
    return join(this.dir, 'knn.json');
  }

  /**
   * Creates the folder for a new run (parents included), takes its lock and
   * writes config.json and an empty metrics.jsonl; refuses a folder that
   * already holds a run, one it cannot create and one it cannot write, naming
   * the folder and the OS's reason. The caller releases the lock when done,
   * or calls `discard` to undo everything this call made.
   */
  create(config: object): RunCreation {
    const made = makeFolders(this.dir);
    const undoFolders = () => {
      for (const d of made.reverse()) rmdirQuiet(d);
    };
    let lock: RunLock;
    try {
      lock = lockRun(this.dir);
    } catch (e) {
      undoFolders();
      throw e;
    }
    const created: string[] = [];
    let discarded = false;
    const discard = () => {
      if (discarded) return;
      discarded = true;
      for (const p of created.reverse()) rmSync(p, { recursive: true, force: true });
      lock.release();
      undoFolders();
    };
    try {
      for (const p of [this.configPath, this.metricsPath])
        if (existsSync(p))
          throw new Error(
            `${this.dir}: already holds a run (${p.slice(this.dir.length + 1)}); pass --resume to continue it or choose another --out`,
          );
      if (!existsSync(this.checkpointsDir)) {
        mkdirSync(this.checkpointsDir);
        created.push(this.checkpointsDir);
      }
      writeJsonAtomic(this.configPath, config);
      created.push(this.configPath);
      writeFileSync(this.metricsPath, '', { flag: 'wx' });
      created.push(this.metricsPath);
    } catch (e) {
      discard();
      const code = (e as NodeJS.ErrnoException).code;
      if (code) throw new Error(`${this.dir}: the run folder is not writable (${osReason(e)})`, { cause: e });
      throw e;
    }
    return { lock, discard };
  }

  /**
   * Takes the lock of this existing run (see src/train/run-lock.ts): for any
   * command that writes into it (resume; probe and knn writing their reports).
   * Call `release()` on the result when done, in a `finally`.
   */
  lock(): RunLock {
    return lockRun(this.dir);
  }

  /**
   * {@link lock}, waiting up to `waitMs` while another process holds it (the
   * brief writers: probe and knn writing their reports); then its RunBusyError.
   */
  lockWaiting(o: { waitMs: number; pollMs?: number }): Promise<RunLock> {
    return lockRunWaiting(this.dir, o);
  }

  /** The config of an existing run. */
  readConfig<T>(): T {
    if (!existsSync(this.configPath)) throw new Error(`${this.dir}: not a specl run folder (no config.json)`);
    try {
      return JSON.parse(readFileSync(this.configPath, 'utf8')) as T;
    } catch (e) {
      throw new Error(`${this.configPath}: not valid JSON (${(e as Error).message})`);
    }
  }

  /** Appends one metrics line (a single write, so a crash never leaves half a line behind a good one). */
  log(line: MetricLine): void {
    appendFileSync(this.metricsPath, `${JSON.stringify(line)}\n`);
  }

  /** Every metrics line (a torn last line from a crash is skipped). */
  readMetrics(): MetricLine[] {
    if (!existsSync(this.metricsPath)) return [];
    const out: MetricLine[] = [];
    for (const raw of readFileSync(this.metricsPath, 'utf8').split('\n')) {
      if (!raw.trim()) continue;
      try {
        out.push(JSON.parse(raw) as MetricLine);
      } catch {
        // only the last line can be torn (appends are whole lines); skip it
      }
    }
    return out;
  }

  /** Keeps the metrics lines up to `step` (those the checkpoint being resumed had seen). */
  truncateMetrics(step: number): void {
    const keep = this.readMetrics().filter((l) => l.step <= step);
    writeFileAtomic(this.metricsPath, keep.map((l) => `${JSON.stringify(l)}\n`).join(''));
  }

  writeSummary(summary: object): void {
    writeJsonAtomic(this.summaryPath, summary);
  }

  /** summary.json, or null while the run has none (unfinished). */
  readSummary<T>(): T | null {
    if (!existsSync(this.summaryPath)) return null;
    try {
      return JSON.parse(readFileSync(this.summaryPath, 'utf8')) as T;
    } catch (e) {
      throw new Error(`${this.summaryPath}: not valid JSON (${(e as Error).message})`);
    }
  }

  /** Writes probe.json (the linear probe beside its baselines). */
  writeProbe(report: object): void {
    writeJsonAtomic(this.probePath, report);
  }

  /** Writes knn.json (the kNN beside its baselines). */
  writeKnn(report: object): void {
    writeJsonAtomic(this.knnPath, report);
  }

  /**
   * Sets fields of summary.json's `evaluation` (`linearProbe`, `knn`),
   * keeping the others (null when never measured). Returns false, writing
   * nothing, when the run has no summary.json yet.
   */
  updateEvaluation(fields: Record<string, number>): boolean {
    const summary = this.readSummary<{ evaluation?: Record<string, number | null> | null }>();
    if (summary === null) return false;
    const evaluation = { linearProbe: null, knn: null, ...(summary.evaluation ?? {}), ...fields };
    this.writeSummary({ ...summary, evaluation });
    return true;
  }
}
