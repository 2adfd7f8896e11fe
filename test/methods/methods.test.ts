/**
 * Every method end to end on a tiny batch (a ConvNet on 2 views of 8 random
 * 1×28×28 images): `forward`'s loss equals the method's loss function (each
 * checked against float64 loops in losses.test.ts and the second-moment and
 * spectral tests) applied to the encoder and heads evaluated here by hand, on
 * two different views, with non-default hyper-parameters and the method's
 * state (target network, queue, prototypes) set explicitly; a finite scalar
 * loss, gradients on the encoder and the heads, a falling loss over a few SGD
 * steps on the fixed batch, and a checkpoint round trip (encoder, heads, state
 * tensors) that restores the same next loss in a method built from other
 * random weights.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type BYOLOptions,
  barlowTwinsLoss,
  byolLoss,
  createMethod,
  defaultBatchSize,
  infoNceQueueLoss,
  METHOD_NAMES,
  type Method,
  type MethodConfig,
  type MoCoV2Options,
  negativeCosineLoss,
  ntXentLoss,
  type SwAVOptions,
  sinkhorn,
  spectralContrastiveLoss,
  swavLoss,
  type VICRegOptions,
  vicregLoss,
} from '../../src/methods/index.ts';
import type { MethodName } from '../../src/methods/method.ts';
import { ConvNet, entriesUnder, type ImageEncoder, MLP, type Module } from '../../src/nn/index.ts';
import { SGD } from '../../src/optim/index.ts';
import { cat, Generator, nnf, noGrad, randint, randn, type Tensor, tensor, tidy } from '../../src/tensor/index.ts';
import { assertClose } from '../helpers/close.ts';
import { infoNceReference, tensorRows } from './reference.ts';

const B = 8;

/**
 * The labels of `batchOf` are 0…9: 10 classes, or for DANN 5 classes × 2 domains (ℓ = class + 5·domain), so
 * both of its terms see both kinds of rows.
 */
const classesOf = (name: MethodName) => (name === 'dann' ? { numClasses: 5, numDomains: 2 } : { numClasses: 10 });
const smallHeads: Record<string, Record<string, unknown>> = {
  mocov2: { queueSize: 64 },
  swav: { prototypes: 16 },
};

function build(name: MethodConfig['name'], seed: number): { method: Method; encoder: ImageEncoder; g: Generator } {
  const g = new Generator(seed);
  const encoder = new ConvNet({ widths: [8, 16, 32], generator: g });
  const method = createMethod(
    { name, ...smallHeads[name] },
    { encoder, makeEncoder: () => new ConvNet({ widths: [8, 16, 32] }), generator: g, ...classesOf(name) },
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

// ---------------------------------------------------------------------------
// forward() against the method's loss function on heads evaluated by hand

const WIDTHS = [8, 16, 32];
const HEADS = { hiddenDim: 64, outDim: 16 };

/** Options away from the defaults, so that a method that ignores one (μ, τ, λ, ε…) computes another loss. */
const HAND_CASES: { name: MethodName; options: Record<string, unknown> }[] = [
  { name: 'spectral', options: { mu: 4, ...HEADS } }, // rows of the BN projection have norm ≈ 4 > √μ = 2: clipped
  { name: 'simclr', options: { temperature: 0.3, ...HEADS } },
  { name: 'mocov2', options: { temperature: 0.15, queueSize: 32, ...HEADS } },
  { name: 'mocov2', options: { temperature: 0.3, queueSize: 32, symmetric: true, ...HEADS } },
  { name: 'byol', options: { tauBase: 0.9, ...HEADS, predictorHiddenDim: 32 } },
  { name: 'simsiam', options: { projectorLayers: 3, ...HEADS, predictorHiddenDim: 8 } },
  {
    name: 'swav',
    options: { temperature: 0.2, epsilon: 0.08, sinkhornIterations: 5, prototypes: 12, ...HEADS },
  },
  { name: 'barlowtwins', options: { lambda: 0.02, ...HEADS } },
  { name: 'vicreg', options: { invarianceWeight: 10, varianceWeight: 15, covarianceWeight: 2, ...HEADS } },
  { name: 'supervised', options: {} },
  { name: 'dann', options: { lambda: 0.7, schedule: 'constant', domainHiddenDim: 24 } },
];

function buildWith(name: MethodName, seed: number, options: Record<string, unknown>) {
  const g = new Generator(seed);
  const encoder = new ConvNet({ widths: WIDTHS, generator: g });
  const method = createMethod(
    { name, ...options },
    { encoder, makeEncoder: () => new ConvNet({ widths: WIDTHS }), generator: g, ...classesOf(name) },
  );
  return { method, encoder };
}

/** A network of the given modules loaded from `state` under `prefix` (`target.encoder.…`, `target.projector.…`). */
function networkFrom(state: Record<string, Tensor>, prefix: string, head: Module) {
  const encoder = new ConvNet({ widths: WIDTHS });
  encoder.loadStateDict(entriesUnder(state, `${prefix}encoder.`));
  head.loadStateDict(entriesUnder(state, `${prefix}projector.`));
  return {
    forward: (x: Tensor) => head.forward(encoder.forward(x)),
    dispose: () => [encoder, head].map((m) => m.dispose()),
  };
}

/** A method's resolved options, typed as its file declares them. */
const optionsOf = <O>(m: Method): O => m.config as unknown as O;

interface ByHand {
  loss: Tensor;
  embedding: Tensor;
  logs?: Record<string, Tensor>;
}

/** Cross-entropy of B×C logits with int64 labels, in float64 loops. */
function crossEntropyByHand(logits: Tensor, labels: Tensor): number {
  const [b, c] = logits.shape as [number, number];
  const v = logits.toArray();
  const y = labels.toArray().map(Number);
  let total = 0;
  for (let i = 0; i < b; i++) {
    const row = v.slice(i * c, (i + 1) * c);
    const m = Math.max(...row);
    total += m + Math.log(row.reduce((s, x) => s + Math.exp(x - m), 0)) - (row[y[i] as number] as number);
  }
  return total / b;
}

/**
 * The loss of each method from its parts: the encoder and the method's own
 * heads run here on each view, its state (target network, queue) taken from
 * `state`, then the loss function of losses.ts. `o` is the resolved config.
 */
const BY_HAND: Record<
  MethodName,
  (m: Method, e: ImageEncoder, x: [Tensor, Tensor], state: Record<string, Tensor>, labels: Tensor) => ByHand
> = {
  spectral(m, e, [x1, x2]) {
    const p = m.heads.child('projector');
    const [z1, z2] = [p.forward(e.forward(x1)), p.forward(e.forward(x2))];
    const r = spectralContrastiveLoss(z1, z2, m.config.mu as number);
    return { loss: r.loss, embedding: z1, logs: { part1: r.part1, part2: r.part2 } };
  },
  simclr(m, e, [x1, x2]) {
    const p = m.heads.child('projector');
    const [z1, z2] = [p.forward(e.forward(x1)), p.forward(e.forward(x2))];
    return { loss: ntXentLoss(z1, z2, m.config.temperature as number), embedding: z1 };
  },
  mocov2(m, e, [x1, x2], state) {
    const p = m.heads.child('projector');
    const c = optionsOf<MoCoV2Options>(m);
    const key = networkFrom(state, 'target.', new MLP([WIDTHS.at(-1) as number, c.hiddenDim, c.outDim]));
    const queue = state.queue as Tensor;
    const q1 = p.forward(e.forward(x1));
    let loss = infoNceQueueLoss(q1, nnf.normalize(key.forward(x2), 1), queue, c.temperature);
    if (c.symmetric) {
      const q2 = p.forward(e.forward(x2));
      loss = loss.add(infoNceQueueLoss(q2, nnf.normalize(key.forward(x1), 1), queue, c.temperature));
    }
    key.dispose();
    return { loss, embedding: q1 };
  },
  byol(m, e, [x1, x2], state) {
    const [p, q] = [m.heads.child('projector'), m.heads.child('predictor')];
    const c = optionsOf<BYOLOptions>(m);
    const target = networkFrom(
      state,
      'target.',
      new MLP([WIDTHS.at(-1) as number, c.hiddenDim, c.outDim], { batchNorm: true }),
    );
    const [z1, z2] = [p.forward(e.forward(x1)), p.forward(e.forward(x2))];
    const [t1, t2] = [target.forward(x1), target.forward(x2)];
    target.dispose();
    return { loss: byolLoss(q.forward(z1), t2).add(byolLoss(q.forward(z2), t1)), embedding: z1 };
  },
  simsiam(m, e, [x1, x2]) {
    const [p, q] = [m.heads.child('projector'), m.heads.child('predictor')];
    const [z1, z2] = [p.forward(e.forward(x1)), p.forward(e.forward(x2))];
    const loss = negativeCosineLoss(q.forward(z1), z2)
      .add(negativeCosineLoss(q.forward(z2), z1))
      .mul(0.5);
    return { loss, embedding: z1 };
  },
  swav(m, e, [x1, x2]) {
    const c = optionsOf<SwAVOptions>(m);
    const w = m.heads.child('prototypes').param('weight');
    const unitRows = w.div(w.norm(2, 1, true)); // the prototypes as forward must use them: unit rows
    const p = m.heads.child('projector');
    const [z1, z2] = [nnf.normalize(p.forward(e.forward(x1)), 1), nnf.normalize(p.forward(e.forward(x2)), 1)];
    const [s1, s2] = [z1.mm(unitRows.t()), z2.mm(unitRows.t())];
    const [q1, q2] = [s1, s2].map((s) => sinkhorn(s, c.epsilon, c.sinkhornIterations)) as [Tensor, Tensor];
    return { loss: swavLoss(s1, s2, q1, q2, c.temperature), embedding: z1 };
  },
  barlowtwins(m, e, [x1, x2]) {
    const p = m.heads.child('projector');
    const [z1, z2] = [p.forward(e.forward(x1)), p.forward(e.forward(x2))];
    const r = barlowTwinsLoss(z1, z2, m.config.lambda as number);
    return { loss: r.loss, embedding: z1, logs: { onDiagonal: r.onDiagonal, offDiagonal: r.offDiagonal } };
  },
  vicreg(m, e, [x1, x2]) {
    const p = m.heads.child('expander');
    const c = optionsOf<VICRegOptions>(m);
    const [z1, z2] = [p.forward(e.forward(x1)), p.forward(e.forward(x2))];
    const r = vicregLoss(z1, z2, {
      invariance: c.invarianceWeight,
      variance: c.varianceWeight,
      covariance: c.covarianceWeight,
    });
    return {
      loss: r.loss,
      embedding: z1,
      logs: { invariance: r.invariance, variance: r.variance, covariance: r.covariance },
    };
  },
  supervised(m, e, [x1], _state, labels) {
    const logits = m.heads.child('classifier').forward(e.forward(x1));
    return { loss: tensor(crossEntropyByHand(logits, labels), [], { dtype: 'float64' }), embedding: logits };
  },
  dann(m, e, [x1], _state, labels) {
    // ℓ = class + 5·domain; the class term averages the source rows (domain 0) only.
    const l = labels.toArray().map(Number);
    const features = e.forward(x1);
    const logits = m.heads.child('classifier').forward(features);
    const domainLogits = m.heads.child('domainClassifier').forward(features);
    const rows = (t: Tensor, keep: number[]) => t.indexSelect(0, tensor(Int32Array.from(keep), [keep.length]));
    const source = l.flatMap((v, i) => (v < 5 ? [i] : []));
    const classLoss = crossEntropyByHand(
      rows(logits, source),
      tensor(
        source.map((i) => (l[i] as number) % 5),
        [source.length],
      ).long(),
    );
    const domainLoss = crossEntropyByHand(
      domainLogits,
      tensor(
        l.map((v) => Math.floor(v / 5)),
        [l.length],
      ).long(),
    );
    return {
      loss: tensor(classLoss + domainLoss, [], { dtype: 'float64' }),
      embedding: logits,
      logs: {
        class: tensor(classLoss, [], { dtype: 'float64' }),
        domain: tensor(domainLoss, [], { dtype: 'float64' }),
        lambda: tensor(0.7),
      },
    };
  },
};

test('every method has a by-hand case', () => {
  assert.deepEqual([...new Set(HAND_CASES.map((c) => c.name))].sort(), [...METHOD_NAMES].sort());
});

for (const { name, options } of HAND_CASES) {
  test(`${name} ${JSON.stringify(options)}: forward is its loss on the encoder and heads run by hand on two different views`, () => {
    const { method, encoder } = buildWith(name, 21, options);
    for (const [k, v] of Object.entries(options)) assert.deepEqual(method.config[k], v, `config.${k}`);
    // The state a checkpoint would restore, from another seed: a target network and a queue unlike the online ones.
    const donor = buildWith(name, 22, options);
    const state = copyOf(tidy(() => donor.method.stateTensors()));
    donor.method.dispose();
    donor.encoder.dispose();
    method.loadStateTensors(state);
    if (name === 'swav') {
      // prototypes off the unit sphere, each row by another factor, as an optimizer step leaves them
      const w = method.heads.child('prototypes').param('weight');
      const rows = w.shape[0] as number;
      noGrad(() => tidy(() => void w.mul_(tensor(Array.from({ length: rows }, (_, i) => [0.5 + i / 4])))));
    }
    const batch = batchOf(23);
    const [x1, x2] = batch.views as [Tensor, Tensor];
    assert.ok(tidy(() => x1.sub(x2).abs().max().item()) > 1, 'the two views differ');
    tidy(() => {
      const hand = noGrad(() => BY_HAND[name](method, encoder, [x1, x2], state, batch.labels));
      const out = method.forward(encoder, batch, { step: 0, totalSteps: 100 });
      const loss = out.loss.item();
      assert.ok(Math.abs(loss) > 1e-3, `a loss far enough from 0 to compare, got ${loss}`);
      assertClose(loss, hand.loss.item(), { rtol: 1e-5, atol: 1e-6 }, `${name}: loss`);
      assertClose(out.embedding.toArray(), hand.embedding.toArray(), { rtol: 1e-5, atol: 1e-6 }, `${name}: embedding`);
      assert.deepEqual(
        Object.keys(out.logs ?? {}).sort(),
        Object.keys(hand.logs ?? {}).sort(),
        `${name}: logged parts`,
      );
      for (const [k, t] of Object.entries(hand.logs ?? {}))
        assertClose(out.logs?.[k]?.item() as number, t.item(), { rtol: 1e-5, atol: 1e-6 }, `${name}: logs.${k}`);
      if (name === 'mocov2') {
        // afterStep enqueues the keys forward computed: view 2's (and view 1's when symmetric), from the key network
        const keyNet = networkFrom(state, 'target.', new MLP([WIDTHS.at(-1) as number, HEADS.hiddenDim, HEADS.outDim]));
        const keys = noGrad(() => {
          const k2 = nnf.normalize(keyNet.forward(x2), 1);
          return options.symmetric ? cat([nnf.normalize(keyNet.forward(x1), 1), k2]) : k2;
        });
        keyNet.dispose();
        method.afterStep(encoder, { step: 0, totalSteps: 100 });
        const n = keys.shape[0] as number;
        assertClose(
          method.stateTensors().queue!.narrow(0, 0, n).toArray(),
          keys.toArray(),
          { rtol: 1e-5, atol: 1e-6 },
          'enqueued keys',
        );
      }
    });
    for (const t of [...Object.values(state), ...batch.views, batch.labels]) t.dispose();
    method.dispose();
    encoder.dispose();
  });
}

for (const name of METHOD_NAMES) {
  test(`${name}: finite loss, gradients on encoder and heads, falling loss, checkpoint round trip`, () => {
    const { method, encoder } = build(name, 1);
    const batch = batchOf(100);
    assert.equal(method.name, name);
    const labeled = name === 'supervised' || name === 'dann';
    assert.equal(method.views, labeled ? 1 : 2);
    assert.equal(method.needsLabels, labeled);
    assert.equal(method.needsDomains, name === 'dann');

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
