/**
 * Datasets from memory: typed arrays or tensors made by a program (synthetic
 * data, another loader), validated into the shapes every specl dataset has.
 */
import { Tensor, tensor, tidy } from '../tensor/index.ts';
import type { ImageSet, ImageSplit, LabeledDataset } from './dataset.ts';

/** Images: uint8 0–255, or float in [0, 1] (converted, see {@link fromArrays}). */
export type ImagesInput = Uint8Array | Float32Array | Float64Array | Tensor;
/** Labels: non-negative integers, one per image. */
export type LabelsInput = ArrayLike<number> | BigInt64Array | Tensor;

/** Where the images come from. */
export interface ArraysSource {
  images: ImagesInput;
  /** [N, C, H, W]: required for typed arrays, checked against the tensor's shape if given with one. */
  shape?: readonly [number, number, number, number];
  /** Names the source in error messages (default `arrays`). */
  name?: string;
}

/** A labeled source: images plus labels, optionally with the class names that bound them. */
export interface LabeledArraysSource extends ArraysSource {
  labels: LabelsInput;
  /** When given, every label must be < classes.length. */
  classes?: readonly string[];
}

const INT_DTYPES = new Set(['uint8', 'int8', 'int16', 'int32', 'int64']);

/** Validates `shape` as N×C×H×W with C ∈ {1, 3}. */
function checkShape(name: string, shape: readonly number[]): [number, number, number, number] {
  if (shape.length !== 4)
    throw new Error(`${name}: images must have 4 dimensions N×C×H×W, got shape [${shape.join(', ')}]`);
  const [n, c, h, w] = shape as [number, number, number, number];
  if (![n, c, h, w].every((v) => Number.isInteger(v) && v >= 0))
    throw new Error(`${name}: shape [${shape.join(', ')}] must hold non-negative integers`);
  if (c !== 1 && c !== 3) throw new Error(`${name}: images must have 1 or 3 channels (C), got ${c}`);
  if (h < 1 || w < 1) throw new Error(`${name}: image height and width must be ≥ 1, got ${h}×${w}`);
  return [n, c, h, w];
}

/** Float images in [0, 1] → uint8 by round(x·255) (ties to even), clamped to 0…255; NaN is an error. */
function floatToUint8(name: string, t: Tensor): Tensor {
  return tidy(() => {
    if (t.isnan().any().item()) throw new Error(`${name}: images hold NaN (expected values in [0, 1])`);
    return t.mul(255).round().clamp(0, 255).to('uint8');
  });
}

/** The uint8 N×C×H×W tensor of `src` (always a new handle; storage may be shared with a uint8 input tensor). */
function toImages(src: ArraysSource): Tensor {
  const name = src.name ?? 'arrays';
  const img = src.images;
  if (!(img instanceof Tensor)) {
    if (!src.shape) throw new Error(`${name}: shape [N, C, H, W] is required with a typed array of images`);
    const shape = checkShape(name, src.shape);
    const count = shape.reduce((a, b) => a * b, 1);
    if (img.length !== count)
      throw new Error(`${name}: images hold ${img.length} values, shape [${shape.join(', ')}] needs ${count}`);
    if (img instanceof Uint8Array) return tensor(img, shape);
    if (img instanceof Float32Array || img instanceof Float64Array)
      return tidy(() => floatToUint8(name, tensor(img, shape)));
    throw new Error(`${name}: images must be a Uint8Array, Float32Array, Float64Array or Tensor`);
  }
  const shape = checkShape(name, img.shape);
  if (src.shape && src.shape.join(',') !== shape.join(','))
    throw new Error(`${name}: images tensor has shape [${shape.join(', ')}], but shape says [${src.shape.join(', ')}]`);
  if (img.dtype === 'uint8') return img.contiguous();
  if (img.dtype === 'float32' || img.dtype === 'float64') return floatToUint8(name, img);
  throw new Error(`${name}: images tensor must be uint8 (0–255) or float32/float64 in [0, 1], got ${img.dtype}`);
}

/** Labels as int64 values, checked: n of them, integers ≥ 0 and < numClasses when known. */
function toLabels(name: string, labels: LabelsInput, n: number, numClasses?: number): BigInt64Array {
  let values: BigInt64Array;
  if (labels instanceof BigInt64Array) {
    values = labels;
  } else if (!(labels instanceof Tensor)) {
    const a = labels;
    values = new BigInt64Array(a.length);
    for (let i = 0; i < a.length; i++) {
      const v = a[i] as number;
      if (!Number.isInteger(v)) throw new Error(`${name}: label ${v} at index ${i} is not an integer`);
      values[i] = BigInt(v);
    }
  } else {
    const t = labels;
    if (t.ndim !== 1) throw new Error(`${name}: labels tensor must be 1-D, got shape [${t.shape.join(', ')}]`);
    if (!INT_DTYPES.has(t.dtype)) throw new Error(`${name}: labels tensor must have an integer dtype, got ${t.dtype}`);
    values = tidy(() => t.to('int64').data() as BigInt64Array);
  }
  if (values.length !== n) throw new Error(`${name}: ${values.length} labels for ${n} images`);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as bigint;
    if (v < 0n || (numClasses !== undefined && v >= BigInt(numClasses))) {
      const range = numClasses === undefined ? '≥ 0' : `in range 0…${numClasses - 1}`;
      throw new Error(`${name}: label ${v} at index ${i} is out of range: expected ${range}`);
    }
  }
  return values;
}

/**
 * Makes a validated image set (unlabeled) or split (labeled) from memory.
 *
 * Images must be N×C×H×W with C ∈ {1, 3}. uint8 is taken as 0–255; float
 * (Float32Array, Float64Array, float tensors) is taken as [0, 1] and
 * converted to uint8 by round(x·255) (ties to even) clamped to 0…255, NaN
 * being an error. A uint8 tensor is not copied: the result holds a new handle
 * on the same storage, so disposing either leaves the other valid. Labels
 * must be n non-negative integers, each < classes.length when `classes` is
 * given; they are copied into a new int64 tensor.
 */
export function fromArrays(src: LabeledArraysSource): ImageSplit;
export function fromArrays(src: ArraysSource): ImageSet;
export function fromArrays(src: ArraysSource & { labels?: LabelsInput; classes?: readonly string[] }): ImageSet {
  const name = src.name ?? 'arrays';
  if (src.classes !== undefined && src.classes.length === 0) throw new Error(`${name}: classes is empty`);
  if (src.labels === undefined) return { images: toImages(src) };
  const images = toImages(src);
  try {
    const labels = toLabels(name, src.labels, images.size(0), src.classes?.length);
    return { images, labels: tensor(labels, [labels.length]) } as ImageSplit;
  } catch (e) {
    images.dispose();
    throw e;
  }
}

/** Checks a split's tensors: uint8 N×C×H×W, int64 labels of length N in 0…k−1 (k when known); returns max label. */
function checkSplit(where: string, s: ImageSplit, k: number | undefined): number {
  const shape = checkShape(where, s.images.shape);
  if (s.images.dtype !== 'uint8') throw new Error(`${where}: images must be uint8, got ${s.images.dtype}`);
  if (s.labels.dtype !== 'int64') throw new Error(`${where}: labels must be int64, got ${s.labels.dtype}`);
  if (s.labels.ndim !== 1 || s.labels.size(0) !== shape[0])
    throw new Error(`${where}: labels have shape [${s.labels.shape.join(', ')}], expected [${shape[0]}]`);
  if (shape[0] === 0) return -1;
  const values = s.labels.data() as BigInt64Array;
  let max = -1;
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]);
    if (v < 0 || (k !== undefined && v >= k)) {
      const range = k === undefined ? '≥ 0' : `in range 0…${k - 1}`;
      throw new Error(`${where}: label ${v} at index ${i} is out of range: expected ${range}`);
    }
    if (v > max) max = v;
  }
  return max;
}

/**
 * A labeled dataset from two splits, validated: both uint8 N×C×H×W with the
 * same C, H and W, int64 labels in range. Without `classes` the class names
 * are "0" … "m" for the largest label m of either split.
 */
export function labeledDataset(
  name: string,
  classes: readonly string[] | undefined,
  train: ImageSplit,
  test: ImageSplit,
): LabeledDataset {
  if (classes !== undefined && classes.length === 0) throw new Error(`${name}: classes is empty`);
  const k = classes?.length;
  const maxLabel = Math.max(checkSplit(`${name} (train)`, train, k), checkSplit(`${name} (test)`, test, k));
  const [, ...chw] = train.images.shape;
  const [, ...testChw] = test.images.shape;
  if (chw.join('×') !== testChw.join('×'))
    throw new Error(`${name}: train images are ${chw.join('×')} (C×H×W) but test images are ${testChw.join('×')}`);
  if (classes === undefined && maxLabel < 0) throw new Error(`${name}: no labels to infer the classes from`);
  const names = classes ? [...classes] : Array.from({ length: maxLabel + 1 }, (_, i) => String(i));
  return { name, classes: names, train, test };
}
