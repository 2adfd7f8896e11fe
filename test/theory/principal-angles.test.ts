/**
 * Principal angles against closed forms: subspaces built from an explicit
 * orthonormal frame (plain-TypeScript Gram–Schmidt) with known angles.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Tensor, tensor, tidy } from '../../src/tensor/index.ts';
import { meanPrincipalCosine, principalAngleCosines } from '../../src/theory/principal-angles.ts';
import { assertClose } from '../helpers/close.ts';
import { Rng } from '../helpers/prng.ts';

const N = 40;

/** m orthonormal vectors of ℝ^N (modified Gram–Schmidt on Gaussian vectors). */
function frame(rng: Rng, m: number): number[][] {
  const out: number[][] = [];
  while (out.length < m) {
    const v = Array.from(rng.normals(N));
    for (const q of out) {
      const dot = v.reduce((s, x, i) => s + x * (q[i] as number), 0);
      for (let i = 0; i < N; i++) v[i] = (v[i] as number) - dot * (q[i] as number);
    }
    const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    out.push(v.map((x) => x / norm));
  }
  return out;
}

/** N×m tensor whose columns are `cols`. */
function columns(cols: number[][]): Tensor {
  const m = cols.length;
  const a = new Float64Array(N * m);
  for (let j = 0; j < m; j++) for (let i = 0; i < N; i++) a[i * m + j] = (cols[j] as number[])[i] as number;
  return tensor(a, [N, m]);
}

/** cos·a + sin·b, element-wise. */
function mix(a: number[], b: number[], theta: number): number[] {
  return a.map((x, i) => Math.cos(theta) * x + Math.sin(theta) * (b[i] as number));
}

/** A·G for a random (almost surely invertible) m×m G: the same span in another basis. */
function rebase(rng: Rng, a: Tensor): Tensor {
  const m = a.shape[1] as number;
  return a.mm(tensor(rng.normals(m * m), [m, m]));
}

test('identical spans give all cosines 1, in any basis', () => {
  const rng = new Rng(1);
  tidy(() => {
    const a = tensor(rng.normals(N * 4), [N, 4]);
    const c = principalAngleCosines(a, rebase(rng, a));
    assertClose(c, [1, 1, 1, 1], { atol: 1e-10, rtol: 0 });
  });
});

test('a span rotated by known angles in orthogonal planes gives those cosines, descending', () => {
  const rng = new Rng(2);
  const [q1, q2, q3, q4, q5] = frame(rng, 5) as number[][];
  const theta = 0.3;
  const phi = 1.1;
  tidy(() => {
    const a = columns([q1 as number[], q2 as number[], q3 as number[]]);
    const b = columns([
      q1 as number[],
      mix(q2 as number[], q4 as number[], theta),
      mix(q3 as number[], q5 as number[], phi),
    ]);
    const expected = [1, Math.cos(theta), Math.cos(phi)];
    assertClose(principalAngleCosines(a, b), expected, { atol: 1e-12, rtol: 0 });
    // Invariance to a change of basis on either side.
    assertClose(principalAngleCosines(rebase(rng, a), rebase(rng, b)), expected, { atol: 1e-9, rtol: 0 });
    assertClose(meanPrincipalCosine(a, b), (1 + Math.cos(theta) + Math.cos(phi)) / 3, { atol: 1e-12, rtol: 0 });
  });
});

test('orthogonal spans give cosines 0', () => {
  const rng = new Rng(3);
  const [q1, q2, q3, q4] = frame(rng, 4) as number[][];
  tidy(() => {
    const c = principalAngleCosines(
      rebase(rng, columns([q1 as number[], q2 as number[]])),
      columns([q3 as number[], q4 as number[]]),
    );
    assertClose(c, [0, 0], { atol: 1e-10, rtol: 0 });
  });
});

test('different column counts: a plane inside a 3-space gives [1, 1]', () => {
  const rng = new Rng(4);
  const [q1, q2, q3] = frame(rng, 3) as number[][];
  tidy(() => {
    const a = columns([mix(q1 as number[], q2 as number[], 0.7), q3 as number[]]);
    const b = rebase(rng, columns([q1 as number[], q2 as number[], q3 as number[]]));
    assertClose(principalAngleCosines(a, b), [1, 1], { atol: 1e-10, rtol: 0 });
  });
});

test('a rank-deficient matrix spans fewer directions: the missing one counts as cos 0', () => {
  const rng = new Rng(5);
  const [q1, q2] = frame(rng, 2) as number[][];
  tidy(() => {
    const a = columns([q1 as number[], q2 as number[]]);
    const b = columns([q1 as number[], (q1 as number[]).map((x) => 2 * x)]);
    assertClose(principalAngleCosines(a, b), [1, 0], { atol: 1e-10, rtol: 0 });
    assertClose(principalAngleCosines(a, columns([new Array(N).fill(0), new Array(N).fill(0)])), [0, 0]);
  });
});

test('bad inputs are rejected with the argument named', () => {
  tidy(() => {
    const a = tensor(new Float64Array(N * 2), [N, 2]);
    assert.throws(() => principalAngleCosines(a, tensor(new Float64Array(2 * 3), [2, 3])), /same number of rows/);
    assert.throws(() => principalAngleCosines(tensor(new Float64Array(N)), a), /a must be a non-empty N×k matrix/);
    assert.throws(() => principalAngleCosines(a, tensor(new Float64Array(0), [N, 0])), /b must be a non-empty/);
  });
});
