/**
 * Per-image reference implementations of the augmentations, in plain loops
 * over float64 arrays, written from torchvision's formulas (functional_tensor
 * 0.14, F.interpolate, grid_sample) and not from the batched code under test.
 */

/** A B×C×H×W batch as a flat row-major float64 array. */
export class Batch {
  readonly data: Float64Array;
  constructor(
    readonly B: number,
    readonly C: number,
    readonly H: number,
    readonly W: number,
    data?: ArrayLike<number>,
  ) {
    this.data = data ? Float64Array.from(data) : new Float64Array(B * C * H * W);
    if (this.data.length !== B * C * H * W)
      throw new Error(`Batch: ${this.data.length} values for ${B}×${C}×${H}×${W}`);
  }
  get shape(): [number, number, number, number] {
    return [this.B, this.C, this.H, this.W];
  }
  at(b: number, c: number, y: number, x: number): number {
    return this.data[((b * this.C + c) * this.H + y) * this.W + x] as number;
  }
  set(b: number, c: number, y: number, x: number, v: number): void {
    this.data[((b * this.C + c) * this.H + y) * this.W + x] = v;
  }
  /** A copy with sample b replaced by `fn(b)`'s output (for per-sample references). */
  map(fn: (b: number, src: Batch) => Batch | null): Batch {
    const parts = Array.from({ length: this.B }, (_, b) => fn(b, this));
    const first = parts.find((p) => p !== null) ?? null;
    const [C, H, W] = first ? [first.C, first.H, first.W] : [this.C, this.H, this.W];
    const out = new Batch(this.B, C, H, W);
    const n = C * H * W;
    parts.forEach((p, b) => {
      out.data.set(p ? p.data : this.data.subarray(b * n, (b + 1) * n), b * n);
    });
    return out;
  }
  /** Sample b as a 1×C×H×W batch. */
  sample(b: number): Batch {
    const n = this.C * this.H * this.W;
    return new Batch(1, this.C, this.H, this.W, this.data.subarray(b * n, (b + 1) * n));
  }
}

const clamp01 = (v: number): number => Math.min(1, Math.max(0, v));

/**
 * F.interpolate(img, [oh, ow], mode='bilinear', align_corners=False) of one
 * image: source coordinate s = max((d + ½)·in/out − ½, 0), i0 = ⌊s⌋,
 * i1 = min(i0 + 1, in − 1), weight s − i0.
 */
export function resizeBilinear(img: Batch, oh: number, ow: number): Batch {
  const out = new Batch(1, img.C, oh, ow);
  const src = (d: number, n: number, o: number): [number, number, number] => {
    const s = Math.max(((d + 0.5) * n) / o - 0.5, 0);
    const i0 = Math.min(Math.floor(s), n - 1);
    const i1 = Math.min(i0 + 1, n - 1);
    return [i0, i1, s - i0];
  };
  for (let c = 0; c < img.C; c++) {
    for (let y = 0; y < oh; y++) {
      const [y0, y1, ly] = src(y, img.H, oh);
      for (let x = 0; x < ow; x++) {
        const [x0, x1, lx] = src(x, img.W, ow);
        const top = (1 - lx) * img.at(0, c, y0, x0) + lx * img.at(0, c, y0, x1);
        const bottom = (1 - lx) * img.at(0, c, y1, x0) + lx * img.at(0, c, y1, x1);
        out.set(0, c, y, x, (1 - ly) * top + ly * bottom);
      }
    }
  }
  return out;
}

/** img[..., top:top+h, left:left+w]. */
export function crop(img: Batch, top: number, left: number, h: number, w: number): Batch {
  const out = new Batch(1, img.C, h, w);
  for (let c = 0; c < img.C; c++)
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out.set(0, c, y, x, img.at(0, c, top + y, left + x));
  return out;
}

export function hflip(img: Batch): Batch {
  const out = new Batch(1, img.C, img.H, img.W);
  for (let c = 0; c < img.C; c++)
    for (let y = 0; y < img.H; y++) for (let x = 0; x < img.W; x++) out.set(0, c, y, x, img.at(0, c, y, img.W - 1 - x));
  return out;
}

/** Grayscale value of pixel (y, x): 0.299 R + 0.587 G + 0.114 B, or the value itself for one channel. */
export function grayAt(img: Batch, y: number, x: number): number {
  if (img.C === 1) return img.at(0, 0, y, x);
  return 0.299 * img.at(0, 0, y, x) + 0.587 * img.at(0, 1, y, x) + 0.114 * img.at(0, 2, y, x);
}

function pixelwise(img: Batch, f: (c: number, y: number, x: number) => number): Batch {
  const out = new Batch(1, img.C, img.H, img.W);
  for (let c = 0; c < img.C; c++)
    for (let y = 0; y < img.H; y++) for (let x = 0; x < img.W; x++) out.set(0, c, y, x, f(c, y, x));
  return out;
}

export const brightness = (img: Batch, f: number): Batch =>
  pixelwise(img, (c, y, x) => clamp01(f * img.at(0, c, y, x)));

export function contrast(img: Batch, f: number): Batch {
  let mean = 0;
  for (let y = 0; y < img.H; y++) for (let x = 0; x < img.W; x++) mean += grayAt(img, y, x);
  mean /= img.H * img.W;
  return pixelwise(img, (c, y, x) => clamp01(f * img.at(0, c, y, x) + (1 - f) * mean));
}

export const saturation = (img: Batch, f: number): Batch =>
  img.C === 1 ? img : pixelwise(img, (c, y, x) => clamp01(f * img.at(0, c, y, x) + (1 - f) * grayAt(img, y, x)));

export const grayscale = (img: Batch): Batch => pixelwise(img, (_c, y, x) => grayAt(img, y, x));

/** torchvision `_rgb2hsv` for one pixel. */
export function rgb2hsv(r: number, g: number, b: number): [number, number, number] {
  const maxc = Math.max(r, g, b);
  const minc = Math.min(r, g, b);
  const eqc = maxc === minc;
  const cr = maxc - minc;
  const s = cr / (eqc ? 1 : maxc);
  const div = eqc ? 1 : cr;
  const rc = (maxc - r) / div;
  const gc = (maxc - g) / div;
  const bc = (maxc - b) / div;
  let h: number;
  if (maxc === r) h = bc - gc;
  else if (maxc === g) h = 2 + rc - bc;
  else h = 4 + gc - rc;
  h = (h / 6 + 1) % 1; // fmod of a positive number
  return [h, s, maxc];
}

/** torchvision `_hsv2rgb` for one pixel (the sector table). */
export function hsv2rgb(h: number, s: number, v: number): [number, number, number] {
  const i0 = Math.floor(h * 6);
  const f = h * 6 - i0;
  const p = clamp01(v * (1 - s));
  const q = clamp01(v * (1 - s * f));
  const t = clamp01(v * (1 - s * (1 - f)));
  const i = ((i0 % 6) + 6) % 6;
  const table: [number, number, number][] = [
    [v, t, p],
    [q, v, p],
    [p, v, t],
    [p, q, v],
    [t, p, v],
    [v, p, q],
  ];
  return table[i] as [number, number, number];
}

/** adjust_hue: h ← (h + f) mod 1 (Python's %, result in [0, 1)). */
export function hue(img: Batch, f: number): Batch {
  if (img.C === 1) return img;
  const out = new Batch(1, 3, img.H, img.W);
  for (let y = 0; y < img.H; y++) {
    for (let x = 0; x < img.W; x++) {
      const [h, s, v] = rgb2hsv(img.at(0, 0, y, x), img.at(0, 1, y, x), img.at(0, 2, y, x));
      const h2 = (((h + f) % 1) + 1) % 1;
      const rgb = hsv2rgb(h2, s, v);
      for (let c = 0; c < 3; c++) out.set(0, c, y, x, rgb[c] as number);
    }
  }
  return out;
}

export const solarize = (img: Batch, threshold: number): Batch =>
  pixelwise(img, (c, y, x) => {
    const v = img.at(0, c, y, x);
    return v >= threshold ? 1 - v : v;
  });

/** Reflect padding index (torch 'reflect': the edge pixel is not repeated). */
const reflect = (i: number, n: number): number => (i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i);

/** F.gaussian_blur: reflect-padded correlation with the K×K kernel k kᵀ, k ∝ exp(−i²/(2σ²)). */
export function gaussianBlur(img: Batch, K: number, sigma: number): Batch {
  const half = (K - 1) / 2;
  const k = Array.from({ length: K }, (_, i) => Math.exp(-((i - half) ** 2) / (2 * sigma * sigma)));
  const sum = k.reduce((a, b) => a + b, 0);
  const kn = k.map((v) => v / sum);
  return pixelwise(img, (c, y, x) => {
    let acc = 0;
    for (let p = 0; p < K; p++) {
      for (let q = 0; q < K; q++) {
        const yy = reflect(y + p - half, img.H);
        const xx = reflect(x + q - half, img.W);
        acc += (kn[p] as number) * (kn[q] as number) * img.at(0, c, yy, xx);
      }
    }
    return acc;
  });
}

/**
 * torchvision F.affine on a tensor image (no shear) with fill: every output
 * pixel's centre, relative to the image centre, is mapped through the inverse
 * matrix (1/s)·R(−a)·(p − t) and the input read there, bilinear or nearest,
 * zeros outside; a ones channel read the same way gives the mask m, and the
 * output is img·m + (1 − m)·fill (bilinear) or fill where m < ½ (nearest).
 */
export function affine(
  img: Batch,
  angleDeg: number,
  tx: number,
  ty: number,
  scale: number,
  fill: number[],
  mode: 'bilinear' | 'nearest',
): Batch {
  const a = (angleDeg * Math.PI) / 180;
  const { H, W } = img;
  const out = new Batch(1, img.C, H, W);
  const read = (c: number, yy: number, xx: number): number =>
    yy < 0 || yy >= H || xx < 0 || xx >= W ? 0 : c === img.C ? 1 : img.at(0, c, yy, xx);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const u = x + 0.5 - W / 2 - tx;
      const v = y + 0.5 - H / 2 - ty;
      const su = (Math.cos(a) * u + Math.sin(a) * v) / scale;
      const sv = (-Math.sin(a) * u + Math.cos(a) * v) / scale;
      const X = su + W / 2 - 0.5;
      const Y = sv + H / 2 - 0.5;
      const sampleAt = (c: number): number => {
        if (mode === 'nearest') return read(c, roundEven(Y), roundEven(X));
        const x0 = Math.floor(X);
        const y0 = Math.floor(Y);
        const lx = X - x0;
        const ly = Y - y0;
        return (
          (1 - ly) * ((1 - lx) * read(c, y0, x0) + lx * read(c, y0, x0 + 1)) +
          ly * ((1 - lx) * read(c, y0 + 1, x0) + lx * read(c, y0 + 1, x0 + 1))
        );
      };
      const m = sampleAt(img.C);
      for (let c = 0; c < img.C; c++) {
        const f = (fill.length === 1 ? fill[0] : fill[c]) as number;
        const v0 = sampleAt(c);
        out.set(0, c, y, x, mode === 'nearest' ? (m < 0.5 ? f : v0) : v0 * m + (1 - m) * f);
      }
    }
  }
  return out;
}

/** Round half to even (grid_sample's nearest uses nearbyint). */
function roundEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Random test images in [0, 1], float32-exact, with some gray, saturated and tied pixels for the color ops. */
export function testImages(
  B: number,
  C: number,
  H: number,
  W: number,
  uniform: () => number,
): { data: Float32Array; batch: Batch } {
  const data = new Float32Array(B * C * H * W);
  for (let i = 0; i < data.length; i++) data[i] = uniform();
  const hw = H * W;
  for (let b = 0; b < B; b++) {
    for (let p = 0; p < hw; p += 5) {
      const base = b * C * hw + p;
      const kind = (p / 5) % 4;
      const v = Math.round(uniform() * 255) / 255;
      if (C === 3 && kind === 0) for (let c = 0; c < C; c++) data[base + c * hw] = v; // gray
      if (C === 3 && kind === 1) data[base + hw] = data[base] as number; // R = G tie
      if (kind === 2) data[base] = 1; // saturated
      if (kind === 3) data[base] = 0;
    }
  }
  return { data, batch: new Batch(B, C, H, W, data) };
}
