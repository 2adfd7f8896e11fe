/**
 * A grid of images as one RGB raster (rows of cells, nearest-neighbour
 * upscaled, separated by a gap), and PNG output of it — to look at a
 * dataset and at the views an augmentation makes of it.
 */
import sharp from 'sharp';
import type { Tensor } from '../tensor/index.ts';
import { writeFileAtomic } from '../util/atomic-write.ts';

/** An 8-bit RGB image, row-major, 3 bytes a pixel. */
export interface RgbRaster {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface GridOptions {
  /** Integer upscaling of every cell (default 1). */
  scale?: number;
  /** Pixels between cells and around the grid (default 2). */
  gap?: number;
  /** Gap colour, 0–255 grey (default 255, white). */
  background?: number;
}

/**
 * `rows[r][c]` is one image, a float C×H×W tensor (C = 1 or 3) with values in
 * [0, 1] (clamped) or a uint8 tensor (0–255). Cells of one column share a width,
 * cells of one row a height; smaller images are centred in their cell.
 */
export function imageGrid(rows: Tensor[][], o: GridOptions = {}): RgbRaster {
  const scale = o.scale ?? 1;
  const gap = o.gap ?? 2;
  if (!Number.isInteger(scale) || scale < 1)
    throw new RangeError(`imageGrid: scale must be a positive integer, got ${scale}`);
  if (rows.length === 0 || rows.some((r) => r.length === 0))
    throw new RangeError('imageGrid: needs at least one image per row');
  const cols = Math.max(...rows.map((r) => r.length));
  const cells = rows.map((r) => r.map(toRgb));
  const colW = Array.from(
    { length: cols },
    (_, c) => Math.max(0, ...cells.map((r) => (r[c] ? r[c].width : 0))) * scale,
  );
  const rowH = cells.map((r) => Math.max(...r.map((img) => img.height)) * scale);
  const width = colW.reduce((a, b) => a + b, 0) + gap * (cols + 1);
  const height = rowH.reduce((a, b) => a + b, 0) + gap * (rows.length + 1);
  const data = new Uint8Array(width * height * 3).fill(o.background ?? 255);
  let y0 = gap;
  cells.forEach((row, r) => {
    let x0 = gap;
    row.forEach((img, c) => {
      const ox = x0 + ((colW[c] as number) - img.width * scale) / 2;
      const oy = y0 + ((rowH[r] as number) - img.height * scale) / 2;
      for (let y = 0; y < img.height * scale; y++) {
        for (let x = 0; x < img.width * scale; x++) {
          const s = (Math.floor(y / scale) * img.width + Math.floor(x / scale)) * 3;
          const d = ((oy + y) * width + ox + x) * 3;
          data[d] = img.data[s] as number;
          data[d + 1] = img.data[s + 1] as number;
          data[d + 2] = img.data[s + 2] as number;
        }
      }
      x0 += (colW[c] as number) + gap;
    });
    y0 += (rowH[r] as number) + gap;
  });
  return { width, height, data };
}

/** One C×H×W image as 8-bit RGB (grey images replicated to three channels). */
function toRgb(t: Tensor): RgbRaster {
  if (t.ndim !== 3 || (t.shape[0] !== 1 && t.shape[0] !== 3))
    throw new RangeError(`imageGrid: each image must be C×H×W with C = 1 or 3, got [${t.shape}]`);
  const [c, h, w] = t.shape as [number, number, number];
  const src = t.dtype === 'uint8' ? (t.contiguous().data() as Uint8Array) : null;
  const f = src ? null : (t.to('float32').contiguous().data() as Float32Array);
  const at = (i: number): number =>
    src ? (src[i] as number) : Math.round(Math.min(1, Math.max(0, f?.[i] ?? 0)) * 255);
  const data = new Uint8Array(h * w * 3);
  for (let p = 0; p < h * w; p++) {
    for (let k = 0; k < 3; k++) data[p * 3 + k] = at((c === 1 ? 0 : k) * h * w + p);
  }
  return { width: w, height: h, data };
}

/** Encodes a raster as PNG and writes it atomically (temporary file, then rename). */
export async function writePng(path: string, raster: RgbRaster): Promise<void> {
  const png = await sharp(Buffer.from(raster.data.buffer, raster.data.byteOffset, raster.data.byteLength), {
    raw: { width: raster.width, height: raster.height, channels: 3 },
  })
    .png()
    .toBuffer();
  writeFileAtomic(path, png);
}
