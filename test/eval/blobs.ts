/** Synthetic labeled features for the probe tests, from the independent test PRNG. */
import { type Tensor, tensor } from '../../src/tensor/index.ts';
import type { Rng } from '../helpers/prng.ts';

export interface Blobs {
  /** Row-major n×d features (float64 on the host). */
  x: number[][];
  y: number[];
}

/**
 * n points per class around class centres: centre c is `spread`·e_c (c < d)
 * plus unit Gaussian noise in every coordinate, classes interleaved.
 */
export function blobs(rng: Rng, o: { classes: number; perClass: number; dim: number; spread: number }): Blobs {
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < o.perClass; i++) {
    for (let c = 0; c < o.classes; c++) {
      x.push(Array.from({ length: o.dim }, (_, j) => (j === c % o.dim ? o.spread : 0) + rng.normal()));
      y.push(c);
    }
  }
  return { x, y };
}

/** Features as an N×d tensor (float32 unless asked) and labels as int64. */
export function toTensors(b: Blobs, dtype: 'float32' | 'float64' = 'float32'): { x: Tensor; y: Tensor } {
  const d = b.x[0]?.length ?? 0;
  const flat = b.x.flat();
  const data = dtype === 'float32' ? Float32Array.from(flat) : Float64Array.from(flat);
  return { x: tensor(data, [b.x.length, d]), y: tensor(BigInt64Array.from(b.y, BigInt), [b.y.length]) };
}
