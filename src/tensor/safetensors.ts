/**
 * The safetensors format (https://github.com/huggingface/safetensors), the
 * state-dict files PyTorch users read with `safetensors.torch.load_file`:
 *
 *   u64 little-endian N | N bytes of UTF-8 JSON header | data bytes
 *
 * The header maps each tensor name to `{"dtype", "shape", "data_offsets":
 * [begin, end]}` (byte offsets into the data section) and may hold
 * `"__metadata__": {string: string}`. Tensors are C-contiguous,
 * little-endian, packed back to back so that the offsets cover the data
 * section exactly. The writer follows the reference implementation
 * (safetensors/src/tensor.rs `prepare` and `Metadata::serialize`) byte for
 * byte: tensors ordered by descending dtype alignment rank, then by name
 * (UTF-8 byte order); compact JSON with `__metadata__` first and tensors in
 * data order; header padded with spaces to a multiple of 8 bytes so that
 * every tensor starts 8-byte aligned.
 */
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { writeFileAtomic } from '../util/atomic-write.ts';
import { tensor } from './creation.ts';
import { type DType, dtypeCode, dtypeSize } from './dtype.ts';
import { tidy } from './scope.ts';
import { opT, Tensor } from './tensor.ts';

/** The safetensors dtype code of each specl dtype. */
const CODE_OF: Record<DType, string> = {
  float64: 'F64',
  float32: 'F32',
  float16: 'F16',
  bfloat16: 'BF16',
  int64: 'I64',
  int32: 'I32',
  int16: 'I16',
  int8: 'I8',
  uint8: 'U8',
  bool: 'BOOL',
};
const DTYPE_OF = new Map<string, DType>(Object.entries(CODE_OF).map(([d, c]) => [c, d as DType]));
const SUPPORTED = [...DTYPE_OF.keys()].join(', ');

/**
 * Position of each code in the reference `Dtype` enum, which lists dtypes in
 * increasing alignment; the reference writer sorts by this rank, descending.
 * Codes specl cannot hold (libtorch 1.13 has no unsigned 16/32/64-bit or fp8
 * types) are listed so that such files get a precise error.
 */
const RANK: Record<string, number> = {
  BOOL: 0,
  U8: 1,
  I8: 2,
  F8_E5M2: 3,
  F8_E4M3: 4,
  I16: 5,
  U16: 6,
  F16: 7,
  BF16: 8,
  I32: 9,
  U32: 10,
  F32: 11,
  F64: 12,
  I64: 13,
  U64: 14,
};

/** The reference reader's limit on the header size (MAX_HEADER_SIZE): a larger one means a corrupt or foreign file. */
export const MAX_HEADER_BYTES = 100_000_000;

/** What a safetensors file holds. */
export interface SafetensorsContents {
  /** Tensors by name, in the order of their data in the file (CPU tensors). */
  tensors: Record<string, Tensor>;
  /** The `__metadata__` strings ({} when the file has none). */
  metadata: Record<string, string>;
}

/** Tensors by name: a plain object or a Map (e.g. a module's state dict). */
export type NamedTensors = Record<string, Tensor> | Map<string, Tensor>;

function checkLittleEndian(): void {
  // libtorch stores native-endian bytes and the format is little-endian; a big-endian host would need byte swaps.
  if (endianness() !== 'LE') throw new Error('safetensors: only little-endian hosts are supported');
}

/** Assigns an own property even for names such as '__proto__'. */
function define<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

const utf8Compare = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

interface Planned {
  name: string;
  tensor: Tensor;
  code: string;
  shape: number[];
  nbytes: number;
}

/** Validates the inputs and orders them as the reference writer does. */
function plan(tensors: NamedTensors, metadata: Record<string, string> | undefined): Planned[] {
  if (tensors === null || typeof tensors !== 'object') {
    throw new TypeError(`safetensors: tensors must be an object or Map of name → Tensor, got ${tensors}`);
  }
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const planned = entries.map(([name, t]): Planned => {
    if (typeof name !== 'string') throw new TypeError(`safetensors: tensor names must be strings, got ${typeof name}`);
    if (name === '__metadata__') throw new Error(`safetensors: '__metadata__' is reserved and cannot name a tensor`);
    if (!(t instanceof Tensor)) throw new TypeError(`safetensors: tensor '${name}' is not a Tensor (got ${typeof t})`);
    if (t.isDisposed) throw new Error(`safetensors: tensor '${name}' has been disposed`);
    const shape = t.shape;
    const dtype = t.dtype;
    return { name, tensor: t, code: CODE_OF[dtype], shape, nbytes: t.numel * dtypeSize(dtype) };
  });
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) {
      throw new TypeError('safetensors: metadata must be an object of string → string');
    }
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') {
        throw new TypeError(
          `safetensors: metadata '${k}' must be a string, got ${typeof v} (the format stores strings)`,
        );
      }
    }
  }
  return planned.sort((a, b) => (RANK[b.code] as number) - (RANK[a.code] as number) || utf8Compare(a.name, b.name));
}

/** The padded header bytes: compact JSON, `__metadata__` first (keys sorted), tensors in data order. */
function headerBytes(planned: Planned[], metadata: Record<string, string> | undefined): Buffer {
  const parts: string[] = [];
  if (metadata !== undefined) {
    const keys = Object.keys(metadata).sort(utf8Compare);
    parts.push(`"__metadata__":{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`).join(',')}}`);
  }
  let offset = 0;
  for (const p of planned) {
    parts.push(
      `${JSON.stringify(p.name)}:{"dtype":"${p.code}","shape":[${p.shape.join(',')}],"data_offsets":[${offset},${offset + p.nbytes}]}`,
    );
    offset += p.nbytes;
  }
  const json = Buffer.from(`{${parts.join(',')}}`, 'utf8');
  if (json.length > MAX_HEADER_BYTES) {
    throw new Error(`safetensors: the header would be ${json.length} bytes, over the format's 100 MB limit`);
  }
  const pad = (8 - (json.length % 8)) % 8;
  return Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
}

/** The bytes of one tensor: C-contiguous, on the CPU (Tensor.data() copies from any device and any strides). */
function tensorBytes(p: Planned): Uint8Array {
  const d = p.tensor.data();
  const bytes = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  if (bytes.byteLength !== p.nbytes) {
    throw new Error(`safetensors: tensor '${p.name}' gave ${bytes.byteLength} bytes, expected ${p.nbytes}`);
  }
  return bytes;
}

/** The file as a sequence of chunks (length, header, then each tensor's bytes produced one at a time). */
function* chunks(planned: Planned[], metadata: Record<string, string> | undefined): Generator<Uint8Array> {
  checkLittleEndian();
  const header = headerBytes(planned, metadata);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.length));
  yield length;
  yield header;
  for (const p of planned) yield tensorBytes(p);
}

/**
 * The safetensors bytes of `tensors` with optional `__metadata__` strings.
 * Tensors on other devices are copied to the CPU and non-contiguous ones are
 * written in C order; the layout matches the reference writer byte for byte
 * (see the module comment).
 */
export function encodeSafetensors(tensors: NamedTensors, metadata?: Record<string, string>): Buffer {
  return Buffer.concat([...chunks(plan(tensors, metadata), metadata)]);
}

/**
 * Writes `tensors` to `path` as a safetensors file, atomically: a crash or an
 * error leaves the previous file intact (see util/atomic-write.ts). Each
 * tensor is copied out only when its turn to be written comes.
 */
export function saveSafetensors(path: string, tensors: NamedTensors, metadata?: Record<string, string>): void {
  writeFileAtomic(path, chunks(plan(tensors, metadata), metadata));
}

// ---------------------------------------------------------------- reading

interface Entry {
  name: string;
  dtype: DType;
  code: string;
  shape: number[];
  begin: number;
  end: number;
}

/** A short rendering of a header value for messages. */
const describeValue = (v: unknown): string => {
  let s: string | undefined;
  try {
    s = JSON.stringify(v);
  } catch {
    // JSON.parse accepts any depth, JSON.stringify overflows the stack past a few thousand levels
    return `${Array.isArray(v) ? 'an array' : 'an object'} nested too deeply to show`;
  }
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Validates one header entry; `fail` prefixes the source and tensor name. */
function parseEntry(name: string, info: unknown, fail: (msg: string) => never): Entry {
  if (info === null || typeof info !== 'object' || Array.isArray(info)) {
    fail(`expected an object {dtype, shape, data_offsets}, got ${describeValue(info)}`);
  }
  const { dtype: code, shape, data_offsets: offsets } = info as Record<string, unknown>;
  if (code === undefined) fail(`field 'dtype' is missing; expected one of ${SUPPORTED}`);
  if (typeof code !== 'string') fail(`field 'dtype' must be a string, got ${describeValue(code)}`);
  const dtype = DTYPE_OF.get(code);
  if (dtype === undefined) {
    fail(
      code in RANK
        ? `dtype '${code}' is valid safetensors but not supported by libtorch 1.13; specl reads ${SUPPORTED}`
        : `unknown dtype '${code}'; expected one of ${SUPPORTED}`,
    );
  }
  if (shape === undefined) fail(`field 'shape' is missing; expected an array of non-negative integers`);
  if (!Array.isArray(shape) || !shape.every(isIndex)) {
    fail(`field 'shape' must be an array of non-negative integers, got ${describeValue(shape)}`);
  }
  if (offsets === undefined) fail(`field 'data_offsets' is missing; expected [begin, end]`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex)) {
    fail(`field 'data_offsets' must be [begin, end] with non-negative integers, got ${describeValue(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) fail(`field 'data_offsets' [${begin}, ${end}] ends before it begins`);
  let numel = 1;
  for (const s of shape) {
    numel *= s;
    if (!Number.isSafeInteger(numel)) fail(`shape [${shape}] has too many elements`);
  }
  const need = numel * dtypeSize(dtype);
  if (end - begin !== need) {
    fail(
      `field 'data_offsets' [${begin}, ${end}] spans ${end - begin} bytes but shape [${shape}] of ${code} ` +
        `(${dtypeSize(dtype)} bytes each) needs ${need} bytes`,
    );
  }
  return { name, dtype, code, shape: shape as number[], begin, end };
}

function parseMetadata(value: unknown, fail: (msg: string) => never): Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    fail(`'__metadata__' must be an object of string → string, got ${describeValue(value)}`);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== 'string') fail(`'__metadata__' key '${k}' must hold a string, got ${describeValue(v)}`);
    define(out, k, v as string);
  }
  return out;
}

/** A CPU tensor of `dtype` and `shape` holding a copy of `bytes`. */
function fromBytes(bytes: Uint8Array, dtype: DType, shape: number[]): Tensor {
  return tidy(() => {
    const raw = tensor(bytes); // uint8, copied out of the file buffer (any alignment)
    const typed = dtype === 'uint8' ? raw : opT('aten::view.dtype', [raw, dtypeCode(dtype)]);
    return typed.reshape(...shape);
  });
}

/**
 * Parses a safetensors file held in `buf`. Every field is validated first —
 * header length, UTF-8, JSON, each tensor's dtype, shape and data_offsets,
 * offsets that tile the data section exactly (no overlap, gap or trailing
 * bytes), BOOL bytes 0 or 1 — and each problem is an Error naming `source`,
 * the tensor and the field; no tensor is created from a bad file.
 */
export function decodeSafetensors(buf: Uint8Array, source = '<buffer>'): SafetensorsContents {
  checkLittleEndian();
  const fail: (msg: string) => never = (msg) => {
    throw new Error(`safetensors ${source}: ${msg}`);
  };
  if (!(buf instanceof Uint8Array)) fail(`expected the file bytes as a Uint8Array, got ${typeof buf}`);
  if (buf.length < 8) {
    fail(`the file is ${buf.length} bytes, shorter than 8 bytes (the header-length prefix): empty or truncated`);
  }
  const n = new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    fail(`the header length ${n} bytes exceeds the 100 MB limit of the format: not a safetensors file, or corrupt`);
  }
  const headerLength = Number(n);
  if (8 + headerLength > buf.length) {
    fail(
      `truncated: the header length says ${headerLength} bytes but only ${buf.length - 8} bytes follow the ` +
        '8-byte length prefix',
    );
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(buf.subarray(8, 8 + headerLength));
  } catch {
    return fail('the header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    return fail(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    fail(`the header must be a JSON object of name → {dtype, shape, data_offsets}, got ${describeValue(header)}`);
  }
  let metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') metadata = parseMetadata(info, fail);
    else entries.push(parseEntry(name, info, (msg) => fail(`tensor '${name}': ${msg}`)));
  }
  // The offsets must tile [0, data length) exactly, as the reference reader requires.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: Entry | undefined;
  for (const e of entries) {
    if (e.begin < covered) {
      fail(
        `tensor '${e.name}': data_offsets [${e.begin}, ${e.end}] overlap tensor '${previous?.name}' ` +
          `[${previous?.begin}, ${previous?.end}]`,
      );
    }
    if (e.begin > covered) {
      fail(
        `tensor '${e.name}': data_offsets [${e.begin}, ${e.end}] leave a gap: bytes ${covered}..${e.begin} ` +
          'are not covered by any tensor',
      );
    }
    covered = e.end;
    previous = e;
  }
  const dataStart = 8 + headerLength;
  const dataLength = buf.length - dataStart;
  if (covered > dataLength) {
    fail(
      `truncated: the tensors need ${covered} data bytes (tensor '${previous?.name}' ends there) but the file ` +
        `holds only ${dataLength} after the header`,
    );
  }
  if (covered < dataLength) {
    fail(
      `the last ${dataLength - covered} bytes of the data section are not covered by any tensor ` +
        `(offsets end at ${covered}, data is ${dataLength} bytes)`,
    );
  }
  for (const e of entries) {
    if (e.dtype !== 'bool') continue;
    const bytes = buf.subarray(dataStart + e.begin, dataStart + e.end);
    const bad = bytes.findIndex((b) => b > 1);
    if (bad >= 0) fail(`tensor '${e.name}': BOOL element ${bad} is the byte ${bytes[bad]}; expected 0 or 1`);
  }
  const tensors: Record<string, Tensor> = {};
  try {
    for (const e of entries) {
      define(tensors, e.name, fromBytes(buf.subarray(dataStart + e.begin, dataStart + e.end), e.dtype, e.shape));
    }
  } catch (err) {
    for (const t of Object.values(tensors)) t.dispose();
    throw err;
  }
  return { tensors, metadata };
}

/** Reads and validates the safetensors file at `path` (errors name the file). */
export function loadSafetensors(path: string): SafetensorsContents {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new Error(`safetensors ${path}: cannot read the file (${(e as Error).message})`, { cause: e });
  }
  return decodeSafetensors(buf, path);
}
