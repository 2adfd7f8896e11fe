/**
 * Reading files for the dashboard, only ever inside a folder of the index:
 * the path is joined on the server from the folder's real path and a name
 * the server chose (never one from a request), then resolved with realpath
 * and refused unless it still lies under the folder — so a symlink in a run
 * folder that points elsewhere (`summary.json -> /etc/passwd`) reads as
 * absent, and so does a folder swapped for a symlink after the scan.
 */
import { closeSync, fstatSync, openSync, readdirSync, readFileSync, readSync, realpathSync } from 'node:fs';
import { join, sep } from 'node:path';

/** The largest file the dashboard reads whole (a metrics.jsonl of a long run is far below). */
const MAX_FILE_BYTES = 512 * 1024 * 1024;

/** `name` inside `root` (a real path), resolved, or null when it is absent or resolves outside `root`. */
export function insideRoot(root: string, name: string): string | null {
  if (name.includes('\0') || name.split(/[\\/]/).some((p) => p === '..' || p === '')) return null;
  let real: string;
  try {
    real = realpathSync.native(join(root, name));
  } catch {
    return null;
  }
  return real.startsWith(root.endsWith(sep) ? root : root + sep) ? real : null;
}

/** The text of `root/name` (see `insideRoot`), or null. */
export function readInside(root: string, name: string): string | null {
  const path = insideRoot(root, name);
  if (path === null) return null;
  try {
    const fd = openSync(path, 'r');
    try {
      const st = fstatSync(fd);
      if (!st.isFile() || st.size > MAX_FILE_BYTES) return null;
      return readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
}

/** `root/name` parsed as JSON, or null (absent, outside, or not JSON). */
export function readJsonInside<T = unknown>(root: string, name: string): T | null {
  const text = readInside(root, name);
  if (text === null) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

/** The names of the plain files of `root/folder` ending in `ext` that resolve inside `root`. */
export function listInside(root: string, folder: string, ext: string): string[] {
  const dir = insideRoot(root, folder);
  if (dir === null) return [];
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isFile() && d.name.endsWith(ext))
      .map((d) => d.name)
      .filter((n) => insideRoot(root, `${folder}/${n}`) !== null)
      .sort();
  } catch {
    return [];
  }
}

/**
 * The bytes of the file at `path` from `offset` up to its end (at most
 * `limit`), or null when it cannot be read.
 */
export function readFrom(path: string, offset: number, limit = 64 * 1024 * 1024): Buffer | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const size = fstatSync(fd).size;
    const n = Math.max(0, Math.min(size - offset, limit));
    const buf = Buffer.alloc(n);
    let read = 0;
    while (read < n) {
      const r = readSync(fd, buf, read, n - read, offset + read);
      if (r === 0) break;
      read += r;
    }
    return buf.subarray(0, read);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}
