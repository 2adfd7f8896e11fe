/**
 * Gradient checks by central finite differences in float64:
 * ∂L/∂xᵢ ≈ (L(x + h·eᵢ) − L(x − h·eᵢ)) / 2h, error O(h²) + O(ε·|L|/h).
 * A tensor-valued function is reduced to L = Σ f(x) ⊙ R with a fixed random R,
 * so every output element takes part in the check.
 */
import assert from 'node:assert/strict';
import { grad, noGrad, type Tensor, tensor, tidy } from '../../src/tensor/index.ts';
import { assertClose } from './close.ts';
import { Rng } from './prng.ts';

export interface FdInput {
  data: Float64Array;
  shape: number[];
}

export interface FdOptions {
  /** Step h (default 1e-6). */
  eps?: number;
  /** Relative tolerance on each gradient element (default 1e-6). */
  rtol?: number;
  /** Absolute tolerance (default 1e-7). */
  atol?: number;
  /** Indices of the inputs to check (default all). */
  check?: number[];
  /** Seed of the projection R (default 1). */
  seed?: number;
}

/** An input of the given shape with standard-normal float64 values. */
export function randomInput(rng: Rng, shape: number[], scale = 1): FdInput {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = rng.normals(n);
  for (let i = 0; i < n; i++) data[i] = (data[i] as number) * scale;
  return { data, shape };
}

/**
 * Asserts that autograd's gradient of f at `inputs` matches central
 * differences. `f` receives float64 tensors and must return a float64 tensor.
 */
export function checkGradients(
  f: (xs: Tensor[]) => Tensor,
  inputs: FdInput[],
  o: FdOptions = {},
  what = 'gradient',
): void {
  const eps = o.eps ?? 1e-6;
  const check = o.check ?? inputs.map((_, i) => i);
  let projection: Float64Array | null = null;
  let outShape: number[] = [];

  const loss = (xs: Tensor[]): Tensor => {
    const y = f(xs);
    assert.equal(y.dtype, 'float64', `${what}: f must return float64, got ${y.dtype}`);
    if (projection === null) {
      outShape = y.shape;
      const rng = new Rng(o.seed ?? 1);
      projection = rng.normals(y.numel);
    }
    return y.mul(tensor(projection, outShape)).sum();
  };

  const analytic = tidy(() => {
    const xs = inputs.map((x) => tensor(x.data, x.shape).requiresGrad_());
    const gs = grad(
      loss(xs),
      check.map((i) => xs[i] as Tensor),
      { allowUnused: true },
    );
    return gs.map((g, k) =>
      g === null
        ? new Float64Array(inputs[check[k] as number]?.data.length ?? 0)
        : Float64Array.from(g.data() as Float64Array),
    );
  });

  const evalAt = (datas: Float64Array[]): number =>
    tidy(() => noGrad(() => loss(datas.map((d, i) => tensor(d, (inputs[i] as FdInput).shape))).item()));

  check.forEach((inputIndex, k) => {
    const datas = inputs.map((x) => Float64Array.from(x.data));
    const d = datas[inputIndex] as Float64Array;
    const numeric = new Float64Array(d.length);
    for (let j = 0; j < d.length; j++) {
      const x0 = d[j] as number;
      d[j] = x0 + eps;
      const up = evalAt(datas);
      d[j] = x0 - eps;
      const down = evalAt(datas);
      d[j] = x0;
      numeric[j] = (up - down) / (2 * eps);
    }
    assertClose(
      analytic[k] as Float64Array,
      numeric,
      { rtol: o.rtol ?? 1e-6, atol: o.atol ?? 1e-7 },
      `${what} (input ${inputIndex})`,
    );
  });
}
