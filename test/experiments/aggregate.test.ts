/**
 * Aggregation, the derived gap Δ and the verdicts against hand computations
 * on fixed cell results (no training): the grid, the seeds, missing cells.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  aggregate,
  applyOverrides,
  type CellResult,
  expandGrid,
  specFrom,
  studentTQuantile,
  verdictOf,
} from '../../src/experiments/index.ts';

const spec = specFrom(
  {
    name: 'toy',
    description: 'fixed numbers',
    base: { dataset: 'mnist', epochs: 1 },
    axes: [
      { name: 'method', values: ['spectral', 'supervised'] },
      { name: 'ratio', key: 'imbalance.ratio', values: [1, 0.1] },
    ],
    seeds: [0, 1, 2],
    evaluation: { probe: true },
    derived: [{ name: 'delta', metric: 'probe', axis: 'ratio', reference: '1' }],
    claims: [
      {
        text: 'SSL loses less',
        metric: 'delta',
        a: { method: 'spectral', ratio: '0.1' },
        b: { method: 'supervised', ratio: '0.1' },
        expect: 'a<b',
      },
      {
        text: 'balanced spectral beats balanced supervised',
        metric: 'probe',
        a: { method: 'spectral', ratio: '1' },
        b: { method: 'supervised', ratio: '1' },
        expect: 'a>b',
      },
      {
        text: 'pooled over ratios',
        metric: 'probe',
        a: { method: 'spectral' },
        b: { method: 'supervised' },
        expect: 'a>b',
      },
    ],
  },
  'toy.yaml',
);
const grid = expandGrid(spec);

/** probe accuracy of each cell: method → ratio → seeds 0, 1, 2. */
const probe: Record<string, Record<string, number[]>> = {
  spectral: { '1': [0.9, 0.92, 0.94], '0.1': [0.88, 0.9, 0.93] },
  supervised: { '1': [0.95, 0.96, 0.94], '0.1': [0.8, 0.83, 0.85] },
};
const cells: CellResult[] = grid.map((c) => ({
  id: c.id,
  labels: c.labels,
  seed: c.seed,
  kind: c.kind,
  steps: 10,
  seconds: { train: 1, evaluate: 1 },
  metrics: { probe: probe[c.labels.method as string]?.[c.labels.ratio as string]?.[c.seed] as number },
}));

test('the grid: the first axis slowest, seeds innermost, ids naming every label', () => {
  assert.deepEqual(
    grid.map((c) => c.id),
    [
      'method=spectral,ratio=1,seed=0',
      'method=spectral,ratio=1,seed=1',
      'method=spectral,ratio=1,seed=2',
      'method=spectral,ratio=0.1,seed=0',
      'method=spectral,ratio=0.1,seed=1',
      'method=spectral,ratio=0.1,seed=2',
      'method=supervised,ratio=1,seed=0',
      'method=supervised,ratio=1,seed=1',
      'method=supervised,ratio=1,seed=2',
      'method=supervised,ratio=0.1,seed=0',
      'method=supervised,ratio=0.1,seed=1',
      'method=supervised,ratio=0.1,seed=2',
    ],
  );
  const c = grid[4];
  assert.deepEqual(c?.settings, {
    dataset: 'mnist',
    epochs: 1,
    method: { name: 'spectral' },
    imbalance: { ratio: 0.1 },
    seed: 1,
  });
});

test('groups: mean, sd and the 95 % t-interval of each, by hand', () => {
  const r = aggregate(spec, grid, cells);
  assert.deepEqual(r.metrics, ['probe', 'delta']);
  const g = r.groups.find((x) => x.labels.method === 'supervised' && x.labels.ratio === '0.1');
  const m = g?.metrics.probe;
  assert.ok(m);
  const mean = (0.8 + 0.83 + 0.85) / 3;
  const sd = Math.sqrt(((0.8 - mean) ** 2 + (0.83 - mean) ** 2 + (0.85 - mean) ** 2) / 2);
  assert.ok(Math.abs(m.mean - mean) < 1e-12 && Math.abs(m.sd - sd) < 1e-12);
  assert.ok(Math.abs(m.high - (mean + (studentTQuantile(0.975, 2) * sd) / Math.sqrt(3))) < 1e-12);
  assert.deepEqual(m.values, { '0': 0.8, '1': 0.83, '2': 0.85 });
  assert.equal(r.missing.length, 0);
});

test('Δ = (A(n,1) − A(n,r)) / A(n,1) per seed, and the claims’ verdicts from the paired difference', () => {
  const r = aggregate(spec, grid, cells);
  const deltas = (method: string) =>
    [0, 1, 2].map(
      (s) =>
        ((probe[method]?.['1']?.[s] as number) - (probe[method]?.['0.1']?.[s] as number)) /
        (probe[method]?.['1']?.[s] as number),
    );
  const dSsl = deltas('spectral');
  const dSl = deltas('supervised');
  const g = r.groups.find((x) => x.labels.method === 'spectral' && x.labels.ratio === '0.1');
  assert.deepEqual(
    Object.values(g?.metrics.delta?.values ?? {}).map((v) => v.toFixed(12)),
    dSsl.map((v) => v.toFixed(12)),
  );
  assert.equal(r.groups.find((x) => x.labels.ratio === '1')?.metrics.delta, undefined, 'the reference has no gap');
  // Claim 1: Δ_SSL − Δ_SL per seed, all negative and tight: holds.
  const diffs = dSsl.map((v, i) => v - (dSl[i] as number));
  const mean = diffs.reduce((a, b) => a + b, 0) / 3;
  const c1 = r.claims[0];
  assert.ok(c1?.difference && Math.abs(c1.difference.mean - mean) < 1e-12);
  assert.equal(c1?.verdict, 'holds');
  assert.match(
    c1?.line ?? '',
    /^SSL loses less: delta of method=spectral, ratio=0\.1 − method=supervised, ratio=0\.1 = -?\d+\.\d\d ± \d+\.\d\d % \(3 seeds, 95 % interval \[-?\d+\.\d\d, -?\d+\.\d\d\]; expected < 0\): holds$/,
  );
  // Claim 2: spectral − supervised at r = 1: −0.05, −0.04, 0.00 → the interval straddles 0? mean −0.03, sd 0.0265…
  const d2 = [0.9 - 0.95, 0.92 - 0.96, 0.94 - 0.94];
  const m2 = (d2[0] + d2[1] + d2[2]) / 3;
  const s2 = Math.sqrt(d2.reduce((a, x) => a + (x - m2) ** 2, 0) / 2);
  const hi = m2 + (studentTQuantile(0.975, 2) * s2) / Math.sqrt(3);
  assert.ok(hi > 0, 'the hand computation straddles 0');
  assert.equal(r.claims[1]?.verdict, 'inconclusive');
  // Claim 3 pools both ratios per seed: mean over the two groups of each side.
  const pooled = [0, 1, 2].map(
    (s) =>
      ((probe.spectral?.['1']?.[s] as number) + (probe.spectral?.['0.1']?.[s] as number)) / 2 -
      ((probe.supervised?.['1']?.[s] as number) + (probe.supervised?.['0.1']?.[s] as number)) / 2,
  );
  assert.ok(Math.abs((r.claims[2]?.difference?.mean as number) - pooled.reduce((a, b) => a + b, 0) / 3) < 1e-12);
  assert.match(r.claims[2]?.line ?? '', /\(mean of 2 groups\)/);
});

test('verdictOf: holds, does not hold, inconclusive; one seed is inconclusive', () => {
  const s = (low: number, high: number, n = 3) => ({
    n,
    mean: (low + high) / 2,
    sd: 1,
    low,
    high,
    halfWidth: (high - low) / 2,
  });
  assert.equal(verdictOf(s(0.1, 0.3), 'a>b'), 'holds');
  assert.equal(verdictOf(s(-0.3, -0.1), 'a>b'), 'does not hold');
  assert.equal(verdictOf(s(-0.1, 0.3), 'a>b'), 'inconclusive');
  assert.equal(verdictOf(s(-0.3, -0.1), 'a<b'), 'holds');
  assert.equal(verdictOf(s(0.2, 0.2, 1), 'a>b'), 'inconclusive');
});

test('missing cells: the groups use the seeds finished, a claim without a shared seed is "not measured"', () => {
  const part = cells.filter((c) => !(c.labels.method === 'supervised' && c.labels.ratio === '0.1'));
  const r = aggregate(spec, grid, part);
  assert.equal(r.missing.length, 3);
  assert.equal(r.claims[0]?.verdict, 'not measured');
  assert.match(r.claims[0]?.line ?? '', /not measured yet/);
  // Finished in another order: the same results.
  assert.deepEqual(aggregate(spec, grid, [...cells].reverse()), aggregate(spec, grid, cells));
});

test('applyOverrides: dotted keys, and a method given by name keeps its name under method.* overrides', () => {
  assert.deepEqual(applyOverrides({ method: 'simclr' }, { 'method.outDim': 8 }), {
    method: { name: 'simclr', outDim: 8 },
  });
  assert.deepEqual(applyOverrides({ method: { name: 'spectral', mu: 2 } }, { method: 'simclr', batchSize: 64 }), {
    method: { name: 'simclr', mu: 2 },
    batchSize: 64,
  });
  const base = { encoder: { widths: [4, 8] } };
  assert.deepEqual(applyOverrides(base, { 'encoder.channelsLast': false }), {
    encoder: { widths: [4, 8], channelsLast: false },
  });
  assert.deepEqual(base, { encoder: { widths: [4, 8] } }, 'the base is not changed');
});

test('specFrom names the file and the field', () => {
  const bad = (raw: object, re: RegExp) => assert.throws(() => specFrom({ name: 'x', ...raw }, 'my.yaml'), re);
  bad({ axes: [{ name: 'seed', values: [1] }] }, /^OptionError: my\.yaml: axes\[0\]\.name must be/);
  bad({ axes: [{ name: 'b', values: [] }] }, /my\.yaml: axes\[0\]\.values must be a non-empty list/);
  bad({ axes: [{ name: 'b', values: [1, 1] }] }, /my\.yaml: axes\[0\]\.values must be distinct labels, got "1"/);
  bad({ seeds: [0, 0] }, /my\.yaml: seeds must be distinct seeds/);
  bad({ base: { seed: 3 } }, /my\.yaml: base\.seed must be absent \(the seeds are the grid’s\)/);
  bad(
    { evaluation: { probe: false } },
    /my\.yaml: evaluation must be at least one of probe, knn, labelEfficiency, domains and connectivity/,
  );
  bad(
    { claims: [{ text: 't', metric: 'knn', a: {}, b: {}, expect: 'a>b' }] },
    /my\.yaml: claims\[0\]\.metric must be a metric \(probe\)/,
  );
  bad(
    {
      axes: [{ name: 'm', key: 'method', values: ['spectral'] }],
      claims: [{ text: 't', metric: 'probe', a: { m: 'simclr' }, b: {}, expect: 'a>b' }],
    },
    /my\.yaml: claims\[0\]\.a\.m must be one of spectral, got "simclr"/,
  );
  bad({ colour: 1 }, /my\.yaml: colour must be absent \(the keys are name, description/);
  bad(
    { evaluation: { transfer: { mnist: 'fashion-mnist' } }, base: { dataset: 'fashion-mnist' } },
    /an entry for every dataset of the grid \(cell seed=0 is on fashion-mnist\)/,
  );
});
