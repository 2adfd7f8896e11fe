/**
 * Every method end to end on a tiny batch (a ConvNet on 2 views of 8 random
 * 1×28×28 images): a finite scalar loss, gradients on the encoder and the
 * heads, a falling loss over a few SGD steps on the fixed batch, and a
 * checkpoint round trip (encoder, heads, state tensors) that restores the
 * same next loss in a method built from other random weights.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createMethod,
  defaultBatchSize,
  METHOD_NAMES,
  type Method,
  type MethodConfig,
} from '../../src/methods/index.ts';
import { ConvNet, type ImageEncoder } from '../../src/nn/index.ts';
import { SGD } from '../../src/optim/index.ts';
import { Generator, noGrad, randint, randn, type Tensor, tensor, tidy } from '../../src/tensor/index.ts';
import { assertClose } from '../helpers/close.ts';
import { infoNceReference, tensorRows } from './reference.ts';

const B = 8;
const smallHeads: Record<string, Record<string, unknown>> = {
  mocov2: { queueSize: 64 },
  swav: { prototypes: 16 },
};

function build(name: MethodConfig['name'], seed: number): { method: Method; encoder: ImageEncoder; g: Generator } {
  const g = new Generator(seed);
  const encoder = new ConvNet({ widths: [8, 16, 32], generator: g });
  const method = createMethod(
    { name, ...smallHeads[name] },
    { encoder, makeEncoder: () => new ConvNet({ widths: [8, 16, 32] }), generator: g, numClasses: 10 },
  );
  return { method, encoder, g };
}

function batchOf(seed: number): { views: Tensor[]; labels: Tensor } {
  const g = new Generator(seed);
  return {
    views: [randn([B, 1, 28, 28], { generator: g }).keep(), randn([B, 1, 28, 28], { generator: g }).keep()],
    labels: randint(0, 10, [B], { generator: g }).keep(),
  };
}

const lossOf = (m: Method, e: ImageEncoder, batch: { views: Tensor[]; labels: Tensor }, step = 0): number =>
  tidy(() => m.forward(e, batch, { step, totalSteps: 100 }).loss.item());

/** Detached copies of a state dict, outside any scope. */
const copyOf = (sd: Record<string, Tensor>): Record<string, Tensor> =>
  tidy(() => Object.fromEntries(Object.entries(sd).map(([k, t]) => [k, t.clone().keep()])));

for (const name of METHOD_NAMES) {
  test(`${name}: finite loss, gradients on encoder and heads, falling loss, checkpoint round trip`, () => {
    const { method, encoder } = build(name, 1);
    const batch = batchOf(100);
    assert.equal(method.name, name);
    assert.equal(method.views, name === 'supervised' ? 1 : 2);
    assert.equal(method.needsLabels, name === 'supervised');

    // forward and backward
    tidy(() => {
      const out = method.forward(encoder, batch, { step: 0, totalSteps: 100 });
      assert.deepEqual(out.loss.shape, [], 'scalar loss');
      assert.ok(Number.isFinite(out.loss.item()), `finite loss, got ${out.loss.item()}`);
      assert.equal(out.embedding.shape[0], B, 'one embedding row per image');
      assert.equal(out.embedding.requiresGrad, false, 'the embedding is detached');
      out.loss.backward();
      const conv = encoder.namedParameters()[0]!;
      const gEnc = conv[1].grad;
      assert.ok(gEnc && gEnc.abs().sum().item() > 0, `gradient reaches the encoder's ${conv[0]}`);
      const heads = method.heads.namedParameters();
      assert.ok(heads.length > 0, 'the method has trainable heads');
      for (const [n, p] of heads) {
        const gp = p.grad;
        assert.ok(gp, `gradient on heads.${n}`);
        assert.ok(gp.isfinite().all().item(), `finite gradient on heads.${n}`);
      }
      const firstHead = heads[0]!;
      assert.ok(firstHead[1].grad!.abs().sum().item() > 0, `non-zero gradient on heads.${firstHead[0]}`);
      encoder.zeroGrad();
      method.heads.zeroGrad();
    });

    // a few SGD steps on the fixed batch. MoCo's afterStep would push this batch's own keys into the
    // queue as negatives, which raises its loss on a fixed batch by design; its queue/EMA are tested elsewhere.
    const opt = new SGD([...encoder.parameters(), ...method.heads.parameters()], { lr: 0.05, momentum: 0.9 });
    const losses: number[] = [];
    for (let step = 0; step < 6; step++) {
      tidy(() => {
        const ctx = { step, totalSteps: 100 };
        const out = method.forward(encoder, batch, ctx);
        opt.zeroGrad();
        out.loss.backward();
        opt.step();
        if (name !== 'mocov2') method.afterStep(encoder, ctx);
        losses.push(out.loss.item());
      });
    }
    assert.ok(losses.every(Number.isFinite), `finite losses ${losses}`);
    assert.ok(losses.at(-1)! < losses[0]!, `${name}: loss falls on a fixed batch: ${losses.map((l) => l.toFixed(4))}`);
    if (name === 'mocov2') method.afterStep(encoder, { step: 6, totalSteps: 100 }); // queue and key network move

    // checkpoint round trip into a method built from other random weights
    const saved = {
      encoder: copyOf(tidy(() => encoder.stateDict())),
      heads: copyOf(tidy(() => method.heads.stateDict())),
      state: copyOf(tidy(() => method.stateTensors())),
    };
    const next = lossOf(method, encoder, batch, 7);
    const other = build(name, 99);
    other.encoder.loadStateDict(saved.encoder);
    other.method.heads.loadStateDict(saved.heads);
    if (Object.keys(saved.state).length > 0) {
      // the state matters: without it the next loss differs
      const without = lossOf(other.method, other.encoder, batch, 7);
      assert.ok(Math.abs(without - next) > 1e-4, `${name}: state tensors change the loss (${without} vs ${next})`);
    }
    other.method.loadStateTensors(saved.state);
    assertClose(lossOf(other.method, other.encoder, batch, 7), next, { rtol: 1e-5, atol: 1e-6 }, `${name}: next loss`);
    assert.deepEqual(other.method.config, method.config, 'same resolved config');
    assert.throws(
      () => other.method.loadStateTensors({ ...saved.state, extra: saved.encoder[Object.keys(saved.encoder)[0]!]! }),
      new RegExp(`${name}: .*unexpected keys: extra`),
    );

    for (const part of Object.values(saved)) for (const t of Object.values(part)) t.dispose();
    for (const t of [...batch.views, batch.labels]) t.dispose();
    opt.dispose();
    for (const x of [method, encoder, other.method, other.encoder]) x.dispose();
  });
}

test('supervised: needs labels and says so; checks their dtype, shape and range', () => {
  const { method, encoder } = build('supervised', 3);
  const { views, labels } = batchOf(5);
  const ctx = { step: 0, totalSteps: 1 };
  assert.throws(() => method.forward(encoder, { views, labels: null }, ctx), /supervised: batches must carry labels/);
  tidy(() => {
    assert.throws(
      () => method.forward(encoder, { views, labels: labels.float() }, ctx),
      /supervised: labels must be int64 of shape \[8\], got float32/,
    );
    const bad = tensor(new BigInt64Array([0, 1, 2, 3, 4, 5, 6, 10n].map(BigInt)), [8]);
    assert.throws(
      () => method.forward(encoder, { views, labels: bad }, ctx),
      /labels must be in 0…9, got values from 0 to 10/,
    );
  });
  assert.throws(
    () => createMethod({ name: 'supervised' }, { encoder, makeEncoder: () => new ConvNet() }),
    /supervised: deps.numClasses must be an integer ≥ 2, got undefined/,
  );
  for (const t of [...views, labels]) t.dispose();
  method.dispose();
  encoder.dispose();
});

test('two-view methods reject a one-view batch by name', () => {
  const { method, encoder } = build('spectral', 4);
  const { views, labels } = batchOf(6);
  assert.throws(
    () => method.forward(encoder, { views: [views[0]!], labels }, { step: 0, totalSteps: 1 }),
    /spectral: a batch must have 2 views, got 1/,
  );
  for (const t of [...views, labels]) t.dispose();
  method.dispose();
  encoder.dispose();
});

test('symmetric MoCo sums both directions of InfoNCE and enqueues the keys of both views', () => {
  const { method, encoder } = build('mocov2', 7);
  const m = createMethod(
    { name: 'mocov2', symmetric: true, queueSize: 64 },
    {
      encoder,
      makeEncoder: () => new ConvNet({ widths: [8, 16, 32] }),
      generator: new Generator(8),
    },
  );
  method.dispose();
  const batch = batchOf(9);
  // before any step the key network is a copy of the online one, so keys = normalized online projections
  const [q1, q2, queue] = tidy(() => {
    const p = m.heads.child('projector');
    const rows = (x: Tensor) => tensorRows(p.forward(encoder.forward(x)).detach());
    return [rows(batch.views[0]!), rows(batch.views[1]!), tensorRows(m.stateTensors().queue!)];
  });
  const expected = infoNceReference(q1, q2, queue, 0.2) + infoNceReference(q2, q1, queue, 0.2);
  assertClose(lossOf(m, encoder, batch), expected, { rtol: 1e-5, atol: 1e-5 }, 'symmetric loss');
  m.afterStep(encoder, { step: 0, totalSteps: 1 });
  assert.deepEqual(
    tidy(() => m.stateTensors().queuePtr!.toArray()),
    [2 * B],
    'both views’ keys were pushed',
  );
  for (const t of [...batch.views, batch.labels]) t.dispose();
  m.dispose();
  encoder.dispose();
});

test('SwAV: prototypes are renormalized to unit rows before use and get no gradient while frozen', () => {
  const encoder = new ConvNet({ widths: [8, 16, 32], generator: new Generator(10) });
  const m = createMethod(
    { name: 'swav', prototypes: 16, freezePrototypesSteps: 2 },
    {
      encoder,
      makeEncoder: () => new ConvNet({ widths: [8, 16, 32] }),
      generator: new Generator(11),
    },
  );
  const w = m.heads.child('prototypes').param('weight');
  const batch = batchOf(12);
  tidy(() => {
    noGrad(() => w.mul_(3)); // as if an optimizer step had moved them off the sphere
    m.forward(encoder, batch, { step: 1, totalSteps: 10 }).loss.backward();
    assertClose(w.norm(2, 1).toArray(), Array(16).fill(1), { atol: 1e-6 }, 'prototype norms');
    assert.equal(w.grad, null, 'frozen at step 1 < 2');
    assert.ok(m.heads.child('projector').parameters()[0]!.grad, 'the projector still learns');
    m.forward(encoder, batch, { step: 2, totalSteps: 10 }).loss.backward();
    const trained = w.grad as Tensor | null; // not narrowed by the assertion above: a getter
    assert.ok(trained && trained.abs().sum().item() > 0, 'trained from step 2');
  });
  for (const t of [...batch.views, batch.labels]) t.dispose();
  m.dispose();
  encoder.dispose();
});

test('defaultBatchSize: 128 for spectral on the small ConvNet, 256 otherwise; unknown methods rejected', () => {
  assert.equal(defaultBatchSize('spectral', 'small'), 128);
  assert.equal(defaultBatchSize('spectral', 'large'), 256);
  for (const name of METHOD_NAMES.filter((m) => m !== 'spectral')) assert.equal(defaultBatchSize(name, 'small'), 256);
  assert.throws(
    () => defaultBatchSize('barlow' as 'spectral', 'small'),
    /method must be one of spectral, .*, got "barlow"/,
  );
  // The scale is the encoder's, not its width: a 512-wide ConvNet is still small.
  const wide = new ConvNet({ widths: [8, 512] });
  assert.equal(wide.scale, 'small');
  wide.dispose();
});
