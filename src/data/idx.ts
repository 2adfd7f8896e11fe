/**
 * IDX files (the MNIST format of LeCun et al.): a big-endian header
 * `0x00 0x00 <type> <ndim>` then ndim u32 sizes, then the data. Raw or gzipped.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

/** Reads an unsigned-byte IDX file (type 0x08), checking the header against the file size. */
export function readIdx(path: string): IdxArray {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot read IDX file (${(e as Error).message})`);
  }
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf);
    } catch (e) {
      throw new Error(`${path}: gzip data is corrupt or truncated (${(e as Error).message})`);
    }
  }
  if (buf.length < 4) throw new Error(`${path}: too short for an IDX header (${buf.length} bytes)`);
  if (buf[0] !== 0 || buf[1] !== 0) {
    throw new Error(`${path}: bad IDX magic number 0x${buf.readUInt32BE(0).toString(16)}: expected 0x0000080N`);
  }
  if (buf[2] !== 0x08)
    throw new Error(`${path}: IDX element type 0x${buf[2]?.toString(16)} unsupported: expected 0x08 (uint8)`);
  const ndim = buf[3] as number;
  const headerBytes = 4 + 4 * ndim;
  if (ndim < 1 || buf.length < headerBytes) throw new Error(`${path}: truncated IDX header (${ndim} dims)`);
  const shape = Array.from({ length: ndim }, (_, i) => buf.readUInt32BE(4 + 4 * i));
  const expected = shape.reduce((a, b) => a * b, 1);
  const actual = buf.length - headerBytes;
  if (actual !== expected) {
    throw new Error(
      `${path}: IDX data is ${actual < expected ? 'truncated' : 'longer than its header says'}: header shape [${shape}] needs ${expected} bytes, file has ${actual}`,
    );
  }
  return { shape, data: new Uint8Array(buf.buffer, buf.byteOffset + headerBytes, expected) };
}
