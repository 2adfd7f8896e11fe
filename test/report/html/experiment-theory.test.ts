/**
 * `specl report` of an experiment folder (the quick dimension grid, run by
 * the CLI: two cells of 16 steps) and of a `specl theory optimum` folder:
 * the tables equal results.json and the theory JSON, every cell's link has
 * its target in the page, each cell's section holds its run's curves, and
 * the pages open in Chromium without an error.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { ExperimentResults } from '../../../src/experiments/index.ts';
import { launchBrowser } from '../../helpers/browser.ts';
import { specl } from '../../helpers/cli.ts';
import { cellValue, embeddedData, type ParsedCell, tableRows, unescapeHtml } from './parse.ts';

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

let root: string;
before(() => {
  root = mkdtempSync(join(tmpdir(), 'specl-report-exp-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

/** Opens `file` in Chromium with JavaScript on; returns the console errors and page errors. */
async function problemsIn(file: string): Promise<{ problems: string[]; live: number }> {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(pathToFileURL(file).href);
    await page.waitForFunction(() => document.documentElement.dataset.interactive === 'ready', null, {
      timeout: 20_000,
    });
    return { problems, live: await page.locator('figure.live').count() };
  } finally {
    await browser.close();
  }
}

describe('an experiment report', () => {
  let dir: string;
  let html: string;
  let results: ExperimentResults;
  before(() => {
    dir = join(root, 'dimension');
    const run = specl(['experiment', 'run', 'dimension', '--quick', '--out', dir], 600_000);
    assert.equal(run.status, 0, run.stderr);
    const r = specl(['report', dir]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /experiment report/);
    html = readFileSync(join(dir, 'report.html'), 'utf8');
    results = readJson<ExperimentResults>(join(dir, 'results.json'));
  });

  test('each metric table equals results.json: mean, sd, interval and seeds of every group', () => {
    assert.ok(results.metrics.length > 0);
    for (const metric of results.metrics) {
      const groups = results.groups.filter((g) => g.metrics[metric]);
      const rows = tableRows(html, `metric:${metric}`);
      assert.equal(rows.length, groups.length, metric);
      groups.forEach((g, i) => {
        const row = rows[i] ?? [];
        const m = g.metrics[metric];
        assert.ok(m);
        const axes = results.axes.map((a) => a.name);
        assert.deepEqual(
          row.slice(0, axes.length).map((c) => c.attrs['data-value']),
          axes.map((a) => g.labels[a]),
        );
        const cell = row[axes.length];
        assert.equal(cellValue(cell), m.mean);
        assert.equal(Number(cell?.attrs['data-sd']), m.sd);
        assert.equal(Number(cell?.attrs['data-low']), m.low);
        assert.equal(Number(cell?.attrs['data-high']), m.high);
        assert.equal(cellValue(row[axes.length + 2]), m.n);
      });
    }
    const cells = tableRows(html, 'cells');
    assert.equal(cells.length, results.cells.length + results.missing.length);
    for (const c of results.cells) {
      const row = cells.find((r) => r[0]?.text === c.id);
      assert.ok(row, c.id);
      for (const [m, v] of Object.entries(c.metrics)) {
        const cell: ParsedCell | undefined = row.find((x) => x.attrs['data-metric'] === m);
        assert.equal(cellValue(cell), v, `${c.id} ${m}`);
      }
    }
  });

  test('every link has its target, and each cell is linked to the section holding its run', () => {
    const ids = new Set([...html.matchAll(/ id="([^"]+)"/g)].map((m) => unescapeHtml(m[1] as string)));
    const hrefs = [...html.matchAll(/ href="#([^"]+)"/g)].map((m) => unescapeHtml(m[1] as string));
    assert.ok(hrefs.length > 0);
    for (const h of hrefs) assert.ok(ids.has(h), `link target #${h}`);
    for (const c of results.cells) {
      const link = new RegExp(`<a href="#([^"]+)" data-cell="${c.id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}">`).exec(
        html,
      );
      assert.ok(link, `a link to cell ${c.id}`);
      const start = html.indexOf(`<section id="${link[1]}" class="cell" data-cell="${c.id}">`);
      assert.ok(start >= 0, `the section of ${c.id}`);
      const end = html.indexOf('" class="cell" data-cell="', start + `<section id="${link[1]}" class="cell"`.length);
      const body = html.slice(start, end < 0 ? undefined : end);
      assert.match(body, /data-chart="[^"]*:loss"/, `${c.id}'s loss curve`);
      // The cell's curves are its own run folder's.
      const data = embeddedData<{ runs: Record<string, { curves: Record<string, { y: number[] }> }> }>(html);
      const lines = readFileSync(join(dir, 'cells', c.id, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; loss?: number })
        .filter((l) => l.type === 'step');
      assert.deepEqual(
        data.runs[link[1] as string]?.curves.loss?.y,
        lines.map((l) => l.loss),
      );
    }
  });

  test('the figures are inline SVG; the page opens without an error and its cells’ curves become interactive', async () => {
    assert.ok((html.match(/<svg /g) ?? []).length >= results.cells.length + 1);
    const { problems, live } = await problemsIn(join(dir, 'report.html'));
    assert.deepEqual(problems, []);
    assert.ok(live >= results.cells.length, `${live} interactive charts`);
  });
});

describe('a theory report', () => {
  test('its numbers equal the check’s JSON and every figure file is shown', async () => {
    const dir = join(root, 'theory');
    const t = specl(['theory', 'optimum', '--out', dir]);
    assert.equal(t.status, 0, t.stderr);
    const r = specl(['report', dir, '--out', join(root, 'theory.html')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /theory report/);
    const html = readFileSync(join(root, 'theory.html'), 'utf8');
    const json = readJson<Record<string, unknown>>(join(dir, 'optimum.json'));
    const rows = tableRows(html, 'optimum:numbers');
    for (const [k, v] of Object.entries(json)) {
      if (typeof v !== 'number') continue;
      const row = rows.find((x) => x[1]?.attrs['data-key'] === k);
      assert.ok(row, k);
      assert.equal(cellValue(row[1]), v, k);
    }
    const eigen = tableRows(html, 'optimum:eigenvalues');
    assert.deepEqual(
      eigen.map((x) => cellValue(x[1])),
      json.eigenvalues,
    );
    const svgs = readdirSync(dir).filter((f) => f.endsWith('.svg'));
    assert.ok(svgs.length >= 2);
    const imgs = [...html.matchAll(/<img class="svg-file" alt="([^"]+)" src="data:image\/svg\+xml;base64,([^"]+)">/g)];
    assert.deepEqual(imgs.map((m) => m[1]).sort(), svgs.sort());
    for (const m of imgs)
      assert.equal(
        Buffer.from(m[2] as string, 'base64').toString('utf8'),
        readFileSync(join(dir, m[1] as string), 'utf8'),
      );
    assert.deepEqual(embeddedData<{ theory: { checks: Record<string, unknown> } }>(html).theory.checks.optimum, json);
    const { problems } = await problemsIn(join(root, 'theory.html'));
    assert.deepEqual(problems, []);
  });
});
