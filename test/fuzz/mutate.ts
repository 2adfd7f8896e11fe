/**
 * Seeded mutations of valid files, shared by the fuzz suite (test/fuzz/formats.test.ts)
 * and the by-hand runner (scripts/fuzz.ts). Every mutation takes the valid bytes and a
 * `Rng` (test/helpers/prng.ts) and returns new bytes with a one-line description, so a
 * failing case can say exactly what was done to the file. Generic byte mutations work
 * on any file; the format-aware ones (IDX header fields, PNG chunks with their CRCs
 * recomputed, JPEG segments, the safetensors length prefix and JSON header, JSON and
 * YAML values) get past the first checks and reach the deeper code.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Rng } from '../helpers/prng.ts';

/** Mutated bytes and what was done. */
export interface Mutated {
  bytes: Buffer;
  desc: string;
}

/** A mutation of one file's bytes. */
export type Mutation = (buf: Buffer, rng: Rng) => Mutated;

export const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(0, xs.length)] as T;
export const chance = (rng: Rng, p: number): boolean => rng.uniform() < p;

/** Integers at the edges of the sizes files hold: 0, ±1, around 2³¹, 2³², 2⁵³, 2⁶³, 2⁶⁴. */
export const EDGE_INTEGERS: readonly bigint[] = [
  0n,
  1n,
  2n,
  7n,
  8n,
  255n,
  256n,
  65535n,
  65536n,
  2n ** 31n - 1n,
  2n ** 31n,
  2n ** 32n - 1n,
  2n ** 32n,
  2n ** 32n + 1n,
  2n ** 53n - 1n,
  2n ** 53n + 1n,
  2n ** 63n - 1n,
  2n ** 63n,
  2n ** 64n - 1n,
];
const U32_EDGES = EDGE_INTEGERS.filter((v) => v < 2n ** 32n).map(Number);
const INTERESTING_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff];

/** A position in `buf`, half the time in its first `head` bytes (where headers are). */
function position(rng: Rng, length: number, head = 64): number {
  if (length === 0) return 0;
  return chance(rng, 0.5) ? rng.int(0, Math.min(head, length)) : rng.int(0, length);
}

// ------------------------------------------------------------------ generic byte mutations

export const truncate: Mutation = (buf, rng) => {
  const n = chance(rng, 0.3) ? rng.int(0, Math.min(buf.length, 32)) : rng.int(0, buf.length);
  return { bytes: buf.subarray(0, n), desc: `truncated to ${n} of ${buf.length} bytes` };
};

export const flipBits: Mutation = (buf, rng) => {
  const out = Buffer.from(buf);
  const k = rng.int(1, 9);
  const at: number[] = [];
  for (let j = 0; j < k && out.length > 0; j++) {
    const p = position(rng, out.length);
    out[p] = (out[p] as number) ^ (1 << rng.int(0, 8));
    at.push(p);
  }
  return { bytes: out, desc: `bit flips at bytes [${at.join(', ')}]` };
};

export const setByte: Mutation = (buf, rng) => {
  const out = Buffer.from(buf);
  if (out.length === 0) return { bytes: out, desc: 'setByte on an empty file (no-op)' };
  const p = position(rng, out.length);
  const v = pick(rng, INTERESTING_BYTES);
  out[p] = v;
  return { bytes: out, desc: `byte ${p} := 0x${v.toString(16)}` };
};

export const overwriteU32: Mutation = (buf, rng) => {
  const out = Buffer.from(buf);
  if (out.length < 4) return { bytes: out, desc: 'overwriteU32 on a file under 4 bytes (no-op)' };
  const p = Math.min(chance(rng, 0.5) ? position(rng, out.length) & ~3 : position(rng, out.length), out.length - 4);
  const v = pick(rng, U32_EDGES);
  const be = chance(rng, 0.5);
  if (be) out.writeUInt32BE(v, p);
  else out.writeUInt32LE(v, p);
  return { bytes: out, desc: `u32 ${be ? 'BE' : 'LE'} at byte ${p} := ${v}` };
};

export const insertJunk: Mutation = (buf, rng) => {
  const p = position(rng, buf.length + 1);
  const junk = Buffer.from(Array.from({ length: rng.int(1, 17) }, () => rng.int(0, 256)));
  return {
    bytes: Buffer.concat([buf.subarray(0, p), junk, buf.subarray(p)]),
    desc: `${junk.length} random bytes inserted at ${p}`,
  };
};

export const deleteRange: Mutation = (buf, rng) => {
  const p = position(rng, buf.length);
  const n = rng.int(1, Math.max(2, Math.min(64, buf.length - p + 1)));
  return {
    bytes: Buffer.concat([buf.subarray(0, p), buf.subarray(p + n)]),
    desc: `bytes ${p}..${p + n} deleted`,
  };
};

export const duplicateRange: Mutation = (buf, rng) => {
  const p = position(rng, buf.length);
  const n = rng.int(1, Math.max(2, Math.min(256, buf.length - p + 1)));
  const q = position(rng, buf.length + 1);
  return {
    bytes: Buffer.concat([buf.subarray(0, q), buf.subarray(p, p + n), buf.subarray(q)]),
    desc: `bytes ${p}..${p + n} copied to ${q}`,
  };
};

export const appendJunk: Mutation = (buf, rng) => {
  const copy = chance(rng, 0.3);
  const tail = copy ? buf : Buffer.from(Array.from({ length: rng.int(1, 40) }, () => rng.int(0, 256)));
  return {
    bytes: Buffer.concat([buf, tail]),
    desc: copy ? 'the file appended to itself' : `${tail.length} bytes appended`,
  };
};

export const emptyFile: Mutation = () => ({ bytes: Buffer.alloc(0), desc: 'emptied' });

/** The generic mutations, any file. */
export const BYTE_MUTATIONS: readonly Mutation[] = [
  truncate,
  flipBits,
  flipBits,
  setByte,
  overwriteU32,
  insertJunk,
  deleteRange,
  duplicateRange,
  appendJunk,
  emptyFile,
];

/** One generic mutation at random. */
export const anyBytes: Mutation = (buf, rng) => pick(rng, BYTE_MUTATIONS)(buf, rng);

// ------------------------------------------------------------------ gzip

/** Mutates the uncompressed content with `inner`, then gzips again (or, sometimes, gzips twice or appends a member). */
export function insideGzip(inner: Mutation): Mutation {
  return (buf, rng) => {
    let raw: Buffer;
    try {
      raw = gunzipSync(buf);
    } catch {
      return anyBytes(buf, rng); // an earlier mutation broke the gzip stream
    }
    const m = inner(raw, rng);
    const r = rng.uniform();
    if (r < 0.1) return { bytes: gzipSync(gzipSync(m.bytes)), desc: `${m.desc}, inside a gzip of a gzip` };
    if (r < 0.2)
      return { bytes: Buffer.concat([gzipSync(m.bytes), gzipSync(raw)]), desc: `${m.desc}, then a second gzip member` };
    return { bytes: gzipSync(m.bytes), desc: `${m.desc}, inside gzip` };
  };
}

// ------------------------------------------------------------------ IDX

/**
 * IDX header fields: magic bytes, element type, dimension count, one size (edge values,
 * ±1, swapped), with the data cut or padded to match the new header half the time so
 * that the mutation reaches past the length check.
 */
export const idxHeader: Mutation = (buf, rng) => {
  const out = Buffer.from(buf);
  if (out.length < 8) return anyBytes(buf, rng);
  // An earlier mutation may have left fewer sizes than the header's count: edit those present.
  const ndim = Math.min(out[3] as number, Math.floor((out.length - 4) / 4));
  if (ndim === 0) return anyBytes(buf, rng);
  const dims = Array.from({ length: ndim }, (_, i) => out.readUInt32BE(4 + 4 * i));
  const r = rng.uniform();
  if (r < 0.15) {
    const i = rng.int(0, 2);
    const v = pick(rng, [1, 8, 0x1f, 0xff]);
    out[i] = v;
    return { bytes: out, desc: `IDX magic byte ${i} := 0x${v.toString(16)}` };
  }
  if (r < 0.3) {
    const v = pick(rng, [0x00, 0x09, 0x0b, 0x0c, 0x0d, 0x0e, 0xff]);
    out[2] = v;
    return { bytes: out, desc: `IDX element type := 0x${v.toString(16)}` };
  }
  if (r < 0.45) {
    const v = pick(
      rng,
      [0, 1, 2, ndim - 1, ndim + 1, 4, 64, 255].filter((x) => x >= 0 && x !== ndim),
    );
    out[3] = v;
    return { bytes: out, desc: `IDX dimension count ${ndim} := ${v}` };
  }
  const i = rng.int(0, ndim);
  const old = dims[i] as number;
  const v = pick(
    rng,
    [...U32_EDGES, old - 1, old + 1, old * 2, Math.floor(old / 2)].filter((x) => x >= 0 && x < 2 ** 32),
  );
  dims[i] = v;
  out.writeUInt32BE(v, 4 + 4 * i);
  let desc = `IDX size ${i} ${old} := ${v}`;
  if (chance(rng, 0.5)) {
    // Keep the file consistent with the new header where the size stays small: the check passes.
    const need = dims.reduce((a, b) => a * b, 1);
    const head = 4 + 4 * ndim;
    if (need <= 1 << 20) {
      const data = Buffer.alloc(need);
      out.copy(data, 0, head, head + Math.min(need, out.length - head));
      desc += `, data resized to ${need} bytes`;
      return { bytes: Buffer.concat([out.subarray(0, head), data]), desc };
    }
  }
  return { bytes: out, desc };
};

// ------------------------------------------------------------------ PNG

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

interface PngChunk {
  type: string;
  data: Buffer;
}

function pngChunks(buf: Buffer): PngChunk[] | null {
  const chunks: PngChunk[] = [];
  let p = 8;
  while (p + 12 <= buf.length) {
    const n = buf.readUInt32BE(p);
    if (p + 12 + n > buf.length) return null;
    chunks.push({ type: buf.toString('latin1', p + 4, p + 8), data: Buffer.from(buf.subarray(p + 8, p + 8 + n)) });
    p += 12 + n;
  }
  return chunks;
}

/** A PNG from chunks, each CRC recomputed (unless `badCrc` names the chunk index whose CRC is left wrong). */
function pngBytes(chunks: PngChunk[], badCrc = -1): Buffer {
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const parts = chunks.map((c, i) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(c.data.length, 0);
    head.write(c.type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE((crc32(Buffer.concat([head.subarray(4), c.data])) ^ (i === badCrc ? 1 : 0)) >>> 0);
    return Buffer.concat([head, c.data, crc]);
  });
  return Buffer.concat([sig, ...parts]);
}

/** PNG chunk-level edits with valid CRCs: IHDR fields (huge or zero sizes, bit depth, colour type), IDAT cut or dropped, chunks duplicated, a wrong CRC, a huge chunk length. */
export const pngChunk: Mutation = (buf, rng) => {
  const chunks = pngChunks(buf);
  const ihdr = chunks?.[0]?.type === 'IHDR' ? chunks[0].data : null;
  if (!chunks || !ihdr) return anyBytes(buf, rng);
  const r = rng.uniform();
  if (r < 0.35) {
    const field = pick(rng, ['width', 'height', 'depth', 'colour', 'compression', 'filter', 'interlace'] as const);
    if (field === 'width' || field === 'height') {
      const v = pick(rng, [0, 1, 2, 16383, 16384, 65535, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1]);
      ihdr.writeUInt32BE(v, field === 'width' ? 0 : 4);
      return { bytes: pngBytes(chunks), desc: `PNG IHDR ${field} := ${v} (CRC fixed)` };
    }
    const at = { depth: 8, colour: 9, compression: 10, filter: 11, interlace: 12 }[field];
    const v = pick(rng, [0, 1, 2, 3, 4, 6, 16, 255]);
    ihdr[at] = v;
    return { bytes: pngBytes(chunks), desc: `PNG IHDR ${field} := ${v} (CRC fixed)` };
  }
  const idat = chunks.findIndex((c) => c.type === 'IDAT');
  if (r < 0.5 && idat >= 0) {
    const c = chunks[idat] as PngChunk;
    const n = rng.int(0, c.data.length);
    c.data = c.data.subarray(0, n);
    return { bytes: pngBytes(chunks), desc: `PNG IDAT cut to ${n} bytes (CRC fixed)` };
  }
  if (r < 0.6 && idat >= 0) {
    const c = chunks[idat] as PngChunk;
    const out = Buffer.from(c.data);
    const p = rng.int(0, out.length);
    out[p] = (out[p] as number) ^ (1 << rng.int(0, 8));
    c.data = out;
    return { bytes: pngBytes(chunks), desc: `PNG IDAT bit flip at ${p} (CRC fixed)` };
  }
  if (r < 0.68) {
    const drop = chunks.findIndex((c) => c.type === pick(rng, ['IDAT', 'IEND', 'IHDR']));
    if (drop >= 0) {
      const type = chunks[drop]?.type;
      chunks.splice(drop, 1);
      return { bytes: pngBytes(chunks), desc: `PNG chunk ${type} removed` };
    }
  }
  if (r < 0.76) {
    const i = rng.int(0, chunks.length);
    chunks.splice(i, 0, { ...(chunks[i] as PngChunk) });
    return { bytes: pngBytes(chunks), desc: `PNG chunk ${chunks[i]?.type} duplicated` };
  }
  if (r < 0.84) {
    const i = rng.int(0, chunks.length);
    return { bytes: pngBytes(chunks, i), desc: `PNG chunk ${chunks[i]?.type} with a wrong CRC` };
  }
  if (r < 0.9) {
    chunks.splice(1, 0, { type: pick(rng, ['abCD', 'ABCD', 'tEXt', 'iCCP', 'PLTE']), data: Buffer.from('zzzz') });
    return { bytes: pngBytes(chunks), desc: `PNG chunk ${chunks[1]?.type} inserted after IHDR` };
  }
  const out = Buffer.from(buf);
  const v = pick(rng, [0x7fffffff, 0x80000000, 0xffffffff, out.length]);
  out.writeUInt32BE(v, 8 + 12 + 13); // the length field of the chunk after IHDR
  return { bytes: out, desc: `PNG length of the second chunk := ${v}` };
};

// ------------------------------------------------------------------ JPEG

interface JpegSegment {
  marker: number;
  at: number; // offset of the 0xFF
  length: number; // the segment's length field (0 for markers without one)
}

function jpegSegments(buf: Buffer): JpegSegment[] {
  const out: JpegSegment[] = [];
  let p = 2;
  while (p + 4 <= buf.length && buf[p] === 0xff) {
    const marker = buf[p + 1] as number;
    const length = buf.readUInt16BE(p + 2);
    out.push({ marker, at: p, length });
    if (marker === 0xda) break; // entropy-coded data follows
    p += 2 + length;
  }
  return out;
}

/** JPEG segment edits: SOF sizes and component count, a segment length field, the scan cut short or bit-flipped, SOI/EOI removed. */
export const jpegSegment: Mutation = (buf, rng) => {
  const segs = jpegSegments(buf);
  const sof = segs.find((s) => s.marker >= 0xc0 && s.marker <= 0xc2);
  const sos = segs.find((s) => s.marker === 0xda);
  const out = Buffer.from(buf);
  const r = rng.uniform();
  if (r < 0.3 && sof) {
    const field = pick(rng, ['precision', 'height', 'width', 'components'] as const);
    if (field === 'height' || field === 'width') {
      const v = pick(rng, [0, 1, 2, 16384, 65500, 65535]);
      out.writeUInt16BE(v, sof.at + (field === 'height' ? 5 : 7));
      return { bytes: out, desc: `JPEG SOF ${field} := ${v}` };
    }
    const v = pick(rng, [0, 1, 2, 4, 12, 16, 255]);
    out[sof.at + (field === 'precision' ? 4 : 9)] = v;
    return { bytes: out, desc: `JPEG SOF ${field} := ${v}` };
  }
  if (r < 0.5 && segs.length > 0) {
    const s = pick(rng, segs);
    const v = pick(rng, [0, 1, 2, s.length - 1, s.length + 1, 0xffff]);
    out.writeUInt16BE(v & 0xffff, s.at + 2);
    return { bytes: out, desc: `JPEG segment 0x${s.marker.toString(16)} length ${s.length} := ${v & 0xffff}` };
  }
  if (r < 0.7 && sos) {
    const start = sos.at + 2 + sos.length;
    const n = rng.int(start, out.length);
    return { bytes: out.subarray(0, n), desc: `JPEG scan cut at byte ${n} (no EOI)` };
  }
  if (r < 0.85 && sos) {
    const start = sos.at + 2 + sos.length;
    const at: number[] = [];
    for (let k = rng.int(1, 6); k > 0; k--) {
      const p = rng.int(start, out.length - 2);
      out[p] = (out[p] as number) ^ (1 << rng.int(0, 8));
      at.push(p);
    }
    return { bytes: out, desc: `JPEG scan bit flips at [${at.join(', ')}]` };
  }
  if (r < 0.92) return { bytes: out.subarray(2), desc: 'JPEG SOI removed' };
  return { bytes: out.subarray(0, out.length - 2), desc: 'JPEG EOI removed' };
};

// ------------------------------------------------------------------ JSON values

/** Raw JSON text placed as-is where a value goes (NaN, 1e400, deep nesting, …). */
export class RawJson {
  constructor(readonly text: string) {}
}
/** An object written with these entries, duplicates allowed. */
export class Entries {
  constructor(readonly entries: [string, unknown][]) {}
}

/** JSON text of a value that may hold `RawJson` and `Entries`. */
export function jsonText(v: unknown, indent = ''): string {
  const next = `${indent}  `;
  if (v instanceof RawJson) return v.text;
  if (v instanceof Entries || (v !== null && typeof v === 'object' && !Array.isArray(v))) {
    const entries = v instanceof Entries ? v.entries : Object.entries(v as object);
    if (entries.length === 0) return '{}';
    return `{\n${entries.map(([k, x]) => `${next}${JSON.stringify(k)}: ${jsonText(x, next)}`).join(',\n')}\n${indent}}`;
  }
  if (Array.isArray(v)) return `[${v.map((x) => jsonText(x, next)).join(', ')}]`;
  return JSON.stringify(v) ?? 'null';
}

const deep = (depth: number, open: string, close: string, inner = '0'): RawJson =>
  new RawJson(open.repeat(depth) + inner + close.repeat(depth));

/** Values a field should never hold, of every type and at every edge. */
export function oddValue(rng: Rng, old: unknown): { value: unknown; desc: string } {
  const num = typeof old === 'number' ? old : 1;
  const options: [unknown, string][] = [
    [null, 'null'],
    [true, 'true'],
    [false, 'false'],
    ['', '""'],
    ['x', '"x"'],
    [String(num), `"${num}"`],
    [0, '0'],
    [-1, '-1'],
    [-num, `${-num}`],
    [num + 1, `${num + 1}`],
    [num * 1000, `${num * 1000}`],
    [0.5, '0.5'],
    [num + 0.5, `${num + 0.5}`],
    [2 ** 31, '2^31'],
    [2 ** 32, '2^32'],
    [2 ** 32 + 1, '2^32+1'],
    [2 ** 53 + 2, '2^53+2'],
    [new RawJson('9223372036854775807'), '2^63-1'],
    [new RawJson('18446744073709551616'), '2^64'],
    [new RawJson('-9223372036854775808'), '-2^63'],
    [new RawJson('1e400'), '1e400'],
    [new RawJson('-0'), '-0'],
    [new RawJson('NaN'), 'NaN'],
    [new RawJson('Infinity'), 'Infinity'],
    [new RawJson('-Infinity'), '-Infinity'],
    [new RawJson('"\\ud800"'), 'a lone surrogate'],
    [new RawJson('"a\\u0000b"'), 'a string with NUL'],
    ['é'.repeat(5000), 'a 5000-character string'],
    [[], '[]'],
    [[old], `[old]`],
    [{}, '{}'],
    [{ value: old }, '{value: old}'],
    [deep(rng.int(2, 50), '[', ']'), 'nested arrays'],
    [deep(rng.int(1000, 100_000), '[', ']'), 'arrays nested very deep'],
    [deep(rng.int(1000, 100_000), '{"a":', '}'), 'objects nested very deep'],
  ];
  const [value, desc] = pick(rng, options);
  return { value, desc };
}

type Path = (string | number)[];

/** Every path into `v` (the root included), at most 64 levels deep (an earlier mutation may have nested deeper). */
function paths(v: unknown, at: Path = []): Path[] {
  const out: Path[] = [at];
  if (at.length >= 64) return out;
  if (Array.isArray(v)) for (const [i, x] of v.entries()) out.push(...paths(x, [...at, i]));
  else if (v !== null && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]));
  return out;
}

function getAt(v: unknown, p: Path): unknown {
  return p.reduce<unknown>((x, k) => (x as Record<string | number, unknown>)[k], v);
}

/** `v` with the node at `p` replaced by `f(node)` (copies along the path). */
function updateAt(v: unknown, p: Path, f: (x: unknown) => unknown): unknown {
  if (p.length === 0) return f(v);
  const [k, ...rest] = p as [string | number, ...Path];
  if (Array.isArray(v)) return v.map((x, i) => (i === k ? updateAt(x, rest, f) : x));
  const o = v as Record<string, unknown>;
  return Object.fromEntries(Object.entries(o).map(([key, x]) => [key, key === k ? updateAt(x, rest, f) : x]));
}

/**
 * One edit of a parsed JSON value at a random node: an odd value, a key deleted,
 * renamed, duplicated or added, the node wrapped or nested. `weightTo(path)`
 * biases the choice of node (e.g. towards the fields a loader reads).
 */
export function mutateValue(
  value: unknown,
  rng: Rng,
  weightTo: (p: Path) => number = () => 1,
): { value: unknown; desc: string } {
  const all = paths(value);
  const weights = all.map(weightTo);
  let r = rng.uniform() * weights.reduce((a, b) => a + b, 0);
  let p = all[all.length - 1] as Path;
  for (let i = 0; i < all.length; i++) {
    r -= weights[i] as number;
    if (r < 0) {
      p = all[i] as Path;
      break;
    }
  }
  const where = p.length === 0 ? 'the top level' : p.join('.');
  const parent = p.length > 0 ? getAt(value, p.slice(0, -1)) : undefined;
  const key = p[p.length - 1];
  const inObject = parent !== null && typeof parent === 'object' && !Array.isArray(parent) && typeof key === 'string';
  const op = rng.uniform();
  if (inObject && op < 0.15) {
    return {
      value: updateAt(value, p.slice(0, -1), (o) =>
        Object.fromEntries(Object.entries(o as object).filter(([k]) => k !== key)),
      ),
      desc: `${where} deleted`,
    };
  }
  if (inObject && op < 0.25) {
    const dup = oddValue(rng, getAt(value, p));
    return {
      value: updateAt(value, p.slice(0, -1), (o) => new Entries([...Object.entries(o as object), [key, dup.value]])),
      desc: `${where} given twice (second: ${dup.desc})`,
    };
  }
  if (inObject && op < 0.32) {
    const renamed = pick(rng, [key.toUpperCase(), `${key} `, `${key}_`, '', '__proto__', 'constructor']);
    return {
      value: updateAt(value, p.slice(0, -1), (o) =>
        Object.fromEntries(Object.entries(o as object).map(([k, x]) => [k === key ? renamed : k, x])),
      ),
      desc: `${where} renamed ${JSON.stringify(renamed)}`,
    };
  }
  if (op < 0.38 && getAt(value, p) !== null && typeof getAt(value, p) === 'object' && !Array.isArray(getAt(value, p))) {
    const extra = pick(rng, ['extra', '__proto__', 'constructor', 'toString', '']);
    return {
      value: updateAt(value, p, (o) => new Entries([...Object.entries(o as object), [extra, oddValue(rng, 1).value]])),
      desc: `${where} given an extra key ${JSON.stringify(extra)}`,
    };
  }
  const odd = oddValue(rng, getAt(value, p));
  return { value: updateAt(value, p, () => odd.value), desc: `${where} := ${odd.desc}` };
}

// ------------------------------------------------------------------ text

const NOT_UTF8: readonly [number[], string][] = [
  [[0xff], '0xFF'],
  [[0xc3, 0x28], 'a bad continuation byte'],
  [[0xc0, 0xaf], 'an overlong encoding'],
  [[0xed, 0xa0, 0x80], 'an encoded surrogate'],
  [[0xe2, 0x82], 'a cut 3-byte sequence'],
  [[0x00], 'a NUL byte'],
];

/** Text-level edits of a JSON or YAML file: non-UTF-8 bytes, a BOM, a cut, a stray character, trailing garbage. */
export const textEdit: Mutation = (buf, rng) => {
  const r = rng.uniform();
  if (r < 0.3) {
    const [bytes, what] = pick(rng, NOT_UTF8);
    const p = rng.int(0, buf.length + 1);
    return {
      bytes: Buffer.concat([buf.subarray(0, p), Buffer.from(bytes), buf.subarray(p)]),
      desc: `${what} at byte ${p}`,
    };
  }
  if (r < 0.4) return { bytes: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), buf]), desc: 'a UTF-8 BOM prepended' };
  if (r < 0.6) {
    const n = rng.int(0, buf.length);
    return { bytes: buf.subarray(0, n), desc: `text cut at byte ${n} of ${buf.length}` };
  }
  if (r < 0.8) {
    const p = rng.int(0, buf.length + 1);
    const c = pick(rng, ['{', '}', '[', ']', ',', ':', '"', "'", '\\', '#', '\t', '\n', '&', '*', '!', '-', '?']);
    return {
      bytes: Buffer.concat([buf.subarray(0, p), Buffer.from(c), buf.subarray(p)]),
      desc: `${JSON.stringify(c)} inserted at byte ${p}`,
    };
  }
  const tail = pick(rng, ['\n{}', ',', ' // comment', '\n---\nmore: 1\n', '\u0000', 'x'.repeat(100_000)]);
  return { bytes: Buffer.concat([buf, Buffer.from(tail)]), desc: `${JSON.stringify(tail.slice(0, 12))}… appended` };
};

/** A JSON file: a value edit (half the time) or a text edit. */
export function jsonFile(weightTo?: (p: Path) => number): Mutation {
  return (buf, rng) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(buf.toString('utf8'));
    } catch {
      return textEdit(buf, rng);
    }
    if (chance(rng, 0.3)) return textEdit(buf, rng);
    try {
      const m = mutateValue(parsed, rng, weightTo);
      return { bytes: Buffer.from(jsonText(m.value), 'utf8'), desc: m.desc };
    } catch {
      return textEdit(buf, rng); // nested too deep to rewrite (an earlier mutation): edit the text instead
    }
  };
}

// ------------------------------------------------------------------ YAML

const YAML_SCALARS: readonly string[] = [
  '.nan',
  '.inf',
  '-.inf',
  '~',
  'null',
  'yes',
  'off',
  '0x7fffffff',
  '0o777',
  '1e400',
  '-0',
  '9223372036854775808',
  '2147483648',
  '4294967296',
  '!!binary aGVsbG8=',
  '!!str 5',
  '!!int "x"',
  '!!float abc',
  '!js/function "x"',
  '!!set {a, b}',
  '!!omap [a: 1]',
  '2001-12-14t21:59:43.10-05:00',
  '*missing',
  '&a [*a]',
  '[',
  '"unterminated',
  "'single",
  '{a: 1, a: 2}',
  '? [complex]\n  : key',
  '|\n  block\n  text',
  '>-\n  folded',
  '"\\ud800"',
  `"${'x'.repeat(100_000)}"`,
];

/** YAML edits: a value replaced by an odd scalar, a line duplicated (a duplicate key), removed or re-indented, alias bombs, deep nesting, a second document, a `__proto__` key. */
export const yamlFile: Mutation = (buf, rng) => {
  const lines = buf.toString('utf8').split('\n');
  const valued = lines
    .map((l, i) => [l, i] as const)
    .filter(([l]) => /^\s*[\w.-]+:\s*\S/.test(l) || /^\s*-\s+\S/.test(l));
  const r = rng.uniform();
  const out = (ls: string[], desc: string): Mutated => ({ bytes: Buffer.from(ls.join('\n'), 'utf8'), desc });
  if (r < 0.35 && valued.length > 0) {
    const [line, i] = pick(rng, valued);
    const v = pick(rng, YAML_SCALARS);
    const m = /^(\s*(?:[\w.-]+:|-)\s*)/.exec(line) as RegExpExecArray;
    const ls = [...lines];
    ls[i] = `${m[1]}${v}`;
    return out(ls, `line ${i + 1} value := ${JSON.stringify(v.slice(0, 30))}`);
  }
  if (r < 0.45) {
    const i = rng.int(0, lines.length);
    const ls = [...lines];
    ls.splice(i, 0, lines[i] as string);
    return out(ls, `line ${i + 1} duplicated`);
  }
  if (r < 0.52) {
    const i = rng.int(0, lines.length);
    return out(
      lines.filter((_, j) => j !== i),
      `line ${i + 1} removed`,
    );
  }
  if (r < 0.6) {
    const i = rng.int(0, lines.length);
    const ls = [...lines];
    ls[i] = pick(rng, ['\t', ' ', '   ']) + ls[i];
    return out(ls, `line ${i + 1} re-indented`);
  }
  if (r < 0.67) {
    const n = rng.int(5, 12);
    const bomb = ['a0: &a0 [x, x, x, x, x, x, x, x, x]'];
    for (let k = 1; k < n; k++)
      bomb.push(
        `a${k}: &a${k} [${Array(9)
          .fill(`*a${k - 1}`)
          .join(', ')}]`,
      );
    return out([...lines, ...bomb], `an alias bomb ${n} levels deep appended`);
  }
  if (r < 0.74) {
    const depth = rng.int(1000, 50_000);
    return out([...lines, `deep: ${'['.repeat(depth)}${']'.repeat(depth)}`], `a list nested ${depth} deep appended`);
  }
  if (r < 0.79) return out([...lines, '---', 'epochs: 1'], 'a second YAML document appended');
  if (r < 0.84) return out(['__proto__:', '  epochs: 99', ...lines], 'a __proto__ key prepended');
  if (r < 0.88) return out(['a: &x', '  <<: *x', ...lines], 'a self-merging anchor prepended');
  return textEdit(buf, rng);
};

// ------------------------------------------------------------------ safetensors

/** The parts of a safetensors file: length prefix, header JSON, data. */
function splitSafetensors(buf: Buffer): { header: Record<string, unknown>; data: Buffer } | null {
  if (buf.length < 8) return null;
  const n = Number(buf.readBigUInt64LE(0));
  if (8 + n > buf.length) return null;
  try {
    return { header: JSON.parse(buf.toString('utf8', 8, 8 + n)), data: buf.subarray(8 + n) };
  } catch {
    return null;
  }
}

function joinSafetensors(headerText: Buffer, data: Buffer, length = BigInt(headerText.length)): Buffer {
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(length & (2n ** 64n - 1n));
  return Buffer.concat([len, headerText, data]);
}

const ODD_DTYPES = [
  'F8_E5M2',
  'F8_E4M3',
  'U16',
  'U32',
  'U64',
  'f32',
  'F32 ',
  'float32',
  '',
  'C64',
  'BOOL',
  'U8',
  'I64',
];

/**
 * safetensors edits: the u64 header length (edges near 2³², 2⁶³, off by one), the
 * header JSON (a tensor's dtype, shape and data_offsets: odd names, negative, huge,
 * many dimensions, overlapping, past the end; `__metadata__`; duplicate names;
 * non-UTF-8), the data section cut or extended, and — for the optimizer's state —
 * the JSON inside the metadata string. The length prefix is recomputed for header
 * edits so that they reach the field checks.
 */
const safetensorsEdit: Mutation = (buf, rng) => {
  const parts = splitSafetensors(buf);
  if (!parts) return anyBytes(buf, rng);
  const { header, data } = parts;
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  const name = pick(rng, names);
  const info = header[name] as { dtype: string; shape: number[]; data_offsets: [number, number] };
  const emit = (h: unknown, desc: string): Mutated => ({
    bytes: joinSafetensors(Buffer.from(jsonText(h).replace(/\n\s*/g, ''), 'utf8'), data),
    desc,
  });
  const withEntry = (e: unknown): Record<string, unknown> => ({ ...header, [name]: e });
  const r = rng.uniform();
  if (r < 0.15) {
    const text = buf.subarray(8, 8 + Number(buf.readBigUInt64LE(0)));
    const n = BigInt(text.length);
    const v = pick(rng, [
      ...EDGE_INTEGERS,
      n - 1n,
      n + 1n,
      n + 8n,
      BigInt(buf.length),
      BigInt(buf.length) - 8n,
      2n ** 32n + n,
      2n ** 63n + n,
    ]);
    return { bytes: joinSafetensors(text, data, v), desc: `header length ${n} := ${v}` };
  }
  if (r < 0.27) {
    const v = pick(rng, ODD_DTYPES);
    return emit(withEntry({ ...info, dtype: v }), `${name}.dtype ${info.dtype} := ${JSON.stringify(v)}`);
  }
  if (r < 0.42) {
    const shapes: [unknown, string][] = [
      [[], '[]'],
      [[-1, ...info.shape.slice(1)], 'first dim -1'],
      [[...info.shape, 1], 'a trailing 1'],
      [Array(rng.int(60, 200)).fill(1), 'many 1s'],
      [[0, 2 ** 53 - 1], '[0, 2^53-1]'],
      [[0, 2 ** 63], '[0, 2^63]'],
      [[2 ** 32, 2 ** 32], '[2^32, 2^32]'],
      [[2 ** 31, 0], '[2^31, 0]'],
      [[1.5], '[1.5]'],
      [[new RawJson('1e400')], '[1e400]'],
      [[new RawJson('NaN')], '[NaN]'],
      [[String(info.shape[0])], 'a string dim'],
      [[...info.shape].reverse(), 'reversed'],
      [{ 0: info.shape[0] }, 'an object'],
      [info.shape.length > 0 ? [info.shape.reduce((a, b) => a * b, 1)] : [1], 'flattened'],
    ];
    const [shape, what] = pick(rng, shapes);
    return emit(withEntry({ ...info, shape }), `${name}.shape [${info.shape}] := ${what}`);
  }
  if (r < 0.57) {
    const [b, e] = info.data_offsets;
    const other = header[pick(rng, names)] as typeof info;
    const offsets: [unknown, string][] = [
      [[e, b], 'reversed'],
      [[b, e + data.length], 'end past the data'],
      [[b + data.length, e + data.length], 'both past the data'],
      [other.data_offsets, `those of another tensor`],
      [[b - 1, e - 1], 'shifted by -1'],
      [[b + 1, e + 1], 'shifted by +1'],
      [[b, 2 ** 53 + 2], 'end 2^53+2'],
      [[b, new RawJson('18446744073709551615')], 'end 2^64-1'],
      [[-8, e], 'begin -8'],
      [[b], 'one number'],
      [[b, e, e], 'three numbers'],
      [[b, new RawJson('Infinity')], 'end Infinity'],
      [[String(b), String(e)], 'strings'],
    ];
    const [v, what] = pick(rng, offsets);
    return emit(withEntry({ ...info, data_offsets: v }), `${name}.data_offsets [${b}, ${e}] := ${what}`);
  }
  if (r < 0.67) {
    const meta = header.__metadata__ as Record<string, string> | undefined;
    const inner = meta?.['specl.optimizer'];
    let parsed: unknown;
    try {
      parsed = inner === undefined ? undefined : JSON.parse(inner);
    } catch {
      parsed = undefined; // an earlier mutation broke it
    }
    if (parsed !== undefined && chance(rng, 0.7)) {
      const m = mutateValue(parsed, rng);
      const text = jsonText(m.value).replace(/\n\s*/g, '');
      return emit(
        { ...header, __metadata__: { ...meta, 'specl.optimizer': text } },
        `metadata specl.optimizer: ${m.desc}`,
      );
    }
    const m = mutateValue(header, rng, (p) => (p[0] === '__metadata__' ? 4 : 1));
    return emit(m.value, `header: ${m.desc}`);
  }
  if (r < 0.75) {
    const m = mutateValue(header, rng);
    return emit(m.value, `header: ${m.desc}`);
  }
  if (r < 0.82) {
    const entries = Object.entries(header);
    const other = pick(rng, names);
    const dup = new Entries([...entries, [other, header[pick(rng, names)]]]);
    return emit(dup, `tensor '${other}' listed twice`);
  }
  if (r < 0.88) {
    const text = Buffer.from(buf.subarray(8, 8 + Number(buf.readBigUInt64LE(0))));
    const m = textEdit(text, rng);
    return { bytes: joinSafetensors(m.bytes, data), desc: `header text: ${m.desc}` };
  }
  if (r < 0.94) {
    const n = rng.int(0, data.length);
    const text = buf.subarray(8, 8 + Number(buf.readBigUInt64LE(0)));
    return {
      bytes: joinSafetensors(text, data.subarray(0, n)),
      desc: `data section cut to ${n} of ${data.length} bytes`,
    };
  }
  return anyBytes(buf, rng);
};

/** {@link safetensorsEdit}, or generic bytes where an earlier mutation left a header too deep to rewrite. */
export const safetensorsFile: Mutation = (buf, rng) => {
  try {
    return safetensorsEdit(buf, rng);
  } catch {
    return anyBytes(buf, rng);
  }
};
