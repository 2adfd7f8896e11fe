/**
 * Atomic file replacement: a reader (or a crash) sees either the previous
 * file or the complete new one, never a partial write (DESIGN.md: "no partial
 * file is ever left where a good one was").
 *
 * The recipe is the classic one (as in npm's write-file-atomic and
 * LevelDB/SQLite's rename protocol): write a temporary file in the SAME
 * directory (rename is atomic only within one file system), fsync it so its
 * bytes are on disk before its name is, rename it over the target (POSIX
 * rename(2) replaces atomically), then fsync the directory so the rename
 * itself survives a power loss. Any error before the rename removes the
 * temporary file and leaves the target untouched. A process killed with
 * SIGKILL between creating and renaming the temporary file leaves it behind
 * (`.NAME.PID.RANDOM.tmp`); the target is still intact.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { type FileHandle, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/** One piece of file content: bytes (any typed array or Buffer), or text written as UTF-8. */
export type Chunk = ArrayBufferView | string;
/** File content: one chunk, or chunks produced one at a time (an array or a generator). */
export type AtomicData = Chunk | Iterable<Chunk>;
/** File content for the async writer: also chunks from an async generator. */
export type AtomicDataAsync = AtomicData | AsyncIterable<Chunk>;

/** The temporary name used next to `target`: `.NAME.PID.RANDOM.tmp` (pid and 48 random bits avoid collisions). */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

function toBytes(chunk: unknown, index: number): Uint8Array {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (chunk instanceof Uint8Array) return chunk;
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError(
    `writeFileAtomic: chunk ${index} must be a Uint8Array, Buffer or string, got ${chunk === null ? 'null' : typeof chunk}`,
  );
}

/** A single chunk as a one-element list, otherwise the iterable itself. */
function asChunks(data: unknown): Iterable<unknown> | AsyncIterable<unknown> {
  if (typeof data === 'string' || ArrayBuffer.isView(data)) return [data];
  if (data !== null && typeof data === 'object' && (Symbol.iterator in data || Symbol.asyncIterator in data)) {
    return data as Iterable<unknown> | AsyncIterable<unknown>;
  }
  throw new TypeError(
    `writeFileAtomic: data must be a Uint8Array, a string or an iterable of them, got ${data === null ? 'null' : typeof data}`,
  );
}

/** The permission bits of an existing target, kept on the replacement; undefined for a new file. */
function existingMode(target: string): number | undefined {
  try {
    return statSync(target).mode & 0o7777;
  } catch {
    return undefined;
  }
}

/** File-system errors say which file: the target, not only the temporary name. */
function describe(e: unknown, target: string): unknown {
  if (e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string') {
    const wrapped = new Error(`could not write '${target}' atomically: ${e.message}`, { cause: e });
    (wrapped as NodeJS.ErrnoException).code = (e as NodeJS.ErrnoException).code;
    return wrapped;
  }
  return e;
}

// Some file systems refuse fsync on a directory; the rename has happened by then, so that is not a failure.
const DIR_FSYNC_UNSUPPORTED = new Set(['EINVAL', 'ENOTSUP', 'EISDIR', 'EPERM', 'EACCES', 'EBADF']);

function fsyncDirSync(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch (e) {
    if (!DIR_FSYNC_UNSUPPORTED.has((e as NodeJS.ErrnoException).code ?? '')) throw e;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Replaces the file at `path` with `data` atomically (see the module
 * comment). `data` may be bytes, a string, or an iterable of chunks written in
 * order, so a large file need not be built in memory first; if the iterable
 * throws, the previous file stays byte-identical and no temporary file
 * remains. An existing target keeps its permission bits.
 */
export function writeFileAtomic(path: string, data: AtomicData): void {
  const target = resolve(path);
  const tmp = tempPathFor(target);
  const chunks = asChunks(data);
  if (!(Symbol.iterator in chunks)) {
    throw new TypeError('writeFileAtomic: data is an async iterable; use writeFileAtomicAsync');
  }
  const mode = existingMode(target);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o666);
    if (mode !== undefined) fchmodSync(fd, mode);
    let index = 0;
    for (const chunk of chunks) {
      const bytes = toBytes(chunk, index++);
      for (let off = 0; off < bytes.byteLength; ) off += writeSync(fd, bytes, off, bytes.byteLength - off);
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, target);
  } catch (e) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // already failing; the original error matters
      }
    }
    try {
      unlinkSync(tmp);
    } catch {
      // never created, or already renamed
    }
    throw describe(e, target);
  }
  fsyncDirSync(dirname(target));
}

async function fsyncDir(dir: string): Promise<void> {
  let h: FileHandle | undefined;
  try {
    h = await open(dir, 'r');
    await h.sync();
  } catch (e) {
    if (!DIR_FSYNC_UNSUPPORTED.has((e as NodeJS.ErrnoException).code ?? '')) throw e;
  } finally {
    await h?.close();
  }
}

/** The async form of {@link writeFileAtomic}; `data` may also be an async iterable of chunks. */
export async function writeFileAtomicAsync(path: string, data: AtomicDataAsync): Promise<void> {
  const target = resolve(path);
  const tmp = tempPathFor(target);
  const chunks = asChunks(data);
  let mode: number | undefined;
  try {
    mode = (await stat(target)).mode & 0o7777;
  } catch {
    mode = undefined;
  }
  let h: FileHandle | undefined;
  try {
    h = await open(tmp, 'wx', 0o666);
    if (mode !== undefined) await h.chmod(mode);
    let index = 0;
    for await (const chunk of chunks) {
      const bytes = toBytes(chunk, index++);
      for (let off = 0; off < bytes.byteLength; ) {
        off += (await h.write(bytes, off, bytes.byteLength - off)).bytesWritten;
      }
    }
    await h.sync();
    await h.close();
    h = undefined;
    await rename(tmp, target);
  } catch (e) {
    await h?.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw describe(e, target);
  }
  await fsyncDir(dirname(target));
}

/** JSON text of `value` with a final newline; throws when `value` has no JSON form (undefined, a function). */
function jsonText(path: string, value: unknown, indent: number): string {
  const text = JSON.stringify(value, null, indent);
  if (text === undefined) {
    throw new TypeError(`writeJsonAtomic: '${path}': the value (${typeof value}) has no JSON representation`);
  }
  return `${text}\n`;
}

/** Writes `value` as indented JSON (plus a newline) to `path` atomically. */
export function writeJsonAtomic(path: string, value: unknown, indent = 2): void {
  writeFileAtomic(path, jsonText(path, value, indent));
}

/** The async form of {@link writeJsonAtomic}. */
export async function writeJsonAtomicAsync(path: string, value: unknown, indent = 2): Promise<void> {
  await writeFileAtomicAsync(path, jsonText(path, value, indent));
}
