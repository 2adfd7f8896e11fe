/**
 * What state a run folder is in, read from its files alone (for the
 * dashboard's runs list, and anything else that lists runs):
 *   running      its `lock` is held by a live process of this host (see
 *                src/train/run-lock.ts), or by a process on another host
 *                (whose pid cannot be judged here), or is being written
 *   finished     summary.json is there (pretraining ended; a brief writer
 *                such as `specl probe` may hold the lock meanwhile)
 *   failed       no summary and no live writer, and the last of the run's
 *                lifecycle events is `nan` (the loss became NaN or ∞: the
 *                run stopped with an error, src/train/pretrain.ts)
 *   interrupted  anything else: stopped by a signal (an `interrupted`
 *                event), killed, or lost with its machine — resumable with
 *                `specl pretrain --resume DIR`
 */
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export type RunStatus = 'running' | 'finished' | 'interrupted' | 'failed';

/** The events that start or end a process's work on a run: the last of them says how the last one ended. */
const LIFECYCLE = new Set(['nan', 'interrupted', 'resume', 'restart', 'recovered', 'plan']);
/** How much of the end of metrics.jsonl is read for the last lifecycle event. */
const TAIL_BYTES = 256 * 1024;
/** A lock file without a readable holder this young is being written (as run-lock.ts judges it). */
const UNREADABLE_GRACE_MS = 10_000;

/** Whether the process `pid` of this host is alive (EPERM: alive, someone else's). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Whether the folder's lock is held by a live writer (or one this host cannot judge). */
export function runLockHeld(dir: string): boolean {
  const path = join(dir, 'lock');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return false;
  }
  let holder: { pid?: unknown; host?: unknown } | null = null;
  try {
    holder = JSON.parse(text) as { pid?: unknown; host?: unknown };
  } catch {
    holder = null;
  }
  if (holder === null || typeof holder.pid !== 'number' || typeof holder.host !== 'string') {
    // torn: being written right now, or left by a process killed mid-write long ago
    try {
      return Date.now() - statSync(path).mtimeMs <= UNREADABLE_GRACE_MS;
    } catch {
      return false;
    }
  }
  if (holder.host !== hostname()) return true;
  return holder.pid !== process.pid ? alive(holder.pid) : true;
}

/** The end of a file as text (from the first whole line within the last `bytes`). */
function tail(path: string, bytes: number): string {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(0, size - bytes);
    const buf = Buffer.alloc(size - start);
    let read = 0;
    while (read < buf.length) {
      const n = readSync(fd, buf, read, buf.length - read, start + read);
      if (n === 0) break;
      read += n;
    }
    const text = buf.subarray(0, read).toString('utf8');
    return start === 0 ? text : text.slice(text.indexOf('\n') + 1);
  } finally {
    closeSync(fd);
  }
}

/** The last lifecycle event (`nan`, `interrupted`, `resume`, …) of metrics.jsonl, or null. */
export function lastLifecycleEvent(dir: string): string | null {
  const path = join(dir, 'metrics.jsonl');
  if (!existsSync(path)) return null;
  let text: string;
  try {
    text = tail(path, TAIL_BYTES);
  } catch {
    return null;
  }
  const lines = text.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const raw = lines[i] as string;
    if (!raw.includes('"event"')) continue;
    try {
      const l = JSON.parse(raw) as { type?: unknown; event?: unknown };
      if (l.type === 'event' && typeof l.event === 'string' && LIFECYCLE.has(l.event)) return l.event;
    } catch {
      // a torn last line
    }
  }
  return null;
}

/**
 * The status of the run folder `dir` (see the module comment). `o.summary`
 * says whether the run has its summary.json, for callers that judge the
 * file themselves (the dashboard ignores one that is a symlink out of the
 * folder); by default, whether it exists.
 */
export function runStatus(dir: string, o: { summary?: boolean } = {}): RunStatus {
  if (o.summary ?? existsSync(join(dir, 'summary.json'))) return 'finished';
  if (runLockHeld(dir)) return 'running';
  return lastLifecycleEvent(dir) === 'nan' ? 'failed' : 'interrupted';
}
