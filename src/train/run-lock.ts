/**
 * One writer per run folder. A process that writes a run (a fresh start, a
 * resume, for the whole run; probe/knn/demo while they write their reports,
 * waiting up to 10 s for another's) holds the file `lock` in the
 * folder: JSON `{pid, host, started}`, created exclusively (`open(…, 'wx')`,
 * so of two processes exactly one succeeds) and removed when it is done.
 *
 * A second process is refused with the folder and the holder's pid. A lock
 * whose holder is dead — same host, `kill(pid, 0)` says ESRCH, as after a
 * SIGKILL or a power loss — is stale and taken over, and the taker is told so
 * (`tookOver`), so a killed run can always be resumed. Taking over is done
 * under a second exclusive file (`lock.takeover`), so that of two processes
 * finding the same stale lock only one takes it. A lock from another host is
 * never judged (its pid means nothing here): the message says how to remove
 * it by hand. (A dead holder's pid reused by an unrelated process on the same
 * host reads as alive; the message names the pid and the file to delete.)
 */
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** Who holds a run folder's lock: what the `lock` file says. */
export interface RunLockHolder {
  pid: number;
  host: string;
  /** ISO time the lock was taken. */
  started: string;
}

/** A held lock. */
export interface RunLock {
  /** The lock file. */
  readonly path: string;
  /** The holder of a stale lock this one replaced (its process was dead), else null. */
  readonly tookOver: RunLockHolder | null;
  /** Removes the lock (only if it is still this process's); calling it again does nothing. */
  release(): void;
}

const LOCK = 'lock';
/** A lock or takeover file this old that still holds no readable holder was left by a process killed mid-write. */
const UNREADABLE_GRACE_MS = 10_000;
/** Locks this process holds (a second lock of one folder by the same process is refused too). */
const held = new Set<string>();

const errno = (e: unknown) => (e as NodeJS.ErrnoException).code ?? '';
/** An OS error as "CODE, reason" ("EACCES, permission denied"). */
export const osReason = (e: unknown) =>
  `${errno(e) || 'error'}, ${((e as Error).message ?? String(e)).replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '')}`;

function readHolder(path: string): RunLockHolder | null {
  try {
    const h = JSON.parse(readFileSync(path, 'utf8')) as Partial<RunLockHolder>;
    if (Number.isSafeInteger(h.pid) && typeof h.host === 'string' && typeof h.started === 'string')
      return h as RunLockHolder;
  } catch {
    // missing, or torn by a kill between create and write: the caller decides by the file's age
  }
  return null;
}

/** Whether the process `pid` of this host is alive (EPERM: alive, someone else's). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errno(e) !== 'ESRCH';
  }
}

/** Creates `path` exclusively with `text`; false when it exists already. */
function createExclusive(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (e) {
    if (errno(e) === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}

const olderThan = (path: string, ms: number) => {
  try {
    return Date.now() - statSync(path).mtimeMs > ms;
  } catch {
    return true;
  }
};

/** The run's lock is held by another live process (or is changing hands): waiting may help, unlike other errors. */
export class RunBusyError extends Error {
  override name = 'RunBusyError';
}

const describeHolder = (h: RunLockHolder) => `pid ${h.pid} on ${h.host}, since ${h.started}`;

/**
 * Takes the lock of the run folder `dir` (which must exist), or throws
 * naming the folder and the holder. A stale lock is taken over (see the
 * module comment). Errors other than "held" (a folder that is not writable)
 * name the lock file and the OS reason.
 */
export function lockRun(dir: string): RunLock {
  const path = join(dir, LOCK);
  if (held.has(path)) throw new RunBusyError(`${dir}: this process already writes this run (${path})`);
  const me: RunLockHolder = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  const text = `${JSON.stringify(me)}\n`;
  let tookOver: RunLockHolder | null = null;
  try {
    if (!createExclusive(path, text)) {
      const holder = readHolder(path);
      const stale =
        holder === null
          ? olderThan(path, UNREADABLE_GRACE_MS)
          : holder.host === me.host && (holder.pid === process.pid || !alive(holder.pid));
      // holder.pid === ours but not in `held`: a previous process that had our pid (a restarted container)
      if (!stale) {
        throw new RunBusyError(
          holder === null
            ? `${dir}: another process is taking this run's lock (${path} is being written); try again`
            : `${dir}: the run is being written by another process (${describeHolder(holder)}); ` +
                (holder.host === me.host
                  ? `wait for it to end, or stop it`
                  : `if no process on ${holder.host} writes this run any more, delete ${path}`),
        );
      }
      tookOver = takeOver(dir, path, holder, text);
    }
  } catch (e) {
    if (errno(e) !== '')
      throw new Error(`${dir}: the run folder is not writable (cannot create ${path}: ${osReason(e)})`, { cause: e });
    throw e;
  }
  held.add(path);
  // A process ending without reaching `release` (process.exit) still removes its lock.
  const onExit = () => removeIfMine(path, text);
  process.on('exit', onExit);
  let released = false;
  return {
    path,
    tookOver,
    release() {
      if (released) return;
      released = true;
      process.off('exit', onExit);
      held.delete(path);
      removeIfMine(path, text);
    },
  };
}

/** Replaces the stale lock (holder `stale`) with ours, under `lock.takeover` so that only one process does. */
function takeOver(dir: string, path: string, stale: RunLockHolder | null, text: string): RunLockHolder {
  const guard = `${path}.takeover`;
  // A guard left by a process killed in the few instructions it is held is cleared after a grace period.
  if (!createExclusive(guard, text)) {
    const busy = `${dir}: another process is taking over this run's stale lock (${guard}); try again`;
    if (!olderThan(guard, UNREADABLE_GRACE_MS)) throw new RunBusyError(busy);
    unlinkQuiet(guard);
    if (!createExclusive(guard, text)) throw new RunBusyError(busy);
  }
  try {
    // Still the stale lock we judged? (Another process may have taken it over and released it meanwhile.)
    const now = readHolder(path);
    if (JSON.stringify(now) !== JSON.stringify(stale))
      throw new RunBusyError(`${dir}: the run's lock changed hands while being taken over; try again`);
    unlinkQuiet(path);
    if (!createExclusive(path, text)) throw new RunBusyError(`${dir}: another process took the run's lock; try again`);
  } finally {
    unlinkQuiet(guard);
  }
  return stale ?? { pid: 0, host: 'unknown (an empty lock file)', started: 'unknown' };
}

function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

function removeIfMine(path: string, text: string): void {
  try {
    if (readFileSync(path, 'utf8') === text) unlinkSync(path);
  } catch {
    // gone already (or taken over by force): nothing of ours to remove
  }
}

/**
 * {@link lockRun}, trying again every `pollMs` while another process holds
 * the lock, for up to `waitMs` (for writers that hold it briefly, as two
 * `specl probe` runs writing their reports); then throws its RunBusyError.
 */
export async function lockRunWaiting(dir: string, o: { waitMs: number; pollMs?: number }): Promise<RunLock> {
  const until = Date.now() + o.waitMs;
  for (;;) {
    try {
      return lockRun(dir);
    } catch (e) {
      if (!(e instanceof RunBusyError) || Date.now() >= until) throw e;
    }
    await new Promise((resolve) => setTimeout(resolve, o.pollMs ?? 100));
  }
}
