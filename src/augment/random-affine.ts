/** Random affine: small rotations, translations and scalings about the image centre. */
import { finite, listOf, numberIn, oneOf } from '../options/index.ts';
import { cat, type Generator, nnf, ones, opT, type Tensor, tensor, tidy, where } from '../tensor/index.ts';
import { checkBatch, drawUniforms, roundHalfEven } from './batch.ts';
import { asPair, checkKeys, either, interval, orPair, readOption } from './options.ts';
import type { BatchShape, Transform, TransformSpec } from './transform.ts';

const NAME = 'RandomAffine';
const DEGREES = either(numberIn(0, 360), interval(-360, 360));
const TRANSLATE = orPair(numberIn(0, 1));
const SCALE = interval(0, Number.POSITIVE_INFINITY, 'lower');
const FILL = either(finite, listOf(finite), 'a finite number or one finite number per channel');
const INTERPOLATION = oneOf(['bilinear', 'nearest'] as const);

export interface RandomAffineOptions {
  /** d: angle ~ U(−d, d) degrees, or [lo, hi] (default 0). Positive = counter-clockwise. */
  degrees?: number | [number, number];
  /** Maximal shift as a fraction of [W, H] (one number for both; default [0, 0]). */
  translate?: number | [number, number];
  /** Scale ~ U[lo, hi] (default [1, 1]). */
  scale?: [number, number];
  /** Value of pixels mapped from outside the image: one number or one per channel (default 0). */
  fill?: number | number[];
  /** 'bilinear' (default) or 'nearest'. */
  interpolation?: 'bilinear' | 'nearest';
}

export interface AffineParams {
  /** Rotation in degrees, counter-clockwise on screen. */
  angle: Float64Array;
  /** Shift right, in whole pixels. */
  tx: Int32Array;
  /** Shift down, in whole pixels. */
  ty: Int32Array;
  scale: Float64Array;
}

/**
 * torchvision's `RandomAffine(degrees, translate, scale)` without shear
 * (transforms.py and `F.affine` on tensors, 0.14). Per sample: angle ~
 * U(degrees), tx = round(U(−t_x·W, t_x·W)), ty = round(U(−t_y·H, t_y·H))
 * (Python rounding), s ~ U(scale).
 *
 * Coordinate convention (torchvision's `_get_inverse_affine_matrix` with the
 * centre of the image as origin): an output pixel (x, y) (column, row from the
 * top-left, pixel centres at integers) has centred coordinates
 * u = x + ½ − W/2, v = y + ½ − H/2, and reads the input at
 *   [u′, v′] = (1/s)·[[cos a, sin a], [−sin a, cos a]]·([u, v] − [tx, ty]),
 * i.e. input pixel (u′ + W/2 − ½, v′ + H/2 − ½), a in radians. With y pointing
 * down this turns the content by a counter-clockwise on screen, scales it by s
 * about the centre, then shifts it by (tx, ty). The samples are read by
 * grid_sample (align_corners = False) through affineGrid with
 * θ = [[m₀, m₁·H/W, 2m₂/W], [m₃·W/H, m₄, 2m₅/H]] for that inverse matrix m.
 *
 * Fill as torchvision's `_apply_grid_transform`: a channel of ones is sampled
 * along (zeros padding) as a coverage mask m, and out = img·m + (1 − m)·fill
 * (bilinear), or fill where m < ½ (nearest). Note that with bilinear sampling
 * this darkens border pixels twice (img is already zero-padded), exactly as
 * torchvision 0.14 does.
 */
export class RandomAffine implements Transform<AffineParams> {
  static readonly kind = 'randomAffine';
  readonly spec: TransformSpec;
  readonly degrees: [number, number];
  readonly translate: [number, number];
  readonly scale: [number, number];
  readonly fill: number[];
  readonly interpolation: 'bilinear' | 'nearest';

  constructor(options: RandomAffineOptions = {}) {
    const o = checkKeys(NAME, RandomAffine.kind, options, ['degrees', 'translate', 'scale', 'fill', 'interpolation']);
    const d = readOption<number | [number, number]>(NAME, o, 'degrees', DEGREES, 0);
    this.degrees = typeof d === 'number' ? [-d, d] : asPair(d);
    this.translate = asPair(readOption<number | [number, number]>(NAME, o, 'translate', TRANSLATE, [0, 0]));
    this.scale = asPair(readOption(NAME, o, 'scale', SCALE, [1, 1]));
    const fill = readOption<number | number[]>(NAME, o, 'fill', FILL, 0);
    this.fill = typeof fill === 'number' ? [fill] : [...fill];
    this.interpolation = readOption(NAME, o, 'interpolation', INTERPOLATION, 'bilinear');
    this.spec = {
      kind: RandomAffine.kind,
      degrees: o.degrees ?? 0,
      translate: o.translate ?? [0, 0],
      scale: this.scale,
      fill: o.fill ?? 0,
      interpolation: this.interpolation,
    };
  }

  sample(shape: BatchShape, g: Generator): AffineParams {
    const B = shape.batch;
    const u = drawUniforms(g, B, 4);
    const [d0, d1] = this.degrees;
    const [s0, s1] = this.scale;
    const maxDx = this.translate[0] * shape.width;
    const maxDy = this.translate[1] * shape.height;
    const p: AffineParams = {
      angle: new Float64Array(B),
      tx: new Int32Array(B),
      ty: new Int32Array(B),
      scale: new Float64Array(B),
    };
    for (let b = 0; b < B; b++) {
      p.angle[b] = d0 + (d1 - d0) * (u[4 * b] as number);
      p.tx[b] = roundHalfEven(maxDx * (2 * (u[4 * b + 1] as number) - 1));
      p.ty[b] = roundHalfEven(maxDy * (2 * (u[4 * b + 2] as number) - 1));
      p.scale[b] = s0 + (s1 - s0) * (u[4 * b + 3] as number);
    }
    return p;
  }

  applyWith(x: Tensor, p: AffineParams): Tensor {
    const B = p.angle.length;
    const [C, H, W] = checkBatch(NAME, x, B);
    if (this.fill.length !== 1 && this.fill.length !== C) {
      throw new RangeError(`${NAME}: option fill has ${this.fill.length} values for ${C}-channel images`);
    }
    const theta = new Float32Array(6 * B);
    for (let b = 0; b < B; b++) {
      const a = ((p.angle[b] as number) * Math.PI) / 180;
      const s = p.scale[b] as number;
      const [tx, ty] = [p.tx[b] as number, p.ty[b] as number];
      const m = [Math.cos(a) / s, Math.sin(a) / s, 0, -Math.sin(a) / s, Math.cos(a) / s, 0];
      m[2] = (m[0] as number) * -tx + (m[1] as number) * -ty;
      m[5] = (m[3] as number) * -tx + (m[4] as number) * -ty;
      const [m0, m1, m2, m3, m4, m5] = m as [number, number, number, number, number, number];
      theta.set([m0, (m1 * H) / W, (2 * m2) / W, (m3 * W) / H, m4, (2 * m5) / H], 6 * b);
    }
    return tidy(() => {
      const grid = nnf.affineGrid(tensor(theta, [B, 2, 3]), [B, C + 1, H, W]);
      const withMask = cat([x, ones([B, 1, H, W])], 1);
      const sampled = nnf.gridSample(withMask, grid, { mode: this.interpolation, padding: 'zeros' });
      const img = sampled.narrow(1, 0, C);
      const mask = sampled.narrow(1, C, 1);
      const fill = tensor(Float32Array.from(this.fill), [1, this.fill.length, 1, 1]);
      if (this.interpolation === 'nearest') return where(mask.lt(0.5), fill, img);
      const allZero = this.fill.every((v) => v === 0);
      // img·m + (1 − m)·fill; the second term vanishes for fill 0.
      return allZero ? img.mul(mask) : img.mul(mask).add(opT('aten::rsub.Scalar', [mask, 1, 1]).mul(fill));
    });
  }
}
