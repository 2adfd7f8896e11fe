/**
 * Weighted kNN (Wu et al. 2018) against a brute-force plain-TypeScript
 * implementation of the same rule: cosine similarity, top-k, exp(s/τ) votes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { knnAccuracy, knnClassify } from '../../src/eval/index.ts';
import { tensor } from '../../src/tensor/index.ts';
import { Rng } from '../helpers/prng.ts';

/** The rule by loops in float64. */
function bruteForce(bank: number[][], labels: number[], queries: number[][], k: number, tau: number, C: number) {
  const unit = (v: number[]) => {
    const n = Math.sqrt(v.reduce((s, a) => s + a * a, 0));
    return v.map((a) => a / n);
  };
  const b = bank.map(unit);
  return queries.map((q0) => {
    const q = unit(q0);
    const sims = b.map((row, j) => ({ j, s: row.reduce((acc, v, i) => acc + v * q[i]!, 0) }));
    sims.sort((x, y) => y.s - x.s);
    const score = new Array<number>(C).fill(0);
    for (const { j, s } of sims.slice(0, Math.min(k, sims.length))) score[labels[j]!]! += Math.exp(s / tau);
    return score.indexOf(Math.max(...score));
  });
}

/** Features with weak class structure (centres shared by bank and queries), so that votes are mixed. */
function problem(rng: Rng, nBank: number, nQuery: number, d: number, C: number) {
  const centres = Array.from({ length: C }, () => Array.from({ length: d }, () => rng.normal()));
  const draw = (n: number) => {
    const y = Array.from({ length: n }, () => rng.int(0, C));
    return { x: y.map((c) => centres[c]!.map((m) => 0.5 * m + rng.normal())), y };
  };
  return { bank: draw(nBank), query: draw(nQuery) };
}

const t64 = (x: number[][]) => tensor(Float64Array.from(x.flat()), [x.length, x[0]!.length]);
const labelsOf = (y: number[]) => tensor(BigInt64Array.from(y, BigInt), [y.length]);

test('predictions equal a brute-force implementation (k = 200, τ = 0.1, and other settings)', () => {
  const rng = new Rng(11);
  const C = 5;
  const { bank, query } = problem(rng, 600, 150, 16, C);
  const B = t64(bank.x);
  const Y = labelsOf(bank.y);
  const Q = t64(query.x);
  for (const [k, tau] of [
    [200, 0.1],
    [1, 0.1],
    [20, 0.5],
  ] as const) {
    const expected = bruteForce(bank.x, bank.y, query.x, k, tau, C);
    const pred = knnClassify(B, Y, Q, { numClasses: C, k, temperature: tau });
    assert.equal(pred.dtype, 'int64');
    assert.deepEqual(pred.toArray(), expected, `k = ${k}, τ = ${tau}`);
    const acc = knnAccuracy(B, Y, Q, labelsOf(query.y), { numClasses: C, k, temperature: tau });
    assert.equal(acc, expected.filter((p, i) => p === query.y[i]).length / expected.length);
    if (k === 200) assert.ok(acc > 0.4, `the classes are visible to kNN (chance 0.2), got ${acc}`);
    pred.dispose();
  }
  // Float32 features give the same votes here (no near-ties in this draw).
  const pred32 = knnClassify(B.float(), Y, Q.float(), { numClasses: C });
  assert.deepEqual(pred32.toArray(), bruteForce(bank.x, bank.y, query.x, 200, 0.1, C));
  for (const t of [B, Y, Q, pred32]) t.dispose();
});

test('k at least the bank size uses the whole bank', () => {
  const rng = new Rng(12);
  const C = 3;
  const { bank, query } = problem(rng, 40, 30, 8, C);
  const expected = bruteForce(bank.x, bank.y, query.x, 40, 0.1, C);
  for (const k of [40, 200]) {
    const pred = knnClassify(t64(bank.x), labelsOf(bank.y), t64(query.x), { numClasses: C, k });
    assert.deepEqual(pred.toArray(), expected, `k = ${k}`);
  }
});

test('chunking the queries gives exactly the single-chunk result', () => {
  const rng = new Rng(13);
  const C = 4;
  const { bank, query } = problem(rng, 300, 257, 12, C);
  const B = tensor(Float32Array.from(bank.x.flat()), [300, 12]);
  const Q = tensor(Float32Array.from(query.x.flat()), [257, 12]);
  const Y = labelsOf(bank.y);
  const whole = knnClassify(B, Y, Q, { numClasses: C, k: 50, chunk: 1024 }).toArray();
  for (const chunk of [1, 7, 64, 256, 257]) {
    assert.deepEqual(knnClassify(B, Y, Q, { numClasses: C, k: 50, chunk }).toArray(), whole, `chunk ${chunk}`);
  }
  for (const t of [B, Q, Y]) t.dispose();
});

test('rejects bad input', () => {
  const B = tensor(new Float32Array(8).fill(1), [4, 2]);
  const Y = labelsOf([0, 1, 2, 3]);
  assert.throws(() => knnClassify(B, Y, tensor(new Float32Array(3), [1, 3]), { numClasses: 4 }), /N×d and M×d/);
  assert.throws(() => knnClassify(B, Y, B, { numClasses: 3 }), /label 3 is out of range 0…2/);
  assert.throws(() => knnClassify(B, Y, B, { numClasses: 4, k: 0 }), /k must be a positive integer/);
  assert.throws(() => knnClassify(B, Y, B, { numClasses: 4, temperature: 0 }), /temperature must be > 0/);
});
