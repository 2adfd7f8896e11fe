/**
 * safetensors: round trips of every dtype, byte-exact agreement with the
 * reference implementation's published test vectors, an independent
 * stdlib-only Python reader/writer (scripts/safetensors_ref.py), a byte-level
 * parse with DataView, every corrupt-file error, and SIGKILL during saves.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cudaAvailable, type DType, type Tensor, tensor, tidy, zeros } from '../../src/tensor/index.ts';
import {
  decodeSafetensors,
  encodeSafetensors,
  loadSafetensors,
  saveSafetensors,
} from '../../src/tensor/safetensors.ts';
import { Rng } from '../helpers/prng.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const refScript = join(root, 'scripts/safetensors_ref.py');
const dir = mkdtempSync(join(tmpdir(), 'specl-safetensors-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const hasPython = spawnSync('python3', ['--version']).status === 0;
const pythonSkip = hasPython ? false : 'python3 is not installed: the independent reader/writer cannot run';

const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const sha256 = (a: ArrayBufferView): string => createHash('sha256').update(bytesOf(a)).digest('hex');
/** float32 bit pattern of x, via DataView (independent of libtorch). */
function f32Bits(x: number): number {
  const v = new DataView(new ArrayBuffer(4));
  v.setFloat32(0, x, true);
  return v.getUint32(0, true);
}
/** bfloat16 bits of a value whose float32 low half is zero. */
function bf16Bits(x: number): number {
  const bits = f32Bits(x);
  assert.equal(bits & 0xffff, 0, `${x} is not exactly representable in bfloat16`);
  return bits >>> 16;
}
/** A float16 or bfloat16 tensor holding exactly `values`. */
const halfTensor = (values: number[], dtype: 'float16' | 'bfloat16'): Tensor =>
  tensor(Float32Array.from(values)).to(dtype);

function python(args: string[]): string {
  const r = spawnSync('python3', [refScript, ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, `safetensors_ref.py ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

describe('round trip', () => {
  test('every dtype, scalars and empty tensors, metadata preserved', () => {
    const rng = new Rng(7);
    const f32 = Float32Array.from(rng.normals(12));
    const f64 = rng.normals(5);
    const i64 = BigInt64Array.from([-(2n ** 62n), 0n, 2n ** 53n + 1n, 9223372036854775807n]);
    const i32 = Int32Array.from([-2147483648, -1, 0, 2147483647]);
    const i16 = Int16Array.from([-32768, 5, 32767]);
    const i8 = Int8Array.from([-128, -1, 0, 127]);
    const u8 = Uint8Array.from([0, 17, 255]);
    const f16 = [1, -2, 0.5, 65504, 2 ** -14, 2 ** -24];
    const bf16 = [1, -3, 0.15625, 2 ** 100];
    const input: Record<string, Tensor> = {
      f32: tensor(f32, [3, 4]),
      f64: tensor(f64, [5]),
      i64: tensor(i64, [2, 2]),
      i32: tensor(i32, [4]),
      i16: tensor(i16, [3]),
      i8: tensor(i8, [2, 2]),
      u8: tensor(u8, [3]),
      bool: tensor(Uint8Array.from([1, 0, 0, 1, 1]), [5]).to('bool'),
      f16: halfTensor(f16, 'float16'),
      bf16: halfTensor(bf16, 'bfloat16'),
      scalar: tensor(Float64Array.of(Math.E), []),
      scalarInt: tensor(BigInt64Array.of(-5n), []),
      empty: zeros([0]),
      empty3d: zeros([2, 0, 3], { dtype: 'int32' }),
    };
    const metadata = { epoch: '12', note: 'ünïcode "quoted"\n\ttab', '0': 'integer-like key', '': 'empty key' };
    const out = decodeSafetensors(encodeSafetensors(input, metadata));
    assert.deepEqual(out.metadata, metadata);
    assert.deepEqual(Object.keys(out.tensors).sort(), Object.keys(input).sort());
    const expected: Record<string, { dtype: DType; shape: number[]; data: ArrayBufferView }> = {
      f32: { dtype: 'float32', shape: [3, 4], data: f32 },
      f64: { dtype: 'float64', shape: [5], data: f64 },
      i64: { dtype: 'int64', shape: [2, 2], data: i64 },
      i32: { dtype: 'int32', shape: [4], data: i32 },
      i16: { dtype: 'int16', shape: [3], data: i16 },
      i8: { dtype: 'int8', shape: [2, 2], data: i8 },
      u8: { dtype: 'uint8', shape: [3], data: u8 },
      bool: { dtype: 'bool', shape: [5], data: Uint8Array.from([1, 0, 0, 1, 1]) },
      // float16: sign | 5-bit exponent (bias 15) | 10-bit mantissa, written out by hand
      f16: { dtype: 'float16', shape: [6], data: Uint16Array.from([0x3c00, 0xc000, 0x3800, 0x7bff, 0x0400, 0x0001]) },
      bf16: { dtype: 'bfloat16', shape: [4], data: Uint16Array.from(bf16.map(bf16Bits)) },
      scalar: { dtype: 'float64', shape: [], data: Float64Array.of(Math.E) },
      scalarInt: { dtype: 'int64', shape: [], data: BigInt64Array.of(-5n) },
      empty: { dtype: 'float32', shape: [0], data: new Float32Array(0) },
      empty3d: { dtype: 'int32', shape: [2, 0, 3], data: new Int32Array(0) },
    };
    for (const [name, e] of Object.entries(expected)) {
      const t = out.tensors[name] as Tensor;
      assert.equal(t.dtype, e.dtype, name);
      assert.deepEqual(t.shape, e.shape, name);
      assert.equal(t.device, 'cpu', name);
      assert.deepEqual(bytesOf(t.data()), bytesOf(e.data), `${name}: bytes differ`);
    }
    assert.deepEqual(out.tensors.f16?.to('float32').toArray(), f16);
    assert.deepEqual(out.tensors.bf16?.to('float32').toArray(), bf16);
  });

  test('no tensors and no metadata', () => {
    const out = decodeSafetensors(encodeSafetensors({}));
    assert.deepEqual(out, { tensors: {}, metadata: {} });
  });

  test('non-contiguous and requires-grad tensors are written in C order', () => {
    const base = tensor(Float32Array.from([0, 1, 2, 3, 4, 5]), [2, 3]);
    const t = base.t();
    assert.equal(t.isContiguous(), false);
    const p = tensor(Float32Array.from([1, 2]), { requiresGrad: true });
    const out = decodeSafetensors(encodeSafetensors({ t, p })).tensors;
    assert.deepEqual(out.t?.shape, [3, 2]);
    assert.deepEqual(out.t?.toArray(), [0, 3, 1, 4, 2, 5]);
    assert.deepEqual(out.p?.toArray(), [1, 2]);
  });

  test('a Map of tensors and a tensor named __proto__', () => {
    const m = new Map([['__proto__', tensor(Int32Array.of(4))]]);
    const out = decodeSafetensors(encodeSafetensors(m));
    assert.deepEqual(Object.keys(out.tensors), ['__proto__']);
    assert.deepEqual(Object.getOwnPropertyDescriptor(out.tensors, '__proto__')?.value.toArray(), [4]);
  });

  test('save/load through a file', () => {
    const path = join(dir, 'roundtrip.safetensors');
    saveSafetensors(path, { w: tensor(Float64Array.of(1.5, -2), [1, 2]) }, { step: '3' });
    const out = loadSafetensors(path);
    assert.deepEqual(out.tensors.w?.toArray(), [1.5, -2]);
    assert.deepEqual(out.metadata, { step: '3' });
  });

  test('CUDA tensors are copied to the CPU', { skip: cudaAvailable() ? false : 'no CUDA device' }, () => {
    const t = tensor(Float32Array.of(1, 2, 3)).to('cuda');
    const out = decodeSafetensors(encodeSafetensors({ t })).tensors.t as Tensor;
    assert.equal(out.device, 'cpu');
    assert.deepEqual(out.toArray(), [1, 2, 3]);
  });

  test('bad inputs to the writer', () => {
    assert.throws(() => encodeSafetensors({ __metadata__: zeros([1]) }), /'__metadata__' is reserved/);
    assert.throws(() => encodeSafetensors({ w: [1, 2] as unknown as Tensor }), /tensor 'w' is not a Tensor/);
    const gone = zeros([1]);
    gone.dispose();
    assert.throws(() => encodeSafetensors({ gone }), /tensor 'gone' has been disposed/);
    assert.throws(
      () => encodeSafetensors({}, { epoch: 3 as unknown as string }),
      /metadata 'epoch' must be a string, got number/,
    );
  });
});

describe('layout of the reference implementation', () => {
  // Expected bytes copied from the tests of huggingface/safetensors, safetensors/src/tensor.rs
  // (test_serialization, test_serialization_forced_alignement, test_empty).
  const sixFloats = Float32Array.from([0, 1, 2, 3, 4, 5]);
  test('test_serialization: attn.0 F32 [1, 2, 3]', () => {
    const expected = [
      64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100, 116, 121, 112, 101, 34, 58, 34,
      70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95,
      111, 102, 102, 115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0,
      64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
    ];
    assert.deepEqual([...encodeSafetensors({ 'attn.0': tensor(sixFloats, [1, 2, 3]) })], expected);
  });
  test('test_serialization_forced_alignement: attn0 F32 [1, 1, 2, 3]', () => {
    const expected = [
      72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116, 121, 112, 101, 34, 58, 34, 70,
      51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58, 91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97,
      95, 111, 102, 102, 115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 32, 32, 32, 32, 32, 32, 32, 0, 0,
      0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
    ];
    assert.deepEqual([...encodeSafetensors({ attn0: tensor(sixFloats, [1, 1, 2, 3]) })], expected);
  });
  test('test_empty: no tensors, with and without metadata', () => {
    assert.deepEqual([...encodeSafetensors({})], [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
    const expected = [
      40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95, 95, 34, 58, 123, 34, 102, 114,
      97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112, 116, 34, 125, 125, 32, 32, 32, 32, 32,
    ];
    assert.deepEqual([...encodeSafetensors({}, { framework: 'pt' })], expected);
  });
});

/**
 * Tensors for the files specl writes, with the bytes and float sums the
 * readers must find, computed here from the typed arrays alone.
 */
function writerCase() {
  const rng = new Rng(11);
  const w = Float32Array.from(rng.normals(6));
  const b = rng.normals(3);
  const grid = Float32Array.from([0, 1, 2, 3, 4, 5]); // written transposed: [[0, 3], [1, 4], [2, 5]]
  const entries: Record<string, { t: Tensor; code: string; shape: number[]; bytes: ArrayBufferView; sum?: number }> = {
    'layer.weight': { t: tensor(w, [2, 3]), code: 'F32', shape: [2, 3], bytes: w, sum: w.reduce((s, x) => s + x, 0) },
    'layer.bias': { t: tensor(b, [3]), code: 'F64', shape: [3], bytes: b, sum: b.reduce((s, x) => s + x, 0) },
    count: {
      t: tensor(BigInt64Array.of(-1n, 2n ** 60n, 3n), [3]),
      code: 'I64',
      shape: [3],
      bytes: BigInt64Array.of(-1n, 2n ** 60n, 3n),
    },
    ids: { t: tensor(Int32Array.of(5, -6, 7, 8)), code: 'I32', shape: [4], bytes: Int32Array.of(5, -6, 7, 8) },
    short: { t: tensor(Int16Array.of(-300, 0, 300)), code: 'I16', shape: [3], bytes: Int16Array.of(-300, 0, 300) },
    tiny: { t: tensor(Int8Array.of(-7, 0, 7)), code: 'I8', shape: [3], bytes: Int8Array.of(-7, 0, 7) },
    pixels: {
      t: tensor(Uint8Array.of(0, 9, 200, 255), [2, 2]),
      code: 'U8',
      shape: [2, 2],
      bytes: Uint8Array.of(0, 9, 200, 255),
    },
    mask: {
      t: tensor(Uint8Array.of(1, 0, 1, 1)).to('bool'),
      code: 'BOOL',
      shape: [4],
      bytes: Uint8Array.of(1, 0, 1, 1),
    },
    half: {
      t: halfTensor([1, -2, 0.5], 'float16'),
      code: 'F16',
      shape: [3],
      bytes: Uint16Array.of(0x3c00, 0xc000, 0x3800),
    },
    brain: {
      t: halfTensor([1, -3], 'bfloat16'),
      code: 'BF16',
      shape: [2],
      bytes: Uint16Array.of(bf16Bits(1), bf16Bits(-3)),
    },
    transposed: {
      t: tensor(grid, [2, 3]).t(),
      code: 'F32',
      shape: [3, 2],
      bytes: Float32Array.of(0, 3, 1, 4, 2, 5),
      sum: 15,
    },
    scalar: {
      t: tensor(Float64Array.of(Math.PI), []),
      code: 'F64',
      shape: [],
      bytes: Float64Array.of(Math.PI),
      sum: Math.PI,
    },
    empty: { t: zeros([0, 3]), code: 'F32', shape: [0, 3], bytes: new Float32Array(0), sum: 0 },
    ünïcode: { t: tensor(Float32Array.of(0.25)), code: 'F32', shape: [1], bytes: Float32Array.of(0.25), sum: 0.25 },
    // U+FF01 sorts before U+1F600 in UTF-8 bytes (the reference order) but after it in UTF-16 code units.
    'x\uff01': { t: tensor(Float32Array.of(1)), code: 'F32', shape: [1], bytes: Float32Array.of(1), sum: 1 },
    'x\u{1f600}': { t: tensor(Float32Array.of(2)), code: 'F32', shape: [1], bytes: Float32Array.of(2), sum: 2 },
  };
  // Descending dtype alignment (I64, F64, F32, I32, BF16, F16, I16, I8, U8, BOOL), then name in UTF-8 byte order.
  const order = [
    'count',
    'layer.bias',
    'scalar',
    'empty',
    'layer.weight',
    'transposed',
    'x\uff01',
    'x\u{1f600}',
    'ünïcode',
    'ids',
    'brain',
    'half',
    'short',
    'tiny',
    'pixels',
    'mask',
  ];
  const metadata = { epoch: '3', note: 'ünïcode "quoted"\n', '0': 'integer-like key' };
  const tensors = Object.fromEntries(Object.entries(entries).map(([k, e]) => [k, e.t]));
  return { entries, order, metadata, tensors };
}

describe('files written by specl', () => {
  test('byte-level parse with DataView', () => {
    const c = writerCase();
    const path = join(dir, 'bytes.safetensors');
    saveSafetensors(path, c.tensors, c.metadata);
    const file = readFileSync(path);
    const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
    const n = Number(view.getBigUint64(0, true));
    assert.equal(n % 8, 0, 'header length is a multiple of 8');
    const headerText = new TextDecoder().decode(file.subarray(8, 8 + n));
    assert.match(headerText, /^\{.*\} *$/s, 'JSON padded with spaces');
    assert.ok(headerText.length - headerText.trimEnd().length <= 7, 'at most 7 padding spaces');
    const header = JSON.parse(headerText) as Record<string, { dtype: string; shape: number[]; data_offsets: number[] }>;
    // Key order as written: scan the raw text for each key in turn.
    const keys = ['__metadata__', ...c.order];
    let at = 0;
    for (const k of keys) {
      const found = headerText.indexOf(`${JSON.stringify(k)}:`, at);
      assert.ok(found >= at, `key ${k} appears in order`);
      at = found + 1;
    }
    assert.deepEqual(header.__metadata__, c.metadata);
    let offset = 0;
    for (const name of c.order) {
      const e = c.entries[name]!;
      const info = header[name]!;
      assert.deepEqual(info, { dtype: e.code, shape: e.shape, data_offsets: [offset, offset + e.bytes.byteLength] });
      const itemsize = (e.bytes as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
      assert.equal((8 + n + offset) % itemsize, 0, `${name} starts aligned to its ${itemsize}-byte elements`);
      const got = file.subarray(8 + n + offset, 8 + n + offset + e.bytes.byteLength);
      assert.deepEqual(new Uint8Array(got), new Uint8Array(bytesOf(e.bytes)), `${name}: bytes`);
      offset += e.bytes.byteLength;
    }
    assert.equal(file.length, 8 + n + offset, 'the offsets cover the data section exactly');
  });

  test('the independent Python reader agrees', { skip: pythonSkip }, () => {
    const c = writerCase();
    const path = join(dir, 'for-python.safetensors');
    saveSafetensors(path, c.tensors, c.metadata);
    const summary = JSON.parse(python(['read', path])) as {
      header_length: number;
      keys: string[];
      metadata: Record<string, string>;
      tensors: { name: string; dtype: string; shape: number[]; sha256: string; sum?: number; values?: unknown[] }[];
    };
    assert.equal(summary.header_length % 8, 0);
    assert.deepEqual(summary.keys, ['__metadata__', ...c.order]);
    assert.deepEqual(summary.metadata, c.metadata);
    assert.deepEqual(
      summary.tensors.map((t) => t.name),
      c.order,
    );
    for (const s of summary.tensors) {
      const e = c.entries[s.name]!;
      assert.equal(s.dtype, e.code, s.name);
      assert.deepEqual(s.shape, e.shape, s.name);
      assert.equal(s.sha256, sha256(e.bytes), `${s.name}: SHA-256 of the bytes`);
      if (e.sum !== undefined) {
        assert.ok(Math.abs((s.sum as number) - e.sum) <= 1e-12 * (1 + Math.abs(e.sum)), `${s.name}: sum ${s.sum}`);
      }
    }
    const values = Object.fromEntries(summary.tensors.map((t) => [t.name, t.values]));
    assert.deepEqual(values.count, ['-1', String(2n ** 60n), '3']);
    assert.deepEqual(values.half, [1, -2, 0.5]);
    assert.deepEqual(values.brain, [1, -3]);
    assert.deepEqual(values.mask, [1, 0, 1, 1]);
    assert.deepEqual(values.transposed, [0, 3, 1, 4, 2, 5]);
  });

  test('the Python safetensors package reads it', async (t) => {
    const probe = spawnSync('python3', ['-c', 'from safetensors import deserialize'], { encoding: 'utf8' });
    if (!hasPython || probe.status !== 0) {
      t.skip('the safetensors Python package is not installed (Debian has none)');
      return;
    }
    const c = writerCase();
    const path = join(dir, 'for-hf.safetensors');
    saveSafetensors(path, c.tensors, c.metadata);
    const code =
      'import sys, json, hashlib\nfrom safetensors import deserialize\n' +
      'items = deserialize(open(sys.argv[1], "rb").read())\n' +
      'print(json.dumps({n: [list(d["shape"]), hashlib.sha256(bytes(d["data"])).hexdigest()] for n, d in items}))';
    const r = spawnSync('python3', ['-c', code, path], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout) as Record<string, [number[], string]>;
    assert.deepEqual(Object.keys(got).sort(), Object.keys(c.entries).sort());
    for (const [name, [shape, digest]] of Object.entries(got)) {
      assert.deepEqual(shape, c.entries[name]!.shape, name);
      assert.equal(digest, sha256(c.entries[name]!.bytes), name);
    }
  });
});

describe('files written by the independent Python writer', () => {
  test('specl reads every tensor and re-encodes the same bytes', { skip: pythonSkip }, () => {
    const path = join(dir, 'from-python.safetensors');
    python(['write', path]);
    const { tensors, metadata } = loadSafetensors(path);
    assert.deepEqual(metadata, { format: 'pt', written_by: 'scripts/safetensors_ref.py' });
    const check = (name: string, dtype: DType, shape: number[], values: unknown[]) => {
      const t = tensors[name] as Tensor;
      assert.ok(t, `tensor ${name} present`);
      assert.equal(t.dtype, dtype, name);
      assert.deepEqual(t.shape, shape, name);
      const data = dtype === 'float16' || dtype === 'bfloat16' ? t.to('float32').data() : t.data();
      assert.deepEqual([...(data as ArrayLike<unknown> & Iterable<unknown>)], values, name);
    };
    check('weight', 'float32', [2, 3], [0.5, -1.25, 2, 3.75, -4, 1024.125]);
    check('bias', 'float64', [3], [1 / 3, -2.5, 1e300]);
    check('half', 'float16', [2, 2], [1, -2, 0.5, 65504]);
    check('brain', 'bfloat16', [3], [1, -3, 0.15625]);
    check('step', 'int64', [], [123456789012345n]);
    check('labels', 'int32', [5], [-3, 0, 7, 2147483647, -2147483648]);
    check('short', 'int16', [2], [-32768, 32767]);
    check('tiny', 'int8', [3], [-128, 0, 127]);
    check('pixels', 'uint8', [2, 2], [0, 1, 254, 255]);
    check('mask', 'bool', [3], [1, 0, 1]);
    check('empty', 'float32', [0, 4], []);
    check('café', 'float64', [1], [-0]);
    assert.ok(Object.is(tensors.café?.data()[0], -0), 'negative zero survives');
    assert.equal(Object.keys(tensors).length, 12);
    // Two independent writers of the reference layout must agree byte for byte.
    assert.deepEqual(encodeSafetensors(tensors, metadata), readFileSync(path));
  });
});

/** A file from a raw header string (padded to 8 bytes) and a data section. */
function rawFile(header: string, data: Uint8Array | number = 0): Buffer {
  const json = Buffer.from(header, 'utf8');
  const padded = Buffer.concat([json, Buffer.alloc((8 - (json.length % 8)) % 8, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(padded.length));
  return Buffer.concat([len, padded, typeof data === 'number' ? Buffer.alloc(data) : data]);
}
const entry = (dtype: unknown, shape: unknown, offsets: unknown) =>
  JSON.stringify({ dtype, shape, data_offsets: offsets });

describe('corrupt files give clear errors', () => {
  const cases: [string, Buffer, RegExp][] = [
    ['empty file', Buffer.alloc(0), /bad\.st: the file is 0 bytes, shorter than 8 bytes .*truncated/],
    ['5 bytes', Buffer.alloc(5), /shorter than 8 bytes/],
    [
      'header longer than the file',
      Buffer.concat([Buffer.from([64, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{}')]),
      /truncated: the header length says 64 bytes but only 2 bytes follow/,
    ],
    [
      'absurd header length',
      Buffer.from([0, 0, 0, 0, 0, 1, 0, 0, 0x7b, 0x7d]),
      /header length 1099511627776 bytes exceeds the 100 MB limit/,
    ],
    ['header length 2^64-1', Buffer.from([255, 255, 255, 255, 255, 255, 255, 255]), /exceeds the 100 MB limit/],
    ['invalid UTF-8', rawFile('{"\xff"}').fill(0xff, 10, 11), /not valid UTF-8/],
    ['not JSON', rawFile('{"w": {"dtype": "F32",'), /the header is not valid JSON/],
    ['JSON array', rawFile('[]'), /the header must be a JSON object/],
    [
      'entry not an object',
      rawFile('{"w": 3}'),
      /tensor 'w': expected an object \{dtype, shape, data_offsets\}, got 3/,
    ],
    [
      'missing dtype',
      rawFile(`{"w": {"shape": [1], "data_offsets": [0, 4]}}`, 4),
      /tensor 'w': field 'dtype' is missing/,
    ],
    [
      'dtype not a string',
      rawFile(`{"w": ${entry(4, [1], [0, 4])}}`, 4),
      /tensor 'w': field 'dtype' must be a string, got 4/,
    ],
    [
      'unknown dtype',
      rawFile(`{"w": ${entry('F99', [1], [0, 4])}}`, 4),
      /tensor 'w': unknown dtype 'F99'; expected one of F64, F32/,
    ],
    [
      'unsupported dtype',
      rawFile(`{"w": ${entry('U16', [2], [0, 4])}}`, 4),
      /tensor 'w': dtype 'U16' is valid safetensors but not supported by libtorch 1\.13/,
    ],
    [
      'missing shape',
      rawFile(`{"w": {"dtype": "F32", "data_offsets": [0, 4]}}`, 4),
      /tensor 'w': field 'shape' is missing/,
    ],
    [
      'negative shape',
      rawFile(`{"w": ${entry('F32', [-1], [0, 4])}}`, 4),
      /tensor 'w': field 'shape' must be an array of non-negative integers, got \[-1\]/,
    ],
    ['fractional shape', rawFile(`{"w": ${entry('F32', [1.5], [0, 4])}}`, 4), /field 'shape' must be an array/],
    ['shape not an array', rawFile(`{"w": ${entry('F32', '4', [0, 4])}}`, 4), /field 'shape' must be an array/],
    [
      'overflowing shape',
      rawFile(`{"w": ${entry('F32', [2 ** 40, 2 ** 40], [0, 4])}}`, 4),
      /shape \[.*\] has too many elements/,
    ],
    [
      'missing data_offsets',
      rawFile(`{"w": {"dtype": "F32", "shape": [1]}}`, 4),
      /tensor 'w': field 'data_offsets' is missing/,
    ],
    ['one offset', rawFile(`{"w": ${entry('F32', [1], [4])}}`, 4), /field 'data_offsets' must be \[begin, end\]/],
    [
      'reversed offsets',
      rawFile(`{"w": ${entry('F32', [0], [4, 0])}}`, 4),
      /data_offsets' \[4, 0\] ends before it begins/,
    ],
    [
      'wrong byte size',
      rawFile(`{"w": ${entry('F32', [2], [0, 4])}}`, 4),
      /tensor 'w': field 'data_offsets' \[0, 4\] spans 4 bytes but shape \[2\] of F32 \(4 bytes each\) needs 8 bytes/,
    ],
    [
      'overlap',
      rawFile(`{"a": ${entry('F32', [2], [0, 8])}, "b": ${entry('F32', [1], [4, 8])}}`, 8),
      /tensor 'b': data_offsets \[4, 8\] overlap tensor 'a' \[0, 8\]/,
    ],
    [
      'gap',
      rawFile(`{"a": ${entry('F32', [1], [0, 4])}, "b": ${entry('F32', [1], [8, 12])}}`, 12),
      /tensor 'b': .*leave a gap: bytes 4\.\.8 are not covered/,
    ],
    ['not starting at 0', rawFile(`{"a": ${entry('U8', [1], [1, 2])}}`, 2), /gap: bytes 0\.\.1/],
    [
      'trailing bytes',
      rawFile(`{"a": ${entry('F32', [1], [0, 4])}}`, 6),
      /the last 2 bytes of the data section are not covered by any tensor/,
    ],
    [
      'truncated data',
      rawFile(`{"a": ${entry('F32', [4], [0, 16])}}`, 10),
      /truncated: the tensors need 16 data bytes \(tensor 'a' ends there\) but the file holds only 10/,
    ],
    [
      'bad BOOL byte',
      rawFile(`{"m": ${entry('BOOL', [3], [0, 3])}}`, Uint8Array.of(1, 7, 0)),
      /tensor 'm': BOOL element 1 is the byte 7; expected 0 or 1/,
    ],
    [
      'metadata not strings',
      rawFile(`{"__metadata__": {"epoch": 3}}`),
      /'__metadata__' key 'epoch' must hold a string, got 3/,
    ],
    ['metadata not an object', rawFile(`{"__metadata__": "x"}`), /'__metadata__' must be an object/],
  ];
  for (const [name, buf, message] of cases) {
    test(name, () => {
      assert.throws(
        () => decodeSafetensors(buf, 'bad.st'),
        (e: unknown) => {
          assert.ok(e instanceof Error, 'an Error');
          assert.match(e.message, /^safetensors bad\.st: /, 'names the source');
          assert.match(e.message, message);
          return true;
        },
      );
    });
  }

  test('a truncated file on disk names the file', () => {
    const path = join(dir, 'truncated.safetensors');
    saveSafetensors(path, { w: zeros([64]) });
    truncateSync(path, readFileSync(path).length - 3);
    assert.throws(
      () => loadSafetensors(path),
      (e: Error) => e.message.includes(path) && /truncated/.test(e.message),
    );
    assert.throws(
      () => loadSafetensors(join(dir, 'missing.safetensors')),
      /missing\.safetensors: cannot read the file/,
    );
  });

  test('every truncation and random byte flips: an Error or a valid decode, never a crash', () => {
    const full = encodeSafetensors(writerCase().tensors, { k: 'v' });
    for (let len = 0; len < full.length; len++) {
      assert.throws(
        () => decodeSafetensors(full.subarray(0, len), 'cut'),
        /^Error: safetensors cut: /,
        `length ${len}`,
      );
    }
    const rng = new Rng(3);
    for (let trial = 0; trial < 300; trial++) {
      const copy = Buffer.from(full);
      for (let k = 0; k < 3; k++) copy[rng.int(0, Math.min(copy.length, 8 + 400))] = rng.int(0, 256);
      try {
        tidy(() => decodeSafetensors(copy, 'flip'));
      } catch (e) {
        assert.ok(e instanceof Error && e.message.startsWith('safetensors flip: '), String(e));
      }
    }
  });
});

describe('crash safety', () => {
  test('SIGKILL during repeated saves always leaves a loadable, consistent file', async () => {
    const path = join(dir, 'killed.safetensors');
    const child = join(dir, 'writer-child.ts');
    const src = (p: string) => pathToFileURL(join(root, p)).href;
    writeFileSync(
      child,
      `import { full, tensor } from '${src('src/tensor/index.ts')}';
import { saveSafetensors } from '${src('src/tensor/safetensors.ts')}';
// 8 MB per save, every element equal to the save counter k (also stored as a tensor and in the metadata).
for (let k = 0; ; k++) {
  const w = full([1 << 21], k);
  const step = tensor(BigInt64Array.of(BigInt(k)), []);
  saveSafetensors(process.argv[2], { w, step }, { k: String(k) });
  w.dispose();
  step.dispose();
  if (k === 0) process.stdout.write('saved\\n');
}
`,
    );
    const rng = new Rng(2024);
    const seen: number[] = [];
    for (let round = 0; round < 4; round++) {
      const proc = spawn(process.execPath, ['--import', 'tsx', child, path], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, SPECL_NUM_THREADS: '1' },
      });
      const exited = new Promise<NodeJS.Signals | null>((res) => proc.on('exit', (_code, signal) => res(signal)));
      await new Promise<void>((res, rej) => {
        proc.stdout.once('data', () => res());
        proc.once('exit', () => rej(new Error('the writer child exited before its first save')));
      });
      await new Promise((res) => setTimeout(res, rng.int(0, 400)));
      proc.kill('SIGKILL');
      assert.equal(await exited, 'SIGKILL');
      const { tensors, metadata } = loadSafetensors(path);
      const k = Number(metadata.k);
      assert.ok(Number.isInteger(k) && k >= 0, `metadata k = ${metadata.k}`);
      assert.equal(tensors.step?.data()[0], BigInt(k), 'step tensor matches the metadata');
      const w = tensors.w?.data() as Float32Array;
      assert.equal(w.length, 1 << 21);
      assert.ok(
        w.every((x) => x === k),
        'every element was written by the same save',
      );
      seen.push(k);
      for (const t of Object.values(tensors)) t.dispose();
    }
    // A killed save may leave its temporary file; the name says what it is.
    for (const f of readdirSync(dir).filter((f) => f.startsWith('.killed'))) {
      assert.match(f, /^\.killed\.safetensors\.\d+\.[0-9a-f]{12}\.tmp$/);
    }
    assert.equal(seen.length, 4);
  });
});
