/** Tensor creation: constants, ranges, random tensors, and host data. */
import { type AnyTypedArray, type DType, dtypeCode, dtypeOfArray } from './dtype.ts';
import { native } from './native.ts';
import type { Generator } from './random.ts';
import { opT, Tensor } from './tensor.ts';

export interface CreateOptions {
  dtype?: DType;
  device?: string;
  requiresGrad?: boolean;
}
export interface RandomOptions extends CreateOptions {
  generator?: Generator;
}

function opts(o: CreateOptions, fallback: DType = 'float32'): Record<string, unknown> {
  return { dtype: dtypeCode(o.dtype ?? fallback), device: o.device };
}
function finish(t: Tensor, o: CreateOptions): Tensor {
  if (o.requiresGrad) t.requiresGrad = true;
  return t;
}
function checkShape(shape: readonly number[], fn: string): number[] {
  for (const s of shape) {
    if (!Number.isInteger(s) || s < 0)
      throw new RangeError(`${fn}: shape must hold non-negative integers, got [${shape}]`);
  }
  return [...shape];
}

export const zeros = (shape: readonly number[], o: CreateOptions = {}): Tensor =>
  finish(opTNamed('aten::zeros', [checkShape(shape, 'zeros')], opts(o)), o);
export const ones = (shape: readonly number[], o: CreateOptions = {}): Tensor =>
  finish(opTNamed('aten::ones', [checkShape(shape, 'ones')], opts(o)), o);
export const full = (shape: readonly number[], value: number, o: CreateOptions = {}): Tensor =>
  finish(opTNamed('aten::full', [checkShape(shape, 'full'), value], opts(o)), o);
export const zerosLike = (t: Tensor): Tensor => opT('aten::zeros_like', [t]);
export const onesLike = (t: Tensor): Tensor => opT('aten::ones_like', [t]);
export const fullLike = (t: Tensor, value: number): Tensor => opT('aten::full_like', [t, value]);

/** start, start+step, … < end. */
export function arange(start: number, end?: number, step = 1, o: CreateOptions = {}): Tensor {
  if (end === undefined) [start, end] = [0, start];
  const integral = [start, end, step].every(Number.isInteger);
  return finish(opTNamed('aten::arange.start_step', [start, end, step], opts(o, integral ? 'int64' : 'float32')), o);
}
export const linspace = (start: number, end: number, steps: number, o: CreateOptions = {}): Tensor =>
  finish(opTNamed('aten::linspace', [start, end, steps], opts(o)), o);
export const eye = (n: number, m?: number, o: CreateOptions = {}): Tensor =>
  finish(opTNamed('aten::eye.m', [n, m ?? n], opts(o)), o);

/** Uniform [0, 1). */
export const rand = (shape: readonly number[], o: RandomOptions = {}): Tensor =>
  finish(opTNamed('aten::rand.generator', [checkShape(shape, 'rand'), o.generator ?? null], opts(o)), o);
/** Standard normal. */
export const randn = (shape: readonly number[], o: RandomOptions = {}): Tensor =>
  finish(opTNamed('aten::randn.generator', [checkShape(shape, 'randn'), o.generator ?? null], opts(o)), o);
/** Integers uniform in [low, high). */
export const randint = (low: number, high: number, shape: readonly number[], o: RandomOptions = {}): Tensor =>
  finish(
    opTNamed(
      'aten::randint.low_generator',
      [low, high, checkShape(shape, 'randint'), o.generator ?? null],
      opts(o, 'int64'),
    ),
    o,
  );
/** A uniformly random permutation of 0…n−1. */
export const randperm = (n: number, o: RandomOptions = {}): Tensor =>
  finish(opTNamed('aten::randperm.generator', [n, o.generator ?? null], opts(o, 'int64')), o);
/** Samples of a normal distribution with the given mean and standard deviation. */
export function normal(shape: readonly number[], mean: number, std: number, o: RandomOptions = {}): Tensor {
  const z = randn(shape, { ...o, requiresGrad: false });
  const scaled = z.mul(std);
  const y = scaled.add(mean);
  z.dispose();
  scaled.dispose();
  return finish(y, o);
}

function opTNamed(name: string, args: unknown[], named: Record<string, unknown>): Tensor {
  return opT(name, args, named);
}

type Nested = number | boolean | Nested[];

/**
 * A tensor from a typed array (its dtype is the array's) with a shape, or
 * from nested number arrays (float32 unless `dtype` says otherwise).
 */
export function tensor(
  data: AnyTypedArray | Nested[] | number,
  shapeOrOpts?: readonly number[] | CreateOptions,
  o?: CreateOptions,
): Tensor {
  if (ArrayBuffer.isView(data)) {
    const shape = Array.isArray(shapeOrOpts) ? shapeOrOpts : [data.length];
    const options = (Array.isArray(shapeOrOpts) ? o : (shapeOrOpts as CreateOptions | undefined)) ?? {};
    const src = dtypeOfArray(data);
    let t = new Tensor(native.fromBuffer(data, checkShape(shape, 'tensor'), dtypeCode(src)));
    if (options.dtype && options.dtype !== src) t = convert(t, options.dtype);
    if (options.device && options.device !== 'cpu') t = convert(t, options.device);
    return finish(t, options);
  }
  const options = (shapeOrOpts as CreateOptions | undefined) ?? {};
  const shape: number[] = [];
  let level: Nested = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0] as Nested;
  }
  const flat = (Array.isArray(data) ? (data as unknown[]).flat(Number.POSITIVE_INFINITY) : [data]) as (
    | number
    | boolean
  )[];
  if (flat.length !== shape.reduce((a, b) => a * b, 1)) throw new RangeError('tensor: nested arrays are ragged');
  const dt = options.dtype ?? 'float32';
  // Through float64 unless float32 is asked for: exact for every integer up to 2^53 (int64 ids, labels).
  const host = dt === 'float32' ? Float32Array.from(flat, Number) : Float64Array.from(flat, Number);
  let t = new Tensor(native.fromBuffer(host, shape, dtypeCode(dt === 'float32' ? 'float32' : 'float64')));
  if (dt !== 'float64' && dt !== 'float32') t = convert(t, dt);
  if (options.device && options.device !== 'cpu') t = convert(t, options.device);
  return finish(t, options);
}

/** `t.to(target)`, freeing the staging tensor `t` at once. */
function convert(t: Tensor, target: DType | string): Tensor {
  const out = t.to(target);
  t.dispose();
  return out;
}
