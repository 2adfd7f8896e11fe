/** Color jitter: brightness, contrast, saturation and hue changes in a random order. */
import { nonNegative, numberIn, probability } from '../options/index.ts';
import { type Generator, opT, type Tensor, tidy } from '../tensor/index.ts';
import { applyToSelected, checkBatch, drawUniforms, indexTensor, perSample, pick, selected } from './batch.ts';
import { adjustBrightness, adjustContrast, adjustHue, adjustSaturation } from './color-ops.ts';
import { checkKeys, either, interval, readOption } from './options.ts';
import type { BatchShape, Transform, TransformSpec } from './transform.ts';

const NAME = 'ColorJitter';

/** A brightness, contrast or saturation strength B, or an explicit factor range. */
const FACTOR = either(nonNegative, interval(0, Number.POSITIVE_INFINITY));
/** A hue strength H, or an explicit shift range. */
const HUE = either(numberIn(0, 0.5), interval(-0.5, 0.5));

/** The four operations, numbered as torchvision's `fn_idx`. */
export const JITTER_OPS = ['brightness', 'contrast', 'saturation', 'hue'] as const;
export type JitterOp = (typeof JITTER_OPS)[number];

export interface ColorJitterOptions {
  /** B: factor ~ U[max(0, 1 − B), 1 + B], or an explicit [lo, hi] (default 0 = off). */
  brightness?: number | [number, number];
  /** As brightness (default 0). */
  contrast?: number | [number, number];
  /** As brightness (default 0). */
  saturation?: number | [number, number];
  /** H ∈ [0, 0.5]: shift ~ U[−H, H], or an explicit [lo, hi] ⊂ [−0.5, 0.5] (default 0). */
  hue?: number | [number, number];
  /** Probability that a sample is jittered at all (RandomApply(p); default 1). */
  p?: number;
}

/** Per-sample draws. Factors of unselected samples are drawn but unused. */
export interface ColorJitterParams {
  /** 1 = jitter this sample. */
  apply: Uint8Array;
  brightness: Float64Array;
  contrast: Float64Array;
  saturation: Float64Array;
  hue: Float64Array;
  /** 4 op indices per sample (a permutation of 0…3, see JITTER_OPS), row-major. */
  order: Uint8Array;
}

const ADJUST = [adjustBrightness, adjustContrast, adjustSaturation, adjustHue] as const;

/**
 * torchvision's `ColorJitter` (transforms.py and functional_tensor.py, 0.14)
 * wrapped in `RandomApply(p)` as in the SimCLR / spectral-CL recipes. Per
 * jittered sample: a brightness, contrast and saturation factor, a hue shift,
 * and a random order of the four ops (torchvision draws one permutation per
 * call; here one per sample). The ops are those of `color-ops.ts`. An op whose
 * range is the identity ([1, 1], or [0, 0] for hue) is skipped, as torchvision
 * skips a `None` op.
 *
 * Batched in 4 stages: at stage s, for each op t, the samples whose order has
 * t at position s are gathered (indexSelect), adjusted with their own factors
 * and written back (index_copy), so each op runs once per sample.
 */
export class ColorJitter implements Transform<ColorJitterParams> {
  static readonly kind = 'colorJitter';
  readonly spec: TransformSpec;
  /** Factor ranges of the four ops, in JITTER_OPS order. */
  readonly ranges: readonly [number, number][];
  readonly p: number;

  constructor(options: ColorJitterOptions = {}) {
    const o = checkKeys(NAME, ColorJitter.kind, options, [...JITTER_OPS, 'p']);
    const factor = (key: JitterOp): [number, number] => {
      const v = readOption(NAME, o, key, FACTOR, 0);
      return typeof v === 'number' ? [Math.max(0, 1 - v), 1 + v] : [v[0], v[1]];
    };
    const hue = (): [number, number] => {
      const v = readOption(NAME, o, 'hue', HUE, 0);
      return typeof v === 'number' ? [-v, v] : [v[0], v[1]];
    };
    this.ranges = [factor('brightness'), factor('contrast'), factor('saturation'), hue()];
    this.p = readOption(NAME, o, 'p', probability, 1);
    this.spec = {
      kind: ColorJitter.kind,
      brightness: o.brightness ?? 0,
      contrast: o.contrast ?? 0,
      saturation: o.saturation ?? 0,
      hue: o.hue ?? 0,
      p: this.p,
    };
  }

  /** Is op t a no-op for every factor it can draw? */
  private isIdentity(t: number): boolean {
    const [lo, hi] = this.ranges[t] as [number, number];
    const id = t === 3 ? 0 : 1;
    return lo === id && hi === id;
  }

  sample(shape: BatchShape, g: Generator): ColorJitterParams {
    const B = shape.batch;
    // Per sample: [apply, 4 factor uniforms, 4 sort keys]; argsort of iid keys is a uniform permutation.
    const u = drawUniforms(g, B, 9);
    const factors = [0, 1, 2, 3].map(() => new Float64Array(B));
    const p: ColorJitterParams = {
      apply: new Uint8Array(B),
      brightness: factors[0] as Float64Array,
      contrast: factors[1] as Float64Array,
      saturation: factors[2] as Float64Array,
      hue: factors[3] as Float64Array,
      order: new Uint8Array(4 * B),
    };
    for (let b = 0; b < B; b++) {
      const o = 9 * b;
      p.apply[b] = (u[o] as number) < this.p ? 1 : 0;
      for (let t = 0; t < 4; t++) {
        const [lo, hi] = this.ranges[t] as [number, number];
        (factors[t] as Float64Array)[b] = lo + (hi - lo) * (u[o + 1 + t] as number);
      }
      const keys = [0, 1, 2, 3].sort((a, c) => (u[o + 5 + a] as number) - (u[o + 5 + c] as number));
      p.order.set(keys, 4 * b);
    }
    return p;
  }

  applyWith(x: Tensor, params: ColorJitterParams): Tensor {
    const B = params.apply.length;
    checkBatch(NAME, x, B, true);
    const active = selected(params.apply);
    const ops = [0, 1, 2, 3].filter((t) => !this.isIdentity(t) && (t < 2 || x.shape[1] === 3));
    if (active.length === 0 || ops.length === 0) return x.clone();
    const factors = [params.brightness, params.contrast, params.saturation, params.hue];
    return tidy(() => {
      // A single active op needs no stages: one pass over the selected samples.
      if (ops.length === 1) {
        const t = ops[0] as number;
        return applyToSelected(x, active, (sub, idx) =>
          (ADJUST[t] as (x: Tensor, f: Tensor) => Tensor)(sub, perSample(pick(factors[t] as Float64Array, idx))),
        );
      }
      const out = x.clone();
      for (let s = 0; s < 4; s++) {
        for (const t of ops) {
          const idx = active.filter((b) => params.order[4 * b + s] === t);
          if (idx.length === 0) continue;
          tidy(() => {
            const it = indexTensor(idx);
            const f = perSample(pick(factors[t] as Float64Array, idx));
            const y = (ADJUST[t] as (x: Tensor, f: Tensor) => Tensor)(out.indexSelect(0, it), f);
            opT('aten::index_copy_', [out, 0, it, y]);
          });
        }
      }
      return out;
    });
  }
}
