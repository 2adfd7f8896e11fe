/**
 * Atomic writes: content lands complete, and every failure (a throwing chunk
 * generator, a bad chunk, a rename onto a directory, an unwritable directory)
 * leaves the previous file byte-identical and no temporary file behind.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  tempPathFor,
  writeFileAtomic,
  writeFileAtomicAsync,
  writeJsonAtomic,
  writeJsonAtomicAsync,
} from '../../src/util/atomic-write.ts';

const root = mkdtempSync(join(tmpdir(), 'specl-atomic-'));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
/** A fresh directory holding `name` with `content`. */
function fixture(content = 'previous content\n', name = 'target.bin') {
  const dir = join(root, `case-${counter++}`);
  mkdirSync(dir);
  const path = join(dir, name);
  writeFileSync(path, content);
  return { dir, path, before: readFileSync(path) };
}
const listing = (dir: string): string[] => readdirSync(dir).sort();

describe('writeFileAtomic', () => {
  test('writes bytes, strings and chunk sequences; no temporary file remains', () => {
    const { dir, path } = fixture();
    writeFileAtomic(path, Uint8Array.of(1, 2, 3));
    assert.deepEqual([...readFileSync(path)], [1, 2, 3]);
    writeFileAtomic(path, 'héllo');
    assert.equal(readFileSync(path, 'utf8'), 'héllo');
    const big = Buffer.alloc(3 << 20, 7);
    writeFileAtomic(path, ['a', Uint8Array.of(0x62), big, Float32Array.of(1)]);
    const got = readFileSync(path);
    assert.equal(got.length, 2 + big.length + 4);
    assert.equal(got.subarray(0, 2).toString(), 'ab');
    assert.equal(got.readFloatLE(got.length - 4), 1);
    writeFileAtomic(join(dir, 'new.txt'), '');
    assert.equal(readFileSync(join(dir, 'new.txt'), 'utf8'), '');
    assert.deepEqual(listing(dir), ['new.txt', 'target.bin']);
  });

  test('a generator that throws mid-write leaves the previous file byte-identical', () => {
    const { dir, path, before } = fixture();
    function* chunks() {
      yield Buffer.alloc(1 << 20, 1);
      yield 'more';
      throw new Error('boom while producing chunk 3');
    }
    assert.throws(() => writeFileAtomic(path, chunks()), /boom while producing chunk 3/);
    assert.deepEqual(readFileSync(path), before);
    assert.deepEqual(listing(dir), ['target.bin']);
  });

  test('a chunk of the wrong type is a TypeError and leaves nothing behind', () => {
    const { dir, path, before } = fixture();
    assert.throws(() => writeFileAtomic(path, ['ok', 42 as unknown as string]), /chunk 1 must be a Uint8Array/);
    assert.throws(() => writeFileAtomic(path, 42 as unknown as string), /data must be a Uint8Array, a string/);
    assert.deepEqual(readFileSync(path), before);
    assert.deepEqual(listing(dir), ['target.bin']);
  });

  test('a failing rename (the target is a directory) removes the temporary file', () => {
    const { dir } = fixture();
    const target = join(dir, 'sub');
    mkdirSync(target);
    writeFileSync(join(target, 'inside'), 'x');
    assert.throws(
      () => writeFileAtomic(target, 'data'),
      (e: NodeJS.ErrnoException) => e.message.includes(`could not write '${target}'`) && typeof e.code === 'string',
    );
    assert.deepEqual(listing(dir), ['sub', 'target.bin']);
    assert.deepEqual(listing(target), ['inside']);
  });

  test('a missing directory is an error naming the target', () => {
    const path = join(root, 'no-such-dir', 'x.bin');
    assert.throws(
      () => writeFileAtomic(path, 'x'),
      (e: NodeJS.ErrnoException) => {
        assert.equal(e.code, 'ENOENT');
        assert.ok(e.message.includes(path));
        return true;
      },
    );
  });

  test('a read-only directory leaves the previous file untouched', {
    skip: process.getuid?.() === 0 ? 'running as root: permissions do not stop writes' : false,
  }, () => {
    const { dir, path, before } = fixture();
    chmodSync(dir, 0o555);
    try {
      assert.throws(
        () => writeFileAtomic(path, 'new'),
        (e: NodeJS.ErrnoException) => e.code === 'EACCES',
      );
    } finally {
      chmodSync(dir, 0o755);
    }
    assert.deepEqual(readFileSync(path), before);
    assert.deepEqual(listing(dir), ['target.bin']);
  });

  test('a write that fails mid-file (EFBIG under ulimit -f) leaves the previous file byte-identical', () => {
    const { dir, path, before } = fixture();
    const script = join(root, `efbig-${counter++}.mts`);
    const src = pathToFileURL(fileURLToPath(new URL('../../src/util/atomic-write.ts', import.meta.url))).href;
    writeFileSync(
      script,
      `import { writeFileAtomic, writeFileAtomicAsync } from '${src}';
const report = (e: unknown) => console.log((e as NodeJS.ErrnoException).code, (e as Error).message);
try { writeFileAtomic(process.argv[2], Buffer.alloc(1 << 20, 1)); console.log('no error'); } catch (e) { report(e); }
await writeFileAtomicAsync(process.argv[2], [Buffer.alloc(1 << 19, 2), Buffer.alloc(1 << 19, 3)]).then(
  () => console.log('no error'),
  report,
);
`,
    );
    // A 64 KiB file-size limit makes write(2) fail with EFBIG part-way through the 1 MiB temporary file.
    const r = spawnSync(
      'bash',
      ['-c', 'ulimit -f 64 && exec "$0" --import tsx "$1" "$2"', process.execPath, script, path],
      {
        cwd: fileURLToPath(new URL('../../', import.meta.url)),
        encoding: 'utf8',
      },
    );
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 2, r.stdout);
    for (const line of lines) assert.match(line, new RegExp(`^EFBIG could not write '${path}' atomically: EFBIG`));
    assert.deepEqual(readFileSync(path), before);
    assert.deepEqual(listing(dir), ['target.bin']);
  });

  test('an existing file keeps its permission bits', () => {
    const { path } = fixture();
    chmodSync(path, 0o600);
    writeFileAtomic(path, 'secret');
    assert.equal(statSync(path).mode & 0o777, 0o600);
    chmodSync(path, 0o640);
    writeFileAtomic(path, 'still');
    assert.equal(statSync(path).mode & 0o777, 0o640);
  });

  test('temporary names are in the same directory and unique', () => {
    const a = tempPathFor('/some/dir/model.safetensors');
    const b = tempPathFor('/some/dir/model.safetensors');
    assert.match(a, new RegExp(`^/some/dir/\\.model\\.safetensors\\.${process.pid}\\.[0-9a-f]{12}\\.tmp$`));
    assert.notEqual(a, b);
  });
});

describe('writeFileAtomicAsync', () => {
  test('writes sync and async chunk sequences', async () => {
    const { dir, path } = fixture();
    async function* chunks() {
      yield 'x';
      await new Promise((r) => setTimeout(r, 1));
      yield Uint8Array.of(0x79);
    }
    await writeFileAtomicAsync(path, chunks());
    assert.equal(readFileSync(path, 'utf8'), 'xy');
    await writeFileAtomicAsync(path, ['p', 'q']);
    assert.equal(readFileSync(path, 'utf8'), 'pq');
    assert.deepEqual(listing(dir), ['target.bin']);
  });

  test('an async generator that throws leaves the previous file byte-identical', async () => {
    const { dir, path, before } = fixture();
    async function* chunks() {
      yield Buffer.alloc(1 << 16, 2);
      throw new Error('async boom');
    }
    await assert.rejects(writeFileAtomicAsync(path, chunks()), /async boom/);
    assert.deepEqual(readFileSync(path), before);
    assert.deepEqual(listing(dir), ['target.bin']);
  });

  test('the sync writer refuses async iterables without touching the file', () => {
    const { dir, path, before } = fixture();
    async function* chunks() {
      yield 'x';
    }
    assert.throws(() => writeFileAtomic(path, chunks() as unknown as Iterable<string>), /use writeFileAtomicAsync/);
    assert.deepEqual(readFileSync(path), before);
    assert.deepEqual(listing(dir), ['target.bin']);
  });
});

describe('writeJsonAtomic', () => {
  test('writes indented JSON with a final newline', async () => {
    const { path } = fixture();
    const value = { a: [1, 2], b: { c: 'ü' } };
    writeJsonAtomic(path, value);
    assert.equal(readFileSync(path, 'utf8'), '{\n  "a": [\n    1,\n    2\n  ],\n  "b": {\n    "c": "ü"\n  }\n}\n');
    await writeJsonAtomicAsync(path, [1], 0);
    assert.equal(readFileSync(path, 'utf8'), '[1]\n');
  });

  test('a value without JSON form is refused and the file kept', () => {
    const { path, before } = fixture();
    assert.throws(() => writeJsonAtomic(path, undefined), /has no JSON representation/);
    assert.throws(() => writeJsonAtomic(path, { n: 1n }), /BigInt/);
    assert.deepEqual(readFileSync(path), before);
  });
});
