/**
 * Small helpers shared by the augmentations: host draws from a seeded
 * generator, batch checks, per-sample factor tensors, and "apply to the
 * selected samples only" (indexSelect → op → index_copy).
 */
import { type Generator, opT, rand, type Tensor, tensor } from '../tensor/index.ts';

/**
 * `rows × cols` uniforms in [0, 1) from `g` as float64 on the host, row-major
 * (row = sample). One libtorch call per batch, however many samples.
 */
export function drawUniforms(g: Generator, rows: number, cols: number): Float64Array {
  const t = rand([rows, cols], { generator: g, dtype: 'float64' });
  const d = t.data() as Float64Array;
  t.dispose();
  return d;
}

/** Throws unless `x` is a float32 B×C×H×W batch (C = 1 or 3 when `rgbOrGray`) of `batch` samples. */
export function checkBatch(transform: string, x: Tensor, batch: number, rgbOrGray = false): [number, number, number] {
  if (x.ndim !== 4 || x.dtype !== 'float32') {
    throw new RangeError(`${transform}: images must be a float32 B×C×H×W tensor, got ${x.dtype} [${x.shape}]`);
  }
  const [b, c, h, w] = x.shape as [number, number, number, number];
  if (b !== batch) throw new RangeError(`${transform}: parameters were drawn for ${batch} samples, the batch has ${b}`);
  if (rgbOrGray && c !== 1 && c !== 3) throw new RangeError(`${transform}: images must have 1 or 3 channels, got ${c}`);
  return [c, h, w];
}

/** Indices i with `mask[i] ≠ 0`. */
export function selected(mask: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i]) out.push(i);
  return out;
}

/** int64 index tensor. */
export const indexTensor = (idx: readonly number[]): Tensor =>
  tensor(
    BigInt64Array.from(idx, (i) => BigInt(i)),
    [idx.length],
  );

/** Per-sample scalars as an n×1×1×1 float32 tensor (broadcasts over C×H×W). */
export const perSample = (values: ArrayLike<number>): Tensor =>
  tensor(Float32Array.from(values as ArrayLike<number>), [values.length, 1, 1, 1]);

/** `values[idx[k]]` for each k. */
export const pick = (values: ArrayLike<number>, idx: readonly number[]): number[] =>
  idx.map((i) => values[i] as number);

/**
 * `op` applied to the samples `idx` of `x`, the others copied unchanged:
 * one indexSelect, the op on the sub-batch, one index_copy (which copies `x`
 * once). The whole batch goes straight to `op` when every sample is selected.
 * `op` receives the sub-batch and the sample indices it holds, and must
 * return a new tensor. Call inside `tidy`.
 */
export function applyToSelected(
  x: Tensor,
  idx: readonly number[],
  op: (sub: Tensor, idx: readonly number[]) => Tensor,
): Tensor {
  const batch = x.shape[0] as number;
  if (idx.length === 0) return x.clone();
  if (idx.length === batch) return op(x, idx);
  const it = indexTensor(idx);
  return opT('aten::index_copy', [x, 0, it, op(x.indexSelect(0, it), idx)]);
}

/** Python's round(): to the nearest integer, halves to even (torchvision rounds crop sizes with it). */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
