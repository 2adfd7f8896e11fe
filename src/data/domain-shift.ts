/**
 * Domain shifts that keep the label space, to build source/target pairs for
 * the domain-transfer experiment (Shen et al. 2022, "Connect, not collapse";
 * HaoChen et al. 2022, "Beyond separability"): pretrain on unlabeled
 * source ∪ target, fit the probe on labeled source, test on target.
 *
 * Every function takes uint8 N×C×H×W images and returns new uint8 images,
 * computed batched with tensor ops (in chunks of images, to bound memory).
 * Float results are rounded half up (⌊v + ½⌋) and clamped to 0…255.
 */
import {
  checked,
  fail,
  finite,
  listOf,
  nonNegative,
  nonNegativeInt,
  numberIn,
  oneOf,
  positiveInt,
  refine,
} from '../options/index.ts';
import { cat, Generator, nnf, opT, rand, type Tensor, tensor, tidy } from '../tensor/index.ts';
import type { ImageSplit, LabeledDataset } from './dataset.ts';

/** Images per chunk of the batched computations (bounds the float temporaries). */
const CHUNK = 2048;

function checkImages(images: Tensor, fn: string, channels?: number[]): void {
  if (images.dtype !== 'uint8') throw new Error(`${fn}: images must be uint8, got ${images.dtype}`);
  if (images.ndim !== 4) throw new Error(`${fn}: images must be 4-D N×C×H×W, got shape [${images.shape}]`);
  const c = images.size(1);
  if (channels && !channels.includes(c))
    throw new Error(`${fn}: images must have ${channels.join(' or ')} channels, got ${c} (shape [${images.shape}])`);
}

/** fn applied to consecutive chunks of at most CHUNK images, concatenated; fn gets the chunk's first index. */
function mapChunks(images: Tensor, fn: (x: Tensor, start: number) => Tensor): Tensor {
  const n = images.size(0);
  if (n <= CHUNK) return tidy(() => fn(images, 0));
  const parts: Tensor[] = [];
  try {
    for (let s = 0; s < n; s += CHUNK) parts.push(tidy(() => fn(images.narrow(0, s, Math.min(CHUNK, n - s)), s)));
    return cat(parts, 0);
  } finally {
    for (const p of parts) p.dispose();
  }
}

/** ⌊v + ½⌋ clamped to 0…255, as uint8. */
const toUint8 = (v: Tensor): Tensor => v.add(0.5).floor().clamp(0, 255).to('uint8');

/** cos and sin of an angle in degrees, exact for multiples of 90° (so those rotations are exact pixel permutations). */
function cosSin(degrees: number): [number, number] {
  const d = ((degrees % 360) + 360) % 360;
  const exact: Record<number, [number, number]> = { 0: [1, 0], 90: [0, 1], 180: [-1, 0], 270: [0, -1] };
  const e = exact[d];
  if (e) return e;
  const a = (d * Math.PI) / 180;
  return [Math.cos(a), Math.sin(a)];
}

/**
 * Rotates every image by `degrees` counter-clockwise (as displayed, rows going
 * down) about the image centre, with bilinear interpolation and zeros outside
 * the source image. Output pixel (x, y), measured in pixels from the centre
 * ((W−1)/2, (H−1)/2), takes the bilinear value of the input at
 * (cos θ·x − sin θ·y, sin θ·x + cos θ·y) — affineGrid + gridSample with
 * align_corners = false and the θ matrix rescaled for non-square images.
 * 90° maps out[i][j] = in[j][W−1−i] like numpy's rot90 (square images).
 */
export function rotateImages(images: Tensor, degrees: number): Tensor {
  checkImages(images, 'rotateImages');
  checked('rotateImages', 'degrees', finite, degrees);
  const [, C, H, W] = images.shape as [number, number, number, number];
  const [c, s] = cosSin(degrees);
  return tidy(() => {
    // Normalized coordinates are x/(W/2), y/(H/2); conjugating the pixel rotation by that scaling gives θ.
    const theta = tensor([
      [
        [c, (-s * H) / W, 0],
        [(s * W) / H, c, 0],
      ],
    ]);
    const grid = nnf.affineGrid(theta, [1, C, H, W], false);
    return mapChunks(images, (x) => {
      const g = grid.expand(x.size(0), H, W, 2);
      return toUint8(nnf.gridSample(x.float(), g, { mode: 'bilinear', padding: 'zeros', alignCorners: false }));
    });
  });
}

/** The photographic negative 255 − x (its own inverse). */
export function invertImages(images: Tensor): Tensor {
  checkImages(images, 'invertImages');
  return opT('aten::rsub.Scalar', [images, 255, 1]);
}

const RGB = refine(listOf(numberIn(0, 1), { min: 3, max: 3 }), 'three numbers in [0, 1]', () => true);

function checkRgb(rgb: readonly number[], fn: string): void {
  checked(fn, 'rgb', RGB, rgb);
}

/**
 * Colours the images: out_c = ⌊x_c·rgb_c + ½⌋ for c = R, G, B. Grey (1-channel)
 * images are first repeated to 3 channels; colour images are multiplied
 * channel-wise. Computed in float64, so out equals Math.round(x·rgb_c) exactly.
 */
export function tintImages(images: Tensor, rgb: readonly [number, number, number]): Tensor {
  checkImages(images, 'tintImages', [1, 3]);
  checkRgb(rgb, 'tintImages');
  const [, , H, W] = images.shape as [number, number, number, number];
  return tidy(() => {
    const t = tensor(Float64Array.from(rgb), [1, 3, 1, 1]);
    return mapChunks(images, (x) => toUint8(x.double().expand(x.size(0), 3, H, W).mul(t)));
  });
}

/** Options of the procedural MNIST-M–style textures. */
export interface TextureOptions {
  /** Seed of the texture parameters (image i always gets the same texture for a seed). */
  seed: number;
  /** Number of sinusoidal gratings summed per image (default 3). */
  gratings?: number;
  /** Spatial frequency range of the gratings, in cycles across the image's larger side (default 1 to 6). */
  minCycles?: number;
  maxCycles?: number;
  /** Weight β of the low-frequency colour noise in the mix (default 0.3). */
  noise?: number;
  /** The noise is bilinear upsampling of a noiseGrid × noiseGrid grid of uniform colours (default 4). */
  noiseGrid?: number;
}

/**
 * Procedural colour textures, uint8 n×3×h×w, in place of MNIST-M's BSDS500
 * photo patches (no external data). Texture i is
 * T = 255·[(1 − β)·(1/K)·Σ_k a_k·(½ + ½·sin(2π f_k (cos φ_k·x + sin φ_k·y) + ψ_k)) + β·U],
 * x, y = pixel offsets from the centre divided by max(h, w), with per-image
 * random orientation φ_k ∈ [0, π), frequency f_k ∈ [minCycles, maxCycles],
 * phase ψ_k ∈ [0, 2π) and colour a_k ∈ [0, 1]³, and U a bilinearly upsampled
 * noiseGrid² grid of uniform [0, 1)³ colours. All parameters of all n images are
 * drawn from `Generator(seed)` up front (grating parameters n×K×3, colours n×K×3,
 * noise n×3×g×g), so texture i does not depend on the chunking.
 */
export function proceduralTextures(n: number, height: number, width: number, opts: TextureOptions): Tensor {
  const fn = 'proceduralTextures';
  for (const [k, v] of Object.entries({ n, height, width })) checked(fn, k, nonNegativeInt, v);
  const K = opts.gratings ?? 3;
  const lo = opts.minCycles ?? 1;
  const hi = opts.maxCycles ?? 6;
  const beta = opts.noise ?? 0.3;
  const G = opts.noiseGrid ?? 4;
  checked(fn, 'gratings', positiveInt, K);
  checked(fn, 'minCycles', nonNegative, lo);
  checked(
    fn,
    'maxCycles',
    refine(finite, `a finite number ≥ minCycles (${lo})`, (x) => x >= lo),
    hi,
  );
  checked(fn, 'noise', numberIn(0, 1), beta);
  checked(fn, 'noiseGrid', positiveInt, G);
  return tidy(() => {
    const g = new Generator(opts.seed);
    const u = rand([n, K, 3], { generator: g });
    const colours = rand([n, K, 3], { generator: g });
    const noise = rand([n, 3, G, G], { generator: g });
    const S = Math.max(height, width, 1);
    const xs = tensor(
      Float32Array.from({ length: width }, (_, j) => (j - (width - 1) / 2) / S),
      [1, 1, 1, width],
    );
    const ys = tensor(
      Float32Array.from({ length: height }, (_, i) => (i - (height - 1) / 2) / S),
      [1, 1, height, 1],
    );
    const render = (s: number, m: number): Tensor => {
      const p = u.narrow(0, s, m);
      const phi = p.select(2, 0).mul(Math.PI).reshape(m, K, 1, 1);
      const freq = p
        .select(2, 1)
        .mul(2 * Math.PI * (hi - lo))
        .add(2 * Math.PI * lo)
        .reshape(m, K, 1, 1);
      const psi = p
        .select(2, 2)
        .mul(2 * Math.PI)
        .reshape(m, K, 1, 1);
      const arg = xs
        .mul(freq.mul(phi.cos()))
        .add(ys.mul(freq.mul(phi.sin())))
        .add(psi); // m×K×h×w
      const waves = arg.sin().mul(0.5).add(0.5);
      const grating = opT('aten::einsum', ['nkc,nkhw->nchw', [colours.narrow(0, s, m), waves]]).div(K);
      const low = nnf.interpolate(noise.narrow(0, s, m), [height, width], 'bilinear', false);
      return toUint8(
        grating
          .mul(1 - beta)
          .add(low.mul(beta))
          .mul(255),
      );
    };
    if (n <= CHUNK) return render(0, n);
    const parts: Tensor[] = [];
    for (let s = 0; s < n; s += CHUNK) parts.push(tidy(() => render(s, Math.min(CHUNK, n - s))));
    return cat(parts, 0);
  });
}

/**
 * MNIST-M–style images: 3-channel images whose background is a procedural
 * texture T (see `proceduralTextures`, one per image, seeded) and whose
 * foreground is blended with MNIST-M's rule out_c = |T_c − x_c| (grey x used
 * for every channel). So background pixels (x = 0) show the texture and full
 * strokes (x = 255) show its negative: the digit's shape stays visible.
 */
export function textureBackground(images: Tensor, opts: TextureOptions): Tensor {
  checkImages(images, 'textureBackground', [1, 3]);
  const [N, , H, W] = images.shape as [number, number, number, number];
  return tidy(() => {
    const tex = proceduralTextures(N, H, W, opts);
    return mapChunks(images, (x, s) => {
      const t = tex.narrow(0, s, x.size(0)).to('int16');
      return t.sub(x.to('int16')).abs().to('uint8');
    });
  });
}

/** The label-preserving shifts `domainShift` knows. */
export type DomainShiftKind = 'rotate' | 'invert' | 'tint' | 'texture';

/** Options of `domainShift`; each kind reads its own. */
export interface DomainShiftOptions extends Partial<TextureOptions> {
  /** 'rotate': angle in degrees, counter-clockwise (default 90). */
  degrees?: number;
  /** 'tint': channel multipliers in [0, 1] (default [1, 0.5, 0], orange). */
  rgb?: [number, number, number];
}

const KINDS: DomainShiftKind[] = ['rotate', 'invert', 'tint', 'texture'];

function shiftImages(images: Tensor, kind: DomainShiftKind, opts: DomainShiftOptions): Tensor {
  switch (kind) {
    case 'rotate':
      return rotateImages(images, opts.degrees ?? 90);
    case 'invert':
      return invertImages(images);
    case 'tint':
      return tintImages(images, opts.rgb ?? [1, 0.5, 0]);
    case 'texture':
      return textureBackground(images, { ...opts, seed: opts.seed ?? 0 });
    default:
      return fail('domainShift', 'kind', oneOf(KINDS).expect, kind);
  }
}

/**
 * The split with its images shifted by `kind` and the same labels (a copy).
 * `opts.seed` (default 0) seeds the random shifts ('texture').
 */
export function domainShift(split: ImageSplit, kind: DomainShiftKind, opts: DomainShiftOptions = {}): ImageSplit {
  const images = shiftImages(split.images, kind, opts);
  return { images, labels: split.labels.clone() };
}

/**
 * A source/target pair for domain transfer: source is `dataset` itself (the
 * same tensors, not a copy), target has both splits shifted by the same kind
 * and options, with seeds seed (train) and seed + 1 (test) so train and test
 * textures differ. Labels and class names are unchanged; the target is named
 * `${name}-${kind}`.
 */
export function domainPair(
  dataset: LabeledDataset,
  kind: DomainShiftKind,
  opts: DomainShiftOptions = {},
): { source: LabeledDataset; target: LabeledDataset } {
  const seed = opts.seed ?? 0;
  const train = domainShift(dataset.train, kind, { ...opts, seed });
  let test: ImageSplit;
  try {
    test = domainShift(dataset.test, kind, { ...opts, seed: seed + 1 });
  } catch (e) {
    train.images.dispose();
    train.labels.dispose();
    throw e;
  }
  return {
    source: dataset,
    target: { name: `${dataset.name}-${kind}`, classes: [...dataset.classes], train, test },
  };
}
