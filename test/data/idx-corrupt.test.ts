/**
 * IDX files (raw and gzipped) written here: a good pair loads with the bytes
 * written; each kind of damage gives an error naming the file and the problem.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { loadIdxSplit, readIdx } from '../../src/data/index.ts';
import { Rng } from '../helpers/prng.ts';
import { idx } from './idx-writer.ts';

const tmp = mkdtempSync(join(tmpdir(), 'specl-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

function write(name: string, bytes: Buffer): string {
  const p = join(tmp, name);
  writeFileSync(p, bytes);
  return p;
}

const rng = new Rng(42);
const [n, h, w] = [4, 3, 5];
const pixels = Uint8Array.from({ length: n * h * w }, () => rng.int(0, 256));
const labels = Uint8Array.from([3, 0, 9, 7]);

test('a good pair loads, raw and gzipped, with the bytes written', () => {
  for (const gz of [false, true]) {
    const enc = (b: Buffer): Buffer => (gz ? gzipSync(b) : b);
    const ip = write(`good-images${gz ? '.gz' : ''}`, enc(idx([n, h, w], pixels)));
    const lp = write(`good-labels${gz ? '.gz' : ''}`, enc(idx([n], labels)));
    const s = loadIdxSplit(ip, lp, 10);
    assert.deepEqual(s.images.shape, [n, 1, h, w]);
    assert.equal(s.images.dtype, 'uint8');
    assert.deepEqual(Array.from(s.images.data() as Uint8Array), Array.from(pixels));
    assert.deepEqual(s.labels.toArray(), Array.from(labels));
    assert.equal(s.labels.dtype, 'int64');
    s.images.dispose();
    s.labels.dispose();
  }
});

test('a wrong magic number or element type names the file', () => {
  const bad = idx([n, h, w], pixels);
  bad[0] = 0x1f; // not gzip either: its second byte is 0x00
  const p = write('magic-images', bad);
  assert.throws(() => readIdx(p), new RegExp(`${esc(p)}: bad IDX magic number 0x1f000803`));
  const floats = idx([n], labels);
  floats[2] = 0x0d; // IDX float32
  const q = write('float-labels', floats);
  assert.throws(() => readIdx(q), new RegExp(`${esc(q)}: IDX element type 0xd unsupported`));
});

test('truncated data, raw or gzipped, names the file and the byte counts', () => {
  const full = idx([n, h, w], pixels);
  const cut = full.subarray(0, full.length - 7);
  const p = write('short-images', cut);
  assert.throws(
    () => readIdx(p),
    new RegExp(`${esc(p)}: IDX data is truncated: header shape \\[4,3,5\\] needs 60 bytes, file has 53`),
  );
  const pg = write('short-images.gz', gzipSync(cut));
  assert.throws(() => readIdx(pg), new RegExp(`${esc(pg)}: IDX data is truncated`));
  const tooLong = write('long-images', Buffer.concat([full, Buffer.from([1, 2])]));
  assert.throws(() => readIdx(tooLong), /longer than its header says/);
  const header = write('short-header', full.subarray(0, 10));
  assert.throws(() => readIdx(header), new RegExp(`${esc(header)}: truncated IDX header`));
});

test('a truncated gzip stream names the file', () => {
  const gz = gzipSync(idx([n, h, w], pixels));
  const p = write('cut.gz', gz.subarray(0, gz.length - 12));
  assert.throws(() => readIdx(p), new RegExp(`${esc(p)}: gzip data is corrupt or truncated`));
});

test('image/label count mismatch and labels out of range name the files', () => {
  const ip = write('count-images', idx([n, h, w], pixels));
  const lp = write('count-labels', idx([3], labels.subarray(0, 3)));
  assert.throws(() => loadIdxSplit(ip, lp, 10), new RegExp(`${esc(lp)}: 3 labels for 4 images in ${esc(ip)}`));
  const rp = write('range-labels', idx([n], Uint8Array.from([3, 0, 10, 7])));
  assert.throws(() => loadIdxSplit(ip, rp, 10), new RegExp(`${esc(rp)}: label 10 at index 2 is out of range 0…9`));
  const flat = write('flat-images', idx([n * h * w], pixels));
  assert.throws(() => loadIdxSplit(flat, lp, 10), new RegExp(`${esc(flat)}: expected a 3-D IDX image file`));
});

test('a missing file names the path', () => {
  const p = join(tmp, 'absent-images');
  assert.throws(() => readIdx(p), new RegExp(`${esc(p)}: cannot read IDX file`));
});
