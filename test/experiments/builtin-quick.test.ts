/**
 * `--quick` of every built-in experiment, end to end through the real
 * `specl` command on real MNIST / Fashion-MNIST: each grid finishes, every
 * cell is measured, results.md holds a table per metric and each claim's
 * verdict line, and the figures are SVG documents.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { GRAPH_METRICS } from '../../src/experiments/domain-connectivity.ts';
import {
  builtinExperiment,
  builtinExperiments,
  type ExperimentResults,
  expandGrid,
} from '../../src/experiments/index.ts';
import { specl } from '../helpers/cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'specl-quick-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('specl experiment list names every built-in', () => {
  const r = specl(['experiment', 'list']);
  assert.equal(r.status, 0, r.stderr);
  for (const b of builtinExperiments())
    assert.match(
      r.stdout,
      new RegExp(`^${b.name}\\s+${b.summary.slice(0, 20).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm'),
    );
});

for (const { name } of builtinExperiments()) {
  test(`${name} --quick runs end to end`, () => {
    const dir = join(tmp, name);
    const r = specl(['experiment', 'run', name, '--quick', '--out', dir], 900_000);
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    const spec = builtinExperiment(name, { quick: true });
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as ExperimentResults;
    assert.deepEqual(results.missing, []);
    assert.equal(results.cells.length, expandGrid(spec).length);
    for (const c of results.cells)
      for (const m of results.metrics.filter((x) => !spec.derived.some((d) => d.name === x))) {
        const v = c.metrics[m];
        // Accuracies lie in (0, 1]; graph quantities (connectivity's ρ, α, β, γ in [0, 1], (α − γ)/(α + γ) in [−1, 1]) may be 0.
        const ok = GRAPH_METRICS.has(m) ? (x: number) => x >= -1 && x <= 1 : (x: number) => x > 0 && x <= 1;
        assert.ok(typeof v === 'number' && ok(v), `${c.id} ${m} = ${v}`);
      }
    const md = readFileSync(join(dir, 'results.md'), 'utf8');
    for (const m of results.metrics)
      assert.match(md, new RegExp(`^## ${m.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    for (const c of [...results.claims, ...results.relations]) {
      assert.match(c.line, /: (holds|does not hold|inconclusive)$/);
      assert.ok(r.stdout.includes(c.line), `the verdict is printed: ${c.line}`);
      assert.ok(md.includes(`- ${c.line}`));
    }
    const figures = readdirSync(join(dir, 'figures'));
    assert.ok(figures.length >= 1);
    for (const f of figures)
      assert.match(
        readFileSync(join(dir, 'figures', f), 'utf8'),
        /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/,
      );
    assert.ok(existsSync(join(dir, 'experiment.json')));
  });
}

test('examples/experiment.yaml: a valid grid of 8 cells, every setting resolving (--dry-run), nothing written', () => {
  const root = new URL('../..', import.meta.url).pathname;
  const r = specl([
    'experiment',
    'run',
    join(root, 'examples/experiment.yaml'),
    '--dry-run',
    '--out',
    join(tmp, 'example'),
  ]);
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /^method=spectral,width=narrow,seed=0\s+spectral, batch 128\s+≈/m);
  assert.match(r.stdout, /^method=simclr,width=wide,seed=1\s+simclr, batch 256\s+≈/m);
  assert.match(r.stdout, /^8 cells, ≈/m);
  // A dry run plans in memory: nothing is written where the grid would run.
  assert.match(r.stdout, /cells \(for .*example\)/);
  assert.ok(!existsSync(join(tmp, 'example')), 'the dry run wrote nothing');
});
