/**
 * MoCo's key queue (FIFO of the last K keys, pointer wrap-around) and the
 * momentum updates of MoCo and BYOL (θ_t ← m·θ_t + (1 − m)·θ_o, BN buffers
 * copied), checked against values the test computes itself.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { byol, cosineMomentum, KeyQueue, type Method, mocov2 } from '../../src/methods/index.ts';
import { ConvNet, type ImageEncoder } from '../../src/nn/index.ts';
import { SGD } from '../../src/optim/index.ts';
import { Generator, nnf, noGrad, randn, type Tensor, tensor, tidy } from '../../src/tensor/index.ts';
import { assertClose } from '../helpers/close.ts';

/** Key number n of the test: every coordinate encodes n, so rows identify which key they hold. */
const key = (n: number, d: number) => Array.from({ length: d }, (_, j) => n + j / 10);
const keys = (from: number, count: number, d: number) =>
  tensor(Float32Array.from(Array.from({ length: count }, (_, i) => key(from + i, d)).flat()), [count, d]);

test('KeyQueue holds the last K keys in FIFO order; the pointer wraps; batches larger than K keep their last K', () => {
  const K = 10;
  const d = 3;
  const q = new KeyQueue(K, d);
  let pushed = 0;
  const expectLast = (what: string) => {
    // row j holds key n with n ≡ j (mod K), the most recent such n
    const expected = Array.from({ length: K }, (_, j) => {
      let n = pushed - 1;
      while ((n - j) % K !== 0) n--;
      return key(n, d);
    });
    tidy(() => {
      assertClose(q.keys.toArray(), expected.flat(), { atol: 1e-6 }, `${what}: rows`);
      const oldestFirst = Array.from({ length: K }, (_, i) => key(pushed - K + i, d));
      assertClose(q.ordered().toArray(), oldestFirst.flat(), { atol: 1e-6 }, `${what}: ordered()`);
    });
    assert.equal(q.ptr, pushed % K, `${what}: pointer`);
  };
  for (const n of [4, 4, 4, 4]) {
    tidy(() => q.push(keys(pushed, n, d)));
    pushed += n;
  }
  expectLast('after 4 batches of 4 (wrapped once, pointer 6)');
  tidy(() => q.push(keys(pushed, 13, d)));
  pushed += 13;
  expectLast('after a batch of 13 > K');
  tidy(() => q.push(keys(pushed, 7, d)));
  pushed += 7;
  expectLast('after a batch of 7');

  // state round trip into a fresh queue
  const other = new KeyQueue(K, d);
  tidy(() => {
    const s = q.state();
    assert.equal(s.queuePtr.dtype, 'int64');
    other.load(s.queue.clone(), s.queuePtr.clone());
    assertClose(other.keys.toArray(), q.keys.toArray(), { atol: 0 });
    assert.equal(other.ptr, q.ptr);
    assert.throws(() => other.load(s.queue, tensor(new BigInt64Array([BigInt(K)]), [])), /queuePtr/);
  });
  assert.throws(() => tidy(() => q.push(keys(0, 2, d + 1))), /KeyQueue.push: keys must be n×3/);
  q.dispose();
  other.dispose();
});

test('a new KeyQueue starts with unit-norm random keys', () => {
  const q = new KeyQueue(16, 8, { generator: new Generator(1) });
  tidy(() => assertClose(q.keys.norm(2, 1).toArray(), Array(16).fill(1), { atol: 1e-5 }));
  q.dispose();
});

test('cosineMomentum follows τ = 1 − (1 − τ_base)(cos(πk/K) + 1)/2', () => {
  for (const [k, K] of [
    [0, 100],
    [25, 100],
    [50, 100],
    [100, 100],
  ] as const) {
    assertClose(cosineMomentum(0.99, k, K), 1 - (0.01 * (Math.cos((Math.PI * k) / K) + 1)) / 2, { atol: 1e-15 });
  }
  assert.equal(cosineMomentum(0.99, 0, 100), 0.99);
  assertClose(cosineMomentum(0.99, 100, 100), 1, { atol: 1e-15 });
});

interface Snapshot {
  [name: string]: number[];
}
const snapshot = (entries: Record<string, Tensor>): Snapshot =>
  tidy(() => Object.fromEntries(Object.entries(entries).map(([k, t]) => [k, t.toArray()])));

/** One SGD step (so online ≠ target) and then afterStep; returns target before/after and online after. */
function stepAndUpdate(
  method: Method,
  encoder: ImageEncoder,
  views: Tensor[],
  ctx: { step: number; totalSteps: number },
) {
  const opt = new SGD([...encoder.parameters(), ...method.heads.parameters()], { lr: 0.1 });
  const before = snapshot(method.stateTensors());
  tidy(() => {
    const out = method.forward(encoder, { views, labels: null }, ctx);
    out.loss.backward();
    opt.step();
  });
  const online = snapshot({
    ...Object.fromEntries(tidy(() => Object.entries(encoder.stateDict())).map(([k, t]) => [`target.encoder.${k}`, t])),
    ...Object.fromEntries(
      tidy(() => Object.entries(method.heads.child('projector').stateDict())).map(([k, t]) => [
        `target.projector.${k}`,
        t,
      ]),
    ),
  });
  const targetAfterForward = snapshot(method.stateTensors());
  method.afterStep(encoder, ctx);
  const after = snapshot(method.stateTensors());
  opt.dispose();
  return { before, online, targetAfterForward, after };
}

function checkEma(r: ReturnType<typeof stepAndUpdate>, m: number, paramNames: Set<string>): void {
  let params = 0;
  let buffers = 0;
  for (const [k, online] of Object.entries(r.online)) {
    const after = r.after[k];
    assert.ok(after, `state has ${k}`);
    if (paramNames.has(k)) {
      const old = r.before[k]!;
      const expected = old.map((t, i) => m * t + (1 - m) * online[i]!);
      assertClose(after, expected, { rtol: 1e-6, atol: 1e-7 }, `EMA of ${k}`);
      params++;
    } else {
      assertClose(after, online, { rtol: 0, atol: 0 }, `buffer ${k} copied`);
      buffers++;
    }
  }
  assert.ok(params > 5 && buffers > 5, `checked ${params} parameters and ${buffers} buffers`);
}

const paramNamesOf = (encoder: ImageEncoder, method: Method) =>
  new Set([
    ...encoder.namedParameters().map(([k]) => `target.encoder.${k}`),
    ...method.heads
      .child('projector')
      .namedParameters()
      .map(([k]) => `target.projector.${k}`),
  ]);

function setup(seed: number) {
  const g = new Generator(seed);
  const encoder = new ConvNet({ widths: [8, 16], generator: g });
  const views = [randn([6, 1, 28, 28], { generator: g }).keep(), randn([6, 1, 28, 28], { generator: g }).keep()];
  return { g, encoder, views, deps: { encoder, makeEncoder: () => new ConvNet({ widths: [8, 16] }), generator: g } };
}

test('MoCo afterStep: key network = m·old + (1 − m)·online, BN buffers copied, keys of view 2 enqueued', () => {
  const { encoder, views, deps } = setup(1);
  const m = mocov2.create({ queueSize: 10, hiddenDim: 16, outDim: 8, momentum: 0.9 }, deps);
  // the keys the key network gives view 2 before any step (it starts as a copy of the online network)
  const expectedKeys = tidy(() =>
    noGrad(() => nnf.normalize(m.heads.child('projector').forward(encoder.forward(views[1]!)), 1).toArray()),
  );
  const r = stepAndUpdate(m, encoder, views, { step: 0, totalSteps: 10 });
  checkEma(r, 0.9, paramNamesOf(encoder, m));
  // the key network's own forward changed its running stats; afterStep replaced them with the online ones
  const rm = 'target.encoder.features.1.running_mean';
  assert.notDeepEqual(r.targetAfterForward[rm], r.online[rm]);
  assertClose(r.after.queue!.slice(0, 6 * 8), expectedKeys, { rtol: 1e-5, atol: 1e-6 }, 'rows 0…5 hold the keys');
  assert.deepEqual(r.after.queuePtr, [6]);
  assertClose(r.after.queue!.slice(48), r.before.queue!.slice(48), { atol: 0 }, 'rows 6…9 untouched');
  // the next push wraps around: 4 keys at the end, 2 at the start
  const r2 = stepAndUpdate(m, encoder, views, { step: 1, totalSteps: 10 });
  assert.deepEqual(r2.after.queuePtr, [2]);
  assertClose(r2.after.queue!.slice(16, 48), r.after.queue!.slice(16, 48), { atol: 0 }, 'rows 2…5 kept');
  m.dispose();
  encoder.dispose();
});

test('BYOL afterStep: target = τ·old + (1 − τ)·online with τ from the cosine schedule, BN buffers copied', () => {
  for (const [step, total] of [
    [0, 10],
    [5, 10],
  ] as const) {
    const { encoder, views, deps } = setup(2 + step);
    const m = byol.create({ tauBase: 0.9, hiddenDim: 16, outDim: 8, predictorHiddenDim: 16 }, deps);
    const tau = 1 - ((1 - 0.9) * (Math.cos((Math.PI * step) / total) + 1)) / 2; // 0.9 at step 0, 0.95 at 5/10
    const r = stepAndUpdate(m, encoder, views, { step, totalSteps: total });
    checkEma(r, tau, paramNamesOf(encoder, m));
    m.dispose();
    encoder.dispose();
  }
});
