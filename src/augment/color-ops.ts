/**
 * The color operations of torchvision's `functional_tensor` (0.14) on float
 * images in [0, 1], batched with one factor per sample (an n×1×1×1 tensor).
 * Each returns a new tensor. 1-channel images: saturation and hue are no-ops
 * and the grayscale image is the image itself.
 */
import { opT, type Tensor, tensor, where } from '../tensor/index.ts';

/**
 * Luma weights (ITU-R BT.601, as PIL's `convert('L')`): gray = 0.299·R +
 * 0.587·G + 0.114·B. torchvision's tensor `rgb_to_grayscale` uses 0.2989 for R
 * (a difference of at most 1e-4 per pixel); these weights sum to exactly 1.
 */
export const GRAY_WEIGHTS: readonly [number, number, number] = [0.299, 0.587, 0.114];

/** Grayscale image n×1×H×W: 0.299·R + 0.587·G + 0.114·B (the image itself when C = 1). */
export function gray(x: Tensor): Tensor {
  if (x.shape[1] === 1) return x.clone();
  const [wr, wg, wb] = GRAY_WEIGHTS;
  const y = x.select(1, 0).mul(wr);
  y.add_(x.select(1, 1), wg);
  y.add_(x.select(1, 2), wb);
  return y.unsqueeze(1);
}

/** Per-image mean of the grayscale image, n×1×1×1 (Σ_c w_c·mean(x_c), the same number). */
export function grayMean(x: Tensor): Tensor {
  if (x.shape[1] === 1) return x.mean([1, 2, 3], true);
  return x
    .mean([2, 3], true)
    .mul(tensor(Float32Array.from(GRAY_WEIGHTS), [1, 3, 1, 1]))
    .sum(1, true);
}

/** torchvision `_blend(a, b, f)` = clamp(f·a + (1 − f)·b, 0, 1), as b + f·(a − b) in one lerp. */
const blend = (a: Tensor, b: Tensor, f: Tensor): Tensor => opT('aten::lerp.Tensor', [b, a, f]).clamp_(0, 1);

/** `adjust_brightness`: clamp(f·x, 0, 1). */
export const adjustBrightness = (x: Tensor, f: Tensor): Tensor => x.mul(f).clamp_(0, 1);

/** `adjust_contrast`: clamp(f·x + (1 − f)·mean(gray(x)), 0, 1), the mean per image. */
export const adjustContrast = (x: Tensor, f: Tensor): Tensor => blend(x, grayMean(x), f);

/** `adjust_saturation`: clamp(f·x + (1 − f)·gray(x), 0, 1). */
export const adjustSaturation = (x: Tensor, f: Tensor): Tensor => (x.shape[1] === 1 ? x.clone() : blend(x, gray(x), f));

/** HSV→RGB channel offsets n = 5, 3, 1 for R, G, B, plus 1 + 6 (see `adjustHue`). */
const HUE_OFFSETS = Float32Array.from([5 + 7, 3 + 7, 1 + 7]);

/**
 * `adjust_hue`: RGB → HSV (`_rgb2hsv`), h ← (h + f) mod 1, HSV → RGB
 * (`_hsv2rgb`), with f ∈ [−0.5, 0.5] per sample. Computed without building
 * the HSV image, by the same formulas rearranged. With M = max, m = min and
 * c = M − m over the channels, `_rgb2hsv` gives V = M, S·V = c and
 *   6h = (G − B)/c if M = R, else 2 + (B − R)/c if M = G, else 4 + (R − G)/c;
 * `_hsv2rgb`'s sector table equals, channel by channel,
 *   out_n = V − S·V·clamp(min(k, 4 − k), 0, 1),  k = (6h' + n) mod 6,
 * n = 5, 3, 1 for R, G, B, which is m + c·clamp(|w| − 1, 0, 1) with
 * w = ((6h' + n + 1) mod 6) − 3. Gray pixels (c = 0) come out unchanged, as there.
 */
export function adjustHue(x: Tensor, f: Tensor): Tensor {
  if (x.shape[1] === 1) return x.clone();
  const [r, g, b] = [x.select(1, 0), x.select(1, 1), x.select(1, 2)];
  const max = opT('aten::amax', [x, [1], true]);
  const min = opT('aten::amin', [x, [1], true]);
  const chroma = max.sub(min);
  const maxR = r.eq(max.squeeze(1));
  const maxG = g.eq(max.squeeze(1));
  // 6h·c, torchvision's branch order (R, then G, then B); c = 0 makes every branch 0.
  const c = chroma.squeeze(1);
  const h6c = where(maxR, g.sub(b), where(maxG, b.sub(r).add_(c, 2), r.sub(g).add_(c, 4)));
  const h6 = h6c.div(c.clamp(1e-12, null)).unsqueeze(1);
  // 6h' + n + 1 + 6 per output channel (the +6 keeps it positive before the mod).
  const shift = f.mul(6).add(tensor(HUE_OFFSETS, [1, 3, 1, 1]));
  const w = h6.add(shift);
  opT('aten::remainder_.Scalar', [w, 6]);
  w.sub_(3);
  opT('aten::abs_', [w]);
  return w.sub_(1).clamp_(0, 1).mul_(chroma).add_(min);
}
