/**
 * results.md and the figures of an experiment from fixed cell results: the
 * table cells are the hand-computed mean ± sd and interval, the verdicts are
 * listed, each figure draws one error bar per point with seeds to give one,
 * and the label-efficiency figure places `all` a decade past the largest m.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aggregate, type CellResult, expandGrid, specFrom, spread } from '../../src/experiments/index.ts';
import { experimentFigures, experimentMarkdown } from '../../src/report/experiment-report.ts';

const spec = specFrom(
  {
    name: 'toy',
    description: 'Fixed numbers.',
    base: { epochs: 1 },
    axes: [
      { name: 'method', values: ['spectral', 'pixels'] },
      { name: 'batch', key: 'batchSize', values: [32, 128] },
    ],
    seeds: [0, 1, 2],
    evaluation: { probe: true, labelEfficiency: { perClass: [1, 10, 'all'], seeds: [0] } },
    claims: [
      { text: 'spectral wins', metric: 'probe', a: { method: 'spectral' }, b: { method: 'pixels' }, expect: 'a>b' },
    ],
    report: { x: 'batch', series: 'method', logX: true },
  },
  'toy.yaml',
);
const grid = expandGrid(spec);
const value = (c: (typeof grid)[number], m: string) =>
  (c.labels.method === 'spectral' ? 0.9 : 0.8) +
  (c.labels.batch === '32' ? 0.01 : 0) +
  0.01 * c.seed +
  (m === 'probe@1' ? -0.3 : m === 'probe@10' ? -0.1 : 0);
const cells: CellResult[] = grid.map((c) => ({
  id: c.id,
  labels: c.labels,
  seed: c.seed,
  kind: c.kind,
  steps: 1,
  seconds: { train: 0, evaluate: 0 },
  metrics: Object.fromEntries(['probe', 'probe@1', 'probe@10', 'probe@all'].map((m) => [m, value(c, m)])),
}));
const results = aggregate(spec, grid, cells);

test('results.md: a table per metric with mean ± sd, the interval and the seeds; the verdicts', () => {
  const md = experimentMarkdown(results);
  const s = spread([0.91, 0.92, 0.93]);
  const row = `| spectral | 32 | ${(s.mean * 100).toFixed(2)} ± ${(s.sd * 100).toFixed(2)} | [${(s.low * 100).toFixed(2)}, ${(s.high * 100).toFixed(2)}] | 3 |`;
  assert.ok(md.includes('## probe\n\n| method | batch | probe (%) | 95 % interval | seeds |'), md);
  assert.ok(md.includes(row), `${row}\n${md}`);
  assert.match(md, /^## probe@all$/m);
  assert.match(
    md,
    /## Verdicts\n\n- spectral wins: probe of method=spectral \(mean of 2 groups\) − method=pixels \(mean of 2 groups\) = 10\.00 ± 0\.00 points/,
  );
  assert.match(md, /= 12 cells; 12 finished\./);
});

test('figures: one per metric with an error bar per point; the label-efficiency curve with `all` past the largest m', () => {
  const f = experimentFigures(results, spec.report);
  assert.deepEqual(Object.keys(f).sort(), [
    'label-efficiency.svg',
    'probe.svg',
    'probe_1.svg',
    'probe_10.svg',
    'probe_all.svg',
  ]);
  const probe = f['probe.svg'] as string;
  // two series × two batch sizes, each with 3 seeds: four error bars, with their hover titles.
  assert.equal((probe.match(/<title>method spectral: /g) ?? []).length, 2);
  assert.equal((probe.match(/<title>method pixels: /g) ?? []).length, 2);
  assert.match(probe, />32</);
  assert.match(probe, />128</);
  const curve = f['label-efficiency.svg'] as string;
  for (const t of ['>1<', '>10<', '>all<']) assert.ok(curve.includes(t), t);
});
