/** Writes IDX files for tests (the MNIST format: magic 0x00 0x00 0x08 ndim, big-endian u32 sizes, unsigned bytes). */

/** An unsigned-byte IDX file of the given shape. */
export function idx(shape: number[], data: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * shape.length);
  head.writeUInt32BE(0x800 + shape.length, 0);
  shape.forEach((s, i) => {
    head.writeUInt32BE(s, 4 + 4 * i);
  });
  return Buffer.concat([head, Buffer.from(data)]);
}
