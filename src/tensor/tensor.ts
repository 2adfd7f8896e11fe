/**
 * The typed Tensor over a libtorch tensor, and `op`, the one place where a
 * TypeScript call becomes a boxed ATen operator call.
 */
import { type DType, dtypeCode, dtypeName, isDType, MEMORY_FORMAT, type MemoryFormat, typedView } from './dtype.ts';
import { type Handle, native } from './native.ts';
import { keep as keepScoped, SCOPED, type Scoped, track } from './scope.ts';

const opIds = new Map<string, number>();

/** Resolves 'aten::name' or 'aten::name.overload' to a cached operator id. */
function opId(qualified: string): number {
  let id = opIds.get(qualified);
  if (id === undefined) {
    const colon = qualified.indexOf('::');
    const dot = qualified.indexOf('.', colon);
    const name = dot < 0 ? qualified : qualified.slice(0, dot);
    const overload = dot < 0 ? '' : qualified.slice(dot + 1);
    id = native.findOp(name, overload);
    opIds.set(qualified, id);
  }
  return id;
}

/** The schema of an operator, e.g. for error messages and docs. */
export const opSchema = (qualified: string): string => native.opSchema(opId(qualified));

/** Anything with a native handle that can be passed to an operator. */
export interface HasHandle {
  readonly handle: unknown;
}

function toNative(v: unknown): unknown {
  if (v instanceof Tensor) return v.handle;
  if (Array.isArray(v)) return v.map(toNative);
  if (typeof v === 'object' && v !== null && 'handle' in v && (v as { [SCOPED]?: boolean })[SCOPED] !== true) {
    return (v as HasHandle).handle;
  }
  return v;
}

function fromNative(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(fromNative);
  if (typeof v === 'object' && v !== null) return new Tensor(v as Handle);
  return v;
}

/**
 * Calls an ATen operator by its qualified name ('aten::conv2d',
 * 'aten::add.Tensor'), positional arguments in schema order and optional
 * named ones (keyword-only arguments such as dtype). Tensors in, Tensors out;
 * libtorch errors surface as JavaScript Errors with libtorch's message.
 */
export function op(qualified: string, args: unknown[], named?: Record<string, unknown>): unknown {
  const id = opId(qualified);
  let n: Record<string, unknown> | undefined;
  if (named) {
    n = {};
    for (const k in named) n[k] = toNative(named[k]);
  }
  return fromNative(native.callOp(id, n, ...args.map(toNative)));
}

/** `op` for operators that return one tensor. */
export const opT = (qualified: string, args: unknown[], named?: Record<string, unknown>): Tensor =>
  op(qualified, args, named) as Tensor;

/** In-place operator: runs it and returns `self` (the alias handle is released at once). */
function inPlace(self: Tensor, qualified: string, args: unknown[], named?: Record<string, unknown>): Tensor {
  const alias = op(qualified, [self, ...args], named) as Tensor;
  alias.dispose();
  return self;
}

export type Scalar = number | boolean;
export type Dims = number | number[];
const dimList = (d: Dims | undefined): number[] | undefined =>
  d === undefined ? undefined : Array.isArray(d) ? d : [d];

/** A libtorch tensor. Created inside `tidy` it is freed when the scope ends. */
export class Tensor implements Scoped {
  readonly [SCOPED] = true as const;
  scope: Set<Scoped> | null = null;
  readonly #handle: Handle;

  constructor(handle: Handle) {
    this.#handle = handle;
    track(this);
  }

  /** The native handle (for the addon and op calls). */
  get handle(): Handle {
    return this.#handle;
  }

  /** Frees the native tensor now; later use throws. Idempotent. */
  dispose(): void {
    native.dispose(this.#handle);
    this.scope?.delete(this);
    this.scope = null;
  }

  get isDisposed(): boolean {
    return native.isDisposed(this.#handle);
  }

  /** Takes this tensor out of its scope so it survives it. */
  keep(): this {
    return keepScoped(this);
  }

  // ---- metadata -----------------------------------------------------------
  get shape(): number[] {
    return native.shape(this.#handle);
  }
  get ndim(): number {
    return native.shape(this.#handle).length;
  }
  get numel(): number {
    return native.shape(this.#handle).reduce((a, b) => a * b, 1);
  }
  get dtype(): DType {
    return dtypeName(native.dtype(this.#handle));
  }
  get device(): string {
    return native.device(this.#handle);
  }
  get layout(): string {
    return native.layout(this.#handle);
  }
  get strides(): number[] {
    return native.strides(this.#handle);
  }
  size(dim: number): number {
    const s = this.shape;
    const d = dim < 0 ? dim + s.length : dim;
    if (d < 0 || d >= s.length) throw new RangeError(`size(${dim}): tensor has ${s.length} dimensions`);
    return s[d] as number;
  }
  isContiguous(format: MemoryFormat = 'contiguous'): boolean {
    return native.isContiguous(this.#handle, format === 'channelsLast');
  }

  // ---- autograd -----------------------------------------------------------
  get requiresGrad(): boolean {
    return native.requiresGrad(this.#handle);
  }
  set requiresGrad(on: boolean) {
    native.setRequiresGrad(this.#handle, on);
  }
  /** Marks this tensor as a leaf that accumulates gradients; returns it. */
  requiresGrad_(on = true): this {
    native.setRequiresGrad(this.#handle, on);
    return this;
  }
  get isLeaf(): boolean {
    return native.isLeaf(this.#handle);
  }
  /** The accumulated gradient, or null (a new handle each time, scoped as usual). */
  get grad(): Tensor | null {
    const g = native.grad(this.#handle);
    return g === null ? null : new Tensor(g);
  }
  set grad(g: Tensor | null) {
    native.setGrad(this.#handle, g === null ? null : g.handle);
  }
  /** Backpropagates from this (scalar) tensor, or with an explicit output gradient. */
  backward(gradOutput?: Tensor, opts: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
    native.backward(
      [this.#handle],
      gradOutput ? [gradOutput.handle] : null,
      opts.retainGraph,
      opts.createGraph ?? false,
    );
  }
  detach(): Tensor {
    return opT('aten::detach', [this]);
  }

  // ---- data in and out ----------------------------------------------------
  /** A copy of the elements as a typed array in row-major order. */
  data(): ReturnType<typeof typedView> {
    return typedView(this.dtype, native.toBuffer(this.#handle));
  }
  /** Elements as plain numbers (int64 converted with Number()). */
  toArray(): number[] {
    const d = this.data();
    return d instanceof BigInt64Array ? Array.from(d, Number) : Array.from(d as ArrayLike<number>);
  }
  /** The value of a one-element tensor. */
  item(): number {
    return Number(native.item(this.#handle));
  }
  toString(): string {
    return `Tensor(shape=[${this.shape}], dtype=${this.dtype}, device=${this.device})`;
  }
  /** What console.log shows: the summary, plus the values of tensors up to 64 elements. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    if (this.isDisposed) return 'Tensor(disposed)';
    if (this.layout !== 'Strided' || this.numel > 64) return this.toString();
    const fmt = this.dtype === 'bool' ? (v: number) => String(v !== 0) : formatNumber;
    return `${this.toString()} ${formatValues(this.toArray(), this.shape, fmt)}`;
  }

  // ---- conversion ---------------------------------------------------------
  /** Converts dtype and/or moves to a device ('cpu', 'cuda', 'cuda:1'). */
  to(target: DType | string | { dtype?: DType; device?: string }): Tensor {
    const spec = typeof target === 'string' ? (isDType(target) ? { dtype: target } : { device: target }) : target;
    return opT('aten::to.dtype_layout', [this], {
      dtype: spec.dtype === undefined ? undefined : dtypeCode(spec.dtype),
      device: spec.device,
    });
  }
  float(): Tensor {
    return this.to('float32');
  }
  double(): Tensor {
    return this.to('float64');
  }
  long(): Tensor {
    return this.to('int64');
  }
  clone(): Tensor {
    return opT('aten::clone', [this]);
  }
  contiguous(format: MemoryFormat = 'contiguous'): Tensor {
    return opT('aten::contiguous', [this, MEMORY_FORMAT[format]]);
  }
  /**
   * NHWC storage for 4-D activations and conv weights (faster convolutions on
   * CPU). Like PyTorch's `.to(memory_format=torch.channels_last)` it gives
   * explicit NHWC strides even where the layouts coincide (C = 1), which is
   * what makes libtorch pick its channels-last kernels for the whole network.
   */
  channelsLast(): Tensor {
    if (this.ndim === 4 && !this.hasChannelsLastStrides())
      return opT('aten::clone', [this, MEMORY_FORMAT.channelsLast]);
    return this.contiguous('channelsLast');
  }
  /** True when a 4-D tensor has exactly the strides of an NHWC tensor of its shape. */
  hasChannelsLastStrides(): boolean {
    const sh = this.shape;
    if (sh.length !== 4) return false;
    const [, c, , w] = sh.map((v) => Math.max(v, 1)) as [number, number, number, number];
    const h = Math.max(sh[2] as number, 1);
    const expected = [h * w * c, 1, w * c, c];
    return this.strides.every((v, i) => v === expected[i]);
  }

  // ---- shape and indexing -------------------------------------------------
  reshape(...shape: number[]): Tensor {
    return opT('aten::reshape', [this, shape]);
  }
  view(...shape: number[]): Tensor {
    return opT('aten::view', [this, shape]);
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return opT('aten::flatten.using_ints', [this, startDim, endDim]);
  }
  permute(...dims: number[]): Tensor {
    return opT('aten::permute', [this, dims]);
  }
  transpose(dim0: number, dim1: number): Tensor {
    return opT('aten::transpose.int', [this, dim0, dim1]);
  }
  /** Transpose of a matrix. */
  t(): Tensor {
    return opT('aten::t', [this]);
  }
  /** The diagonal (a view) of dims `dim1`, `dim2`, shifted by `offset` (> 0 above the main diagonal). */
  diagonal(offset = 0, dim1 = 0, dim2 = 1): Tensor {
    return opT('aten::diagonal', [this, offset, dim1, dim2]);
  }
  squeeze(dim?: number): Tensor {
    return dim === undefined ? opT('aten::squeeze', [this]) : opT('aten::squeeze.dim', [this, dim]);
  }
  unsqueeze(dim: number): Tensor {
    return opT('aten::unsqueeze', [this, dim]);
  }
  expand(...shape: number[]): Tensor {
    return opT('aten::expand', [this, shape]);
  }
  repeat(...times: number[]): Tensor {
    return opT('aten::repeat', [this, times]);
  }
  flip(...dims: number[]): Tensor {
    return opT('aten::flip', [this, dims]);
  }
  /** Elements start ≤ i < end (step) along `dim`, as a view. */
  slice(dim: number, start?: number, end?: number, step = 1): Tensor {
    return opT('aten::slice.Tensor', [this, dim, start ?? null, end ?? null, step]);
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return opT('aten::narrow', [this, dim, start, length]);
  }
  /** Index `index` along `dim`, removing that dimension. */
  select(dim: number, index: number): Tensor {
    return opT('aten::select.int', [this, dim, index]);
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return opT('aten::index_select', [this, dim, index]);
  }
  /** Advanced indexing `x[i0, i1, …]` with index tensors (null = full slice). */
  index(indices: (Tensor | null)[]): Tensor {
    return opT('aten::index.Tensor', [this, indices]);
  }
  gather(dim: number, index: Tensor): Tensor {
    return opT('aten::gather', [this, dim, index]);
  }
  scatter(dim: number, index: Tensor, src: Tensor | number): Tensor {
    return src instanceof Tensor
      ? opT('aten::scatter.src', [this, dim, index, src])
      : opT('aten::scatter.value', [this, dim, index, src]);
  }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return opT('aten::scatter_add', [this, dim, index, src]);
  }
  maskedFill(mask: Tensor, value: number): Tensor {
    return opT('aten::masked_fill.Scalar', [this, mask, value]);
  }
  maskedSelect(mask: Tensor): Tensor {
    return opT('aten::masked_select', [this, mask]);
  }
  split(sizeOrSections: number | number[], dim = 0): Tensor[] {
    return Array.isArray(sizeOrSections)
      ? (op('aten::split_with_sizes', [this, sizeOrSections, dim]) as Tensor[])
      : (op('aten::split.Tensor', [this, sizeOrSections, dim]) as Tensor[]);
  }
  chunk(chunks: number, dim = 0): Tensor[] {
    return op('aten::chunk', [this, chunks, dim]) as Tensor[];
  }

  // ---- arithmetic ---------------------------------------------------------
  add(other: Tensor | number, alpha = 1): Tensor {
    return other instanceof Tensor
      ? opT('aten::add.Tensor', [this, other, alpha])
      : opT('aten::add.Scalar', [this, other, alpha]);
  }
  sub(other: Tensor | number, alpha = 1): Tensor {
    return other instanceof Tensor
      ? opT('aten::sub.Tensor', [this, other, alpha])
      : opT('aten::sub.Scalar', [this, other, alpha]);
  }
  mul(other: Tensor | number): Tensor {
    return other instanceof Tensor ? opT('aten::mul.Tensor', [this, other]) : opT('aten::mul.Scalar', [this, other]);
  }
  div(other: Tensor | number): Tensor {
    return other instanceof Tensor ? opT('aten::div.Tensor', [this, other]) : opT('aten::div.Scalar', [this, other]);
  }
  pow(exponent: Tensor | number): Tensor {
    return exponent instanceof Tensor
      ? opT('aten::pow.Tensor_Tensor', [this, exponent])
      : opT('aten::pow.Tensor_Scalar', [this, exponent]);
  }
  neg(): Tensor {
    return opT('aten::neg', [this]);
  }
  abs(): Tensor {
    return opT('aten::abs', [this]);
  }
  sqrt(): Tensor {
    return opT('aten::sqrt', [this]);
  }
  rsqrt(): Tensor {
    return opT('aten::rsqrt', [this]);
  }
  square(): Tensor {
    return opT('aten::square', [this]);
  }
  exp(): Tensor {
    return opT('aten::exp', [this]);
  }
  log(): Tensor {
    return opT('aten::log', [this]);
  }
  log1p(): Tensor {
    return opT('aten::log1p', [this]);
  }
  reciprocal(): Tensor {
    return opT('aten::reciprocal', [this]);
  }
  sign(): Tensor {
    return opT('aten::sign', [this]);
  }
  floor(): Tensor {
    return opT('aten::floor', [this]);
  }
  round(): Tensor {
    return opT('aten::round', [this]);
  }
  sin(): Tensor {
    return opT('aten::sin', [this]);
  }
  cos(): Tensor {
    return opT('aten::cos', [this]);
  }
  tanh(): Tensor {
    return opT('aten::tanh', [this]);
  }
  sigmoid(): Tensor {
    return opT('aten::sigmoid', [this]);
  }
  relu(): Tensor {
    return opT('aten::relu', [this]);
  }
  clamp(min?: number | null, max?: number | null): Tensor {
    return opT('aten::clamp', [this, min ?? null, max ?? null]);
  }
  matmul(other: Tensor): Tensor {
    return opT('aten::matmul', [this, other]);
  }
  mm(other: Tensor): Tensor {
    return opT('aten::mm', [this, other]);
  }
  bmm(other: Tensor): Tensor {
    return opT('aten::bmm', [this, other]);
  }
  dot(other: Tensor): Tensor {
    return opT('aten::dot', [this, other]);
  }

  // ---- in place (for parameter updates under noGrad) ----------------------
  add_(other: Tensor | number, alpha = 1): this {
    return (
      other instanceof Tensor
        ? inPlace(this, 'aten::add_.Tensor', [other, alpha])
        : inPlace(this, 'aten::add_.Scalar', [other, alpha])
    ) as this;
  }
  sub_(other: Tensor | number, alpha = 1): this {
    return (
      other instanceof Tensor
        ? inPlace(this, 'aten::sub_.Tensor', [other, alpha])
        : inPlace(this, 'aten::sub_.Scalar', [other, alpha])
    ) as this;
  }
  mul_(other: Tensor | number): this {
    return (
      other instanceof Tensor
        ? inPlace(this, 'aten::mul_.Tensor', [other])
        : inPlace(this, 'aten::mul_.Scalar', [other])
    ) as this;
  }
  div_(other: Tensor | number): this {
    return (
      other instanceof Tensor
        ? inPlace(this, 'aten::div_.Tensor', [other])
        : inPlace(this, 'aten::div_.Scalar', [other])
    ) as this;
  }
  /** this += value · t1 · t2 */
  addcmul_(t1: Tensor, t2: Tensor, value = 1): this {
    return inPlace(this, 'aten::addcmul_', [t1, t2, value]) as this;
  }
  /** this += value · t1 / t2 */
  addcdiv_(t1: Tensor, t2: Tensor, value = 1): this {
    return inPlace(this, 'aten::addcdiv_', [t1, t2, value]) as this;
  }
  /** this += weight · (end − this) */
  lerp_(end: Tensor, weight: number): this {
    return inPlace(this, 'aten::lerp_.Scalar', [end, weight]) as this;
  }
  copy_(src: Tensor): this {
    return inPlace(this, 'aten::copy_', [src]) as this;
  }
  zero_(): this {
    return inPlace(this, 'aten::zero_', []) as this;
  }
  fill_(value: number): this {
    return inPlace(this, 'aten::fill_.Scalar', [value]) as this;
  }
  clamp_(min?: number | null, max?: number | null): this {
    return inPlace(this, 'aten::clamp_', [min ?? null, max ?? null]) as this;
  }
  sqrt_(): this {
    return inPlace(this, 'aten::sqrt_', []) as this;
  }

  // ---- reductions ---------------------------------------------------------
  sum(dims?: Dims, keepdim = false): Tensor {
    return dims === undefined ? opT('aten::sum', [this]) : opT('aten::sum.dim_IntList', [this, dimList(dims), keepdim]);
  }
  mean(dims?: Dims, keepdim = false): Tensor {
    return dims === undefined ? opT('aten::mean', [this]) : opT('aten::mean.dim', [this, dimList(dims), keepdim]);
  }
  prod(): Tensor {
    return opT('aten::prod', [this]);
  }
  /** Maximum of all elements. */
  max(): Tensor {
    return opT('aten::max', [this]);
  }
  min(): Tensor {
    return opT('aten::min', [this]);
  }
  /** Maximum along a dimension: values and the indices where they occur. */
  maxDim(dim: number, keepdim = false): { values: Tensor; indices: Tensor } {
    const [values, indices] = op('aten::max.dim', [this, dim, keepdim]) as [Tensor, Tensor];
    return { values, indices };
  }
  minDim(dim: number, keepdim = false): { values: Tensor; indices: Tensor } {
    const [values, indices] = op('aten::min.dim', [this, dim, keepdim]) as [Tensor, Tensor];
    return { values, indices };
  }
  argmax(dim?: number, keepdim = false): Tensor {
    return opT('aten::argmax', [this, dim ?? null, keepdim]);
  }
  argmin(dim?: number, keepdim = false): Tensor {
    return opT('aten::argmin', [this, dim ?? null, keepdim]);
  }
  /** Vector p-norm over `dims` (all elements by default). */
  norm(p = 2, dims?: Dims, keepdim = false): Tensor {
    return opT('aten::linalg_vector_norm', [this, p, dimList(dims) ?? null, keepdim]);
  }
  logsumexp(dims: Dims, keepdim = false): Tensor {
    return opT('aten::logsumexp', [this, dimList(dims), keepdim]);
  }
  /** Variance with Bessel's correction by default (unbiased). */
  var(dims?: Dims, keepdim = false, correction = 1): Tensor {
    return opT('aten::var.correction', [this, dimList(dims) ?? null], { correction, keepdim });
  }
  std(dims?: Dims, keepdim = false, correction = 1): Tensor {
    return opT('aten::std.correction', [this, dimList(dims) ?? null], { correction, keepdim });
  }
  cumsum(dim: number): Tensor {
    return opT('aten::cumsum', [this, dim]);
  }
  all(): Tensor {
    return opT('aten::all', [this]);
  }
  any(): Tensor {
    return opT('aten::any', [this]);
  }
  topk(k: number, dim = -1, largest = true, sorted = true): { values: Tensor; indices: Tensor } {
    const [values, indices] = op('aten::topk', [this, k, dim, largest, sorted]) as [Tensor, Tensor];
    return { values, indices };
  }
  sort(dim = -1, descending = false): { values: Tensor; indices: Tensor } {
    const [values, indices] = op('aten::sort', [this, dim, descending]) as [Tensor, Tensor];
    return { values, indices };
  }

  // ---- comparisons (bool tensors) -----------------------------------------
  eq(o: Tensor | number): Tensor {
    return o instanceof Tensor ? opT('aten::eq.Tensor', [this, o]) : opT('aten::eq.Scalar', [this, o]);
  }
  ne(o: Tensor | number): Tensor {
    return o instanceof Tensor ? opT('aten::ne.Tensor', [this, o]) : opT('aten::ne.Scalar', [this, o]);
  }
  lt(o: Tensor | number): Tensor {
    return o instanceof Tensor ? opT('aten::lt.Tensor', [this, o]) : opT('aten::lt.Scalar', [this, o]);
  }
  le(o: Tensor | number): Tensor {
    return o instanceof Tensor ? opT('aten::le.Tensor', [this, o]) : opT('aten::le.Scalar', [this, o]);
  }
  gt(o: Tensor | number): Tensor {
    return o instanceof Tensor ? opT('aten::gt.Tensor', [this, o]) : opT('aten::gt.Scalar', [this, o]);
  }
  ge(o: Tensor | number): Tensor {
    return o instanceof Tensor ? opT('aten::ge.Tensor', [this, o]) : opT('aten::ge.Scalar', [this, o]);
  }
  isnan(): Tensor {
    return opT('aten::isnan', [this]);
  }
  isfinite(): Tensor {
    return opT('aten::isfinite', [this]);
  }
  logicalNot(): Tensor {
    return opT('aten::logical_not', [this]);
  }
}

const formatNumber = (v: number): string => (Number.isInteger(v) ? String(v) : v.toPrecision(4));

/** Nested-bracket rendering of row-major `values` with `shape`. */
function formatValues(values: number[], shape: number[], fmt: (v: number) => string): string {
  if (shape.length === 0) return fmt(values[0] as number);
  const [n, ...rest] = shape as [number, ...number[]];
  const size = rest.reduce((a, b) => a * b, 1);
  const parts = Array.from({ length: n }, (_, i) => formatValues(values.slice(i * size, (i + 1) * size), rest, fmt));
  return `[${parts.join(', ')}]`;
}
