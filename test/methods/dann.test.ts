/**
 * DANN (Ganin et al. 2016): the reversal coefficient's schedule against its
 * closed form; the encoder's gradient equals ∇(class term) − λ·∇(domain
 * term) and the domain head's equals +∇(domain term), each gradient taken
 * separately by autograd on the same heads without the reversal layer; the
 * target rows' class labels do not reach the loss or any gradient; a batch
 * without source images has class term 0; the refusals.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMethod, dannLambda, type Method } from '../../src/methods/index.ts';
import { ConvNet, type ImageEncoder } from '../../src/nn/index.ts';
import { Generator, nnf, randn, type Tensor, tensor, tidy } from '../../src/tensor/index.ts';
import { assertClose } from '../helpers/close.ts';

const B = 8;
const K = 3;

function build(options: Record<string, unknown> = {}, numDomains = 2): { method: Method; encoder: ImageEncoder } {
  const g = new Generator(5);
  const encoder = new ConvNet({ widths: [4, 8, 8], generator: g });
  const method = createMethod(
    { name: 'dann', domainHiddenDim: 12, ...options },
    { encoder, makeEncoder: () => new ConvNet({ widths: [4, 8, 8] }), generator: g, numClasses: K, numDomains },
  );
  return { method, encoder };
}

const views = (seed: number) => [randn([B, 1, 28, 28], { generator: new Generator(seed) }).keep()];
const labelsOf = (l: number[]) => tensor(l, [l.length]).long().keep();

/** Gradients of every encoder and head parameter after `loss().backward()`, as host arrays by name. */
function gradients(method: Method, encoder: ImageEncoder, loss: () => Tensor): Map<string, number[]> {
  encoder.zeroGrad();
  method.heads.zeroGrad();
  tidy(() => loss().backward());
  const out = new Map<string, number[]>();
  for (const [prefix, m] of [
    ['encoder.', encoder],
    ['heads.', method.heads],
  ] as const)
    for (const [n, p] of m.namedParameters()) out.set(prefix + n, p.grad ? p.grad.toArray() : []);
  return out;
}

test('dannLambda: λ·(2/(1+e^(−10p)) − 1) with ganin, λ with constant', () => {
  const o = { lambda: 0.8, schedule: 'ganin' as const };
  assert.equal(dannLambda(o, { step: 0, totalSteps: 100 }), 0);
  assertClose(dannLambda(o, { step: 100, totalSteps: 100 }), 0.8 * (2 / (1 + Math.exp(-10)) - 1), { rtol: 1e-14 });
  assertClose(dannLambda(o, { step: 25, totalSteps: 100 }), 0.8 * (2 / (1 + Math.exp(-2.5)) - 1), { rtol: 1e-14 });
  assert.equal(dannLambda({ lambda: 0.8, schedule: 'constant' }, { step: 3, totalSteps: 100 }), 0.8);
});

test('dann: encoder gradient = ∇class − λ·∇domain, domain head gradient = +∇domain (autograd without the reversal)', () => {
  const lambda = 0.6;
  const { method, encoder } = build({ lambda, schedule: 'constant' });
  const x = views(1);
  // classes 0…2, domains 0/1: ℓ = class + 3·domain
  const l = [0, 4, 2, 5, 1, 3, 2, 5];
  const labels = labelsOf(l);
  const source = l.map((v): number => (v < K ? 1 : 0));
  const y = labelsOf(l.map((v) => v % K));
  const d = labelsOf(l.map((v) => Math.floor(v / K)));
  const w = tensor(source, [B]).keep();
  const classifier = method.heads.child('classifier');
  const domainHead = method.heads.child('domainClassifier');
  const classTerm = () => {
    const logits = classifier.forward(encoder.forward(x[0] as Tensor));
    return nnf
      .crossEntropy(logits, y, { reduction: 'none' })
      .mul(w)
      .sum()
      .div(source.reduce((a, b) => a + b, 0));
  };
  const domainTerm = () => nnf.crossEntropy(domainHead.forward(encoder.forward(x[0] as Tensor)), d);
  const gClass = gradients(method, encoder, classTerm);
  const gDomain = gradients(method, encoder, domainTerm);
  const gDann = gradients(
    method,
    encoder,
    () => method.forward(encoder, { views: x, labels }, { step: 0, totalSteps: 1 }).loss,
  );
  let checked = 0;
  for (const [name, g] of gDann) {
    const c = gClass.get(name) as number[];
    const dm = gDomain.get(name) as number[];
    const expected = name.startsWith('encoder.')
      ? g.map((_, i) => (c[i] ?? 0) - lambda * (dm[i] ?? 0))
      : name.startsWith('heads.domainClassifier.')
        ? dm
        : c;
    assert.equal(g.length, expected.length, name);
    for (let i = 0; i < g.length; i++)
      assertClose(g[i] as number, expected[i] as number, { rtol: 1e-4, atol: 1e-6 }, name);
    checked += g.length;
  }
  assert.ok(checked > 1000, `compared ${checked} gradient entries`);
  // The loss value itself: class + domain (the reversal is the identity forward).
  const loss = tidy(() => method.forward(encoder, { views: x, labels }, { step: 0, totalSteps: 1 }).loss.item());
  assertClose(
    loss,
    tidy(() => classTerm().item() + domainTerm().item()),
    { rtol: 1e-5 },
  );
  for (const t of [...x, labels, y, d, w]) t.dispose();
  method.dispose();
  encoder.dispose();
});

test("dann: the target rows' class labels reach neither the loss nor a gradient; no source rows: class term 0", () => {
  const { method, encoder } = build({ schedule: 'constant' });
  const x = views(2);
  const a = labelsOf([0, 3, 1, 4, 2, 5, 0, 3]);
  const b = labelsOf([0, 5, 1, 3, 2, 4, 0, 4]); // same classes on source rows, other classes on target rows
  const ctx = { step: 0, totalSteps: 1 };
  const ga = gradients(method, encoder, () => method.forward(encoder, { views: x, labels: a }, ctx).loss);
  const gb = gradients(method, encoder, () => method.forward(encoder, { views: x, labels: b }, ctx).loss);
  for (const [name, g] of ga) assert.deepEqual(gb.get(name), g, name);
  const targetOnly = labelsOf([3, 4, 5, 3, 4, 5, 3, 4]);
  const logs = tidy(() => {
    const out = method.forward(encoder, { views: x, labels: targetOnly }, ctx);
    return { class: out.logs?.class?.item(), domain: out.logs?.domain?.item(), loss: out.loss.item() };
  });
  assert.equal(logs.class, 0);
  assert.ok(Number.isFinite(logs.loss) && logs.loss === logs.domain);
  for (const t of [...x, a, b, targetOnly]) t.dispose();
  method.dispose();
  encoder.dispose();
});

test('dann: refuses a dataset without domains, labels out of range and missing labels', () => {
  assert.throws(() => build({}, 1), /dann: the dataset must have at least 2 domains \(a union:SOURCE\+TARGET/);
  const { method, encoder } = build();
  const x = views(3);
  const ctx = { step: 0, totalSteps: 1 };
  const bad = labelsOf([0, 1, 2, 3, 4, 5, 6, 0]);
  assert.throws(
    () => method.forward(encoder, { views: x, labels: bad }, ctx),
    /dann: labels must be class \+ 3·domain in 0…5 \(3 classes, 2 domains\), got values from 0 to 6/,
  );
  assert.throws(() => method.forward(encoder, { views: x, labels: null }, ctx), /dann: batches must carry labels/);
  for (const t of [...x, bad]) t.dispose();
  method.dispose();
  encoder.dispose();
});
