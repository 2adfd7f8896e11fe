/** The method registry: names, resolved defaults (the papers' values), recipes, and errors on bad configs. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createMethod,
  defaultConfig,
  METHOD_NAMES,
  type MethodConfig,
  methodDefinition,
} from '../../src/methods/index.ts';
import { ConvNet } from '../../src/nn/index.ts';
import { Generator } from '../../src/tensor/index.ts';

const deps = () => {
  const g = new Generator(0);
  const encoder = new ConvNet({ widths: [8, 16], generator: g }); // featureDim 16
  return { encoder, makeEncoder: () => new ConvNet({ widths: [8, 16] }), generator: g, numClasses: 10, numDomains: 2 };
};

test('METHOD_NAMES lists the ten methods, spectral first', () => {
  assert.deepEqual(
    [...METHOD_NAMES],
    ['spectral', 'simclr', 'mocov2', 'byol', 'simsiam', 'swav', 'barlowtwins', 'vicreg', 'supervised', 'dann'],
  );
});

test('defaults: the authors’ spectral recipe, sized for ResNet-18 (large) and for the ConvNet (small)', () => {
  assert.deepEqual(defaultConfig('spectral', 'large'), {
    name: 'spectral',
    mu: 1,
    hiddenDim: 2048,
    outDim: 1000,
  });
  assert.deepEqual(
    { ...defaultConfig('spectral', 'small'), name: undefined },
    { ...defaultConfig('spectral', 'large'), hiddenDim: 512, outDim: 128, name: undefined },
  );
  const peers = Object.fromEntries(METHOD_NAMES.map((n) => [n, defaultConfig(n, 'large')]));
  assert.equal(peers.simclr!.temperature, 0.5);
  assert.equal(peers.mocov2!.temperature, 0.2);
  assert.equal(peers.mocov2!.momentum, 0.99);
  assert.equal(peers.mocov2!.queueSize, 4096);
  assert.equal(peers.byol!.tauBase, 0.99);
  assert.equal(peers.simsiam!.outDim, 2048);
  assert.equal(peers.simsiam!.predictorHiddenDim, 512);
  assert.equal(peers.swav!.prototypes, 3000);
  assert.equal(peers.swav!.epsilon, 0.05);
  assert.equal(peers.barlowtwins!.lambda, 0.0051);
  assert.deepEqual(
    [peers.vicreg!.invarianceWeight, peers.vicreg!.varianceWeight, peers.vicreg!.covarianceWeight],
    [25, 25, 1],
  );
  assert.throws(
    () => defaultConfig('spectral', 'medium' as 'small'),
    /encoder scale must be 'small' or 'large', got "medium"/,
  );
});

test('recipes are pure data: the published optimizer settings, read without building anything', () => {
  assert.deepEqual(methodDefinition('spectral').recipe, {
    optimizer: 'sgd',
    baseLr: 0.03,
    weightDecay: 5e-4,
    momentum: 0.9,
    warmupFraction: 0.0125,
  });
  assert.deepEqual(methodDefinition('barlowtwins').recipe, {
    optimizer: 'lars',
    baseLr: 0.2,
    weightDecay: 1.5e-6,
    momentum: 0.9,
    warmupFraction: 0.01,
  });
  assert.equal(methodDefinition('vicreg').recipe.weightDecay, 1e-6);
  assert.ok(Object.isFrozen(methodDefinition('simclr').recipe));
});

test('a method rebuilt from its resolved config has the same config; options override defaults', () => {
  for (const name of METHOD_NAMES) {
    const m = createMethod({ name }, deps());
    assert.deepEqual(m.config, defaultConfig(name, 'small'), `${name}: a ConvNet gets the small defaults`);
    assert.deepEqual(createMethod(m.config, deps()).config, m.config, `${name}: round trip`);
    m.dispose();
  }
  const m = createMethod({ name: 'spectral', mu: 10, outDim: 32 }, deps());
  assert.equal(m.config.mu, 10);
  assert.deepEqual(m.heads.child('projector').namedParameters().at(-1)?.[1].shape, [32], 'last BN has k = 32');
});

test('unknown names, unknown options and bad values are errors naming the method, option and expectation', () => {
  const d = deps();
  const bad = (config: Record<string, unknown>, re: RegExp) =>
    assert.throws(() => createMethod(config as MethodConfig, d), re);
  bad({ name: 'barlow' }, /methods: method must be one of spectral, simclr, mocov2, byol, .*, got "barlow"/);
  bad({}, /methods: method must be one of .*, got undefined/);
  bad({ name: 'spectral', mu: -1 }, /spectral: mu must be a finite number > 0, got -1/);
  bad({ name: 'spectral', mu: '1' }, /spectral: mu must be a finite number > 0, got "1" \(a string\)/);
  bad({ name: 'simclr', temprature: 0.1 }, /simclr: unknown option 'temprature' \(did you mean 'temperature'\?\)/);
  bad({ name: 'mocov2', queueSize: 10.5 }, /mocov2: queueSize must be a positive integer, got 10.5/);
  bad({ name: 'mocov2', momentum: 1 }, /mocov2: momentum must be a number in \[0, 1\), got 1/);
  bad({ name: 'mocov2', symmetric: 'yes' }, /mocov2: symmetric must be true or false, got "yes"/);
  bad({ name: 'byol', tauBase: -0.1 }, /byol: tauBase must be a number in \[0, 1\)/);
  bad({ name: 'simsiam', projectorLayers: 4 }, /simsiam: projectorLayers must be one of 2, 3, got 4/);
  bad({ name: 'swav', sinkhornIterations: 0 }, /swav: sinkhornIterations must be a positive integer, got 0/);
  bad({ name: 'barlowtwins', lambda: -1 }, /barlowtwins: lambda must be a finite number ≥ 0, got -1/);
  bad(
    { name: 'vicreg', varianceWeigth: 1 },
    /vicreg: unknown option 'varianceWeigth' \(did you mean 'varianceWeight'\?\)/,
  );
  // the optimizer is the trainer's, declared once there: a method has no optimizer options
  bad({ name: 'supervised', optimizer: 'adam' }, /supervised: unknown option 'optimizer'/);
  bad({ name: 'spectral', baseLr: 0.1 }, /spectral: unknown option 'baseLr'/);
});

test('SimSiam with projectorLayers 3 has the ImageNet projector: (Linear, BN, ReLU) ×2, Linear, BN without affine', () => {
  const m = createMethod({ name: 'simsiam', projectorLayers: 3 }, deps());
  const p = m.heads.child('projector');
  assert.deepEqual(
    p.namedChildren().map(([, c]) => c.constructor.name),
    ['Linear', 'BatchNorm1d', 'ReLU', 'Linear', 'BatchNorm1d', 'ReLU', 'Linear', 'BatchNorm1d'],
  );
  assert.equal(p.namedParameters().at(-1)?.[0], '6.bias', 'the output BN has no γ, β');
  m.dispose();
});
