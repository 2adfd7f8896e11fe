/**
 * Naive reference computations on row-major flat arrays, written with plain
 * loops so that tests compare libtorch against something independent of it.
 */

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = (s[i + 1] as number) * (shape[i + 1] as number);
  return s;
}

export const numelOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Multi-index of flat position `i`. */
export function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d] as number;
    idx[d] = i % n;
    i = Math.floor(i / n);
  }
  return idx;
}

/** Flat position of a multi-index. */
export function ravel(idx: readonly number[], shape: readonly number[]): number {
  let p = 0;
  for (let d = 0; d < shape.length; d++) p = p * (shape[d] as number) + (idx[d] as number);
  return p;
}

/** C = A·B for row-major A (n×k) and B (k×m). */
export function matmulNaive(a: ArrayLike<number>, b: ArrayLike<number>, n: number, k: number, m: number): Float64Array {
  const c = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += (a[i * k + t] as number) * (b[t * m + j] as number);
      c[i * m + j] = s;
    }
  }
  return c;
}

/** Transpose of a row-major n×m matrix. */
export function transposeNaive(a: ArrayLike<number>, n: number, m: number): Float64Array {
  const t = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) t[j * n + i] = a[i * m + j] as number;
  return t;
}

/** The n×n identity, row-major. */
export function identityNaive(n: number): Float64Array {
  const e = new Float64Array(n * n);
  for (let i = 0; i < n; i++) e[i * n + i] = 1;
  return e;
}

/**
 * Solves A·X = B (A n×n, B n×m) by Gauss–Jordan elimination with partial
 * pivoting; returns X row-major.
 */
export function solveNaive(a: ArrayLike<number>, b: ArrayLike<number>, n: number, m: number): Float64Array {
  const A = Float64Array.from(a as ArrayLike<number>);
  const B = Float64Array.from(b as ArrayLike<number>);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r * n + c] as number) > Math.abs(A[p * n + c] as number)) p = r;
    if (p !== c) {
      for (let j = 0; j < n; j++) [A[c * n + j], A[p * n + j]] = [A[p * n + j] as number, A[c * n + j] as number];
      for (let j = 0; j < m; j++) [B[c * m + j], B[p * m + j]] = [B[p * m + j] as number, B[c * m + j] as number];
    }
    const piv = A[c * n + c] as number;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = (A[r * n + c] as number) / piv;
      if (f === 0) continue;
      for (let j = 0; j < n; j++) A[r * n + j] = (A[r * n + j] as number) - f * (A[c * n + j] as number);
      for (let j = 0; j < m; j++) B[r * m + j] = (B[r * m + j] as number) - f * (B[c * m + j] as number);
    }
  }
  for (let r = 0; r < n; r++)
    for (let j = 0; j < m; j++) B[r * m + j] = (B[r * m + j] as number) / (A[r * n + r] as number);
  return B;
}

/** Largest absolute element-wise difference. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}
