/**
 * `specl report RUN`: a real run (27 steps on an image folder whose path and
 * class names hold markup, then `specl probe --label-efficiency` and
 * `specl knn`), its report written by the CLI and read back — the embedded
 * data and the tables' data-value attributes against the run's files read
 * here independently — and opened from disk in Chromium with JavaScript on
 * and off.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { launchBrowser } from '../../helpers/browser.ts';
import { specl } from '../../helpers/cli.ts';
import { CLASS_NAMES, MARKUP, markupDataset, tinyRun } from './fixture.ts';
import { cellValue, embeddedData, tableRows, unescapeHtml } from './parse.ts';

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;
type Json = Record<string, unknown>;
interface Line {
  type: string;
  step: number;
  [k: string]: unknown;
}
interface Data {
  kind: string;
  runs: Record<
    string,
    {
      config: Json;
      summary: Json;
      probe: Json;
      knn: Json;
      status: string;
      curves: Record<string, { x: number[]; y: number[]; points: number; downsampled: boolean }>;
      epochs: Line[];
      projection: {
        images: number;
        labels: number[];
        indices: number[];
        coords: number[][];
        ratio: number[];
        variance: number[];
        classes: string[];
      } | null;
      projectionNote: string | null;
    }
  >;
  charts: Record<string, { run: string; series: { curve: string }[] }>;
}

/** The value at a dotted key of a nested object. */
const at = (obj: unknown, key: string): unknown =>
  key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], obj);

let root: string;
let run: string;
let html: string;
let reportPath: string;
before(async () => {
  root = mkdtempSync(join(tmpdir(), 'specl-report-run-'));
  const data = await markupDataset(root);
  run = join(root, 'run');
  tinyRun(data, run);
  reportPath = join(root, 'out', 'report.html');
  const r = specl(['report', run, '--out', reportPath, '--projection', '60']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /wrote .*report\.html \(run report, \d+ KiB\)/);
  html = readFileSync(reportPath, 'utf8');
});
after(() => rmSync(root, { recursive: true, force: true }));

describe('the numbers of a run report are those of the run folder', () => {
  test('embedded data: config, summary, probe and knn as the files hold them', () => {
    const d = embeddedData<Data>(html);
    assert.equal(d.kind, 'run');
    const r = d.runs.run;
    assert.ok(r);
    assert.deepEqual(r.config, readJson(join(run, 'config.json')));
    assert.deepEqual(r.summary, readJson(join(run, 'summary.json')));
    assert.deepEqual(r.probe, readJson(join(run, 'probe.json')));
    assert.deepEqual(r.knn, readJson(join(run, 'knn.json')));
    assert.equal(r.status, 'finished');
  });

  test('embedded curves: every step and epoch line of metrics.jsonl, exactly', () => {
    const lines = readFileSync(join(run, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Line);
    const steps = lines.filter((l) => l.type === 'step');
    const epochs = lines.filter((l) => l.type === 'epoch');
    assert.ok(steps.length >= 10, `${steps.length} step lines`);
    const { curves, epochs: embedded } = embeddedData<Data>(html).runs.run as Data['runs'][string];
    for (const field of ['loss', 'part1', 'part2', 'lr', 'spread']) {
      const c = curves[field];
      assert.ok(c, `a ${field} curve`);
      assert.deepEqual(
        c.x,
        steps.map((l) => l.step),
        field,
      );
      assert.deepEqual(
        c.y,
        steps.map((l) => l[field]),
        field,
      );
      assert.equal(c.downsampled, false);
    }
    assert.deepEqual(
      curves.knn?.y,
      epochs.map((l) => l.knn),
    );
    assert.deepEqual(
      curves['epoch:spread']?.y,
      epochs.map((l) => l.spread),
    );
    assert.deepEqual(embedded, epochs);
    // images/s between consecutive step lines: batch · Δstep / Δseconds
    const batch = readJson<{ batchSize: number }>(join(run, 'config.json')).batchSize;
    const ips = curves.imagesPerSecond as { x: number[]; y: number[] };
    ips.x.forEach((step, i) => {
      const k = steps.findIndex((l) => l.step === step);
      const a = steps[k - 1] as Line;
      const b = steps[k] as Line;
      const want = (batch * (b.step - a.step)) / ((b.seconds as number) - (a.seconds as number));
      assert.ok(Math.abs((ips.y[i] as number) - want) <= 1e-9 * want, `images/s at step ${step}`);
    });
  });

  test('tables: each data-value is the exact number of its file', () => {
    const config = readJson<Json>(join(run, 'config.json'));
    const rows = tableRows(html, 'run:config');
    assert.ok(rows.length > 30);
    for (const [, value] of rows) {
      const key = value?.attrs['data-key'] as string;
      assert.deepEqual(JSON.parse(value?.attrs['data-value'] as string), at(config, key) ?? null, key);
    }
    const summary = readJson<Json>(join(run, 'summary.json'));
    const summaryRows = tableRows(html, 'run:summary').filter((r) => r[1]?.attrs['data-key']);
    assert.equal(summaryRows.length, 7);
    for (const [, v] of summaryRows) assert.equal(cellValue(v), at(summary, v?.attrs['data-key'] as string));

    const probe = readJson<{
      results: {
        features: string;
        linearProbe: number;
        trainAccuracy: number;
        dim: number;
        labelEfficiency: { perClass: number | string; mean: number; std: number }[];
      }[];
    }>(join(run, 'probe.json'));
    const probeRows = tableRows(html, 'run:probe');
    assert.equal(probeRows.length, 3);
    probe.results.forEach((r, i) => {
      const row = probeRows[i] as ReturnType<typeof tableRows>[number];
      assert.equal(row[0]?.text, r.features);
      assert.equal(cellValue(row[2]), r.dim);
      assert.equal(cellValue(row[3]), r.linearProbe);
      assert.equal(cellValue(row[4]), r.trainAccuracy);
    });
    const leRows = tableRows(html, 'run:label-efficiency');
    probe.results.forEach((r, i) => {
      const row = leRows[i] as ReturnType<typeof tableRows>[number];
      r.labelEfficiency.forEach((e, j) => {
        const c = row[j + 1];
        assert.equal(c?.attrs['data-per-class'], String(e.perClass));
        assert.equal(cellValue(c), e.mean);
        assert.equal(Number(c?.attrs['data-sd']), e.std);
      });
    });
    const knn = readJson<{ results: { knn: number; features: string }[] }>(join(run, 'knn.json'));
    const knnRows = tableRows(html, 'run:knn');
    knn.results.forEach((r, i) => {
      assert.equal(knnRows[i]?.[0]?.text, r.features);
      assert.equal(cellValue(knnRows[i]?.[3]), r.knn);
    });
    const epochs = readFileSync(join(run, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Line)
      .filter((l) => l.type === 'epoch');
    const epochRows = tableRows(html, 'run:epochs');
    assert.equal(epochRows.length, epochs.length);
    epochs.forEach((l, i) => {
      assert.equal(cellValue(epochRows[i]?.[2]), l.knn);
      assert.equal(cellValue(epochRows[i]?.[3]), l.spread);
      assert.equal(epochRows[i]?.[4]?.attrs['data-value'], String(l.collapsed));
    });
  });

  test('the projection: a stratified subset of the test split, PCA variances in order, shares summing below 1', () => {
    const p = embeddedData<Data>(html).runs.run?.projection;
    assert.ok(p, 'a projection');
    assert.equal(p.images, 60);
    assert.deepEqual(p.classes, [...CLASS_NAMES].sort());
    // 30 test images per class: 20 of each drawn
    for (let c = 0; c < 3; c++) assert.equal(p.labels.filter((y) => y === c).length, 20);
    assert.equal(new Set(p.indices).size, 60);
    assert.equal(p.coords.length, 60);
    assert.ok((p.variance[0] as number) >= (p.variance[1] as number));
    assert.ok((p.ratio[0] as number) + (p.ratio[1] as number) <= 1 + 1e-12);
    // The coordinates are centred: each axis has mean 0, and variance Σc²/(n−1) equal to its eigenvalue.
    for (const j of [0, 1]) {
      const col = p.coords.map((r) => r[j] as number);
      const mean = col.reduce((a, b) => a + b, 0) / col.length;
      assert.ok(Math.abs(mean) < 1e-9, `PC${j + 1} mean ${mean}`);
      const v = col.reduce((a, b) => a + b * b, 0) / (col.length - 1);
      assert.ok(Math.abs(v - (p.variance[j] as number)) <= 1e-9 * (p.variance[j] as number), `PC${j + 1} variance`);
    }
    const rows = tableRows(html, 'run:projection');
    assert.equal(cellValue(rows[0]?.[1]), p.variance[0]);
    assert.equal(cellValue(rows[1]?.[2]), p.ratio[1]);
  });
});

describe('markup in the run files is text', () => {
  test('a strict content security policy: only the page’s own script and stylesheet (by hash), data: images', () => {
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html);
    assert.ok(meta, 'a CSP meta tag');
    const policy = unescapeHtml(meta[1] as string);
    const directives = new Map(
      policy.split(';').map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name as string, values];
      }),
    );
    assert.deepEqual(directives.get('default-src'), ["'none'"]);
    assert.deepEqual(directives.get('img-src'), ['data:']);
    const hash = (t: string) => `'sha256-${createHash('sha256').update(t, 'utf8').digest('base64')}'`;
    const script = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1] as string);
    const style = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1] as string);
    assert.equal(script.length, 1);
    assert.equal(style.length, 1);
    assert.deepEqual(directives.get('script-src'), [hash(script[0] as string)]);
    assert.deepEqual(directives.get('style-src'), [hash(style[0] as string)]);
    assert.ok(!/\sstyle="/.test(html), 'no style attributes (the policy would block them)');
    assert.ok(!/(src|href)="(https?:)?\/\//.test(html), 'nothing fetched from anywhere');
  });

  test('in the file: only the report’s own two scripts, no element from the dataset’s name or class names', () => {
    assert.ok(html.includes(MARKUP) === false, 'the raw markup never appears');
    assert.equal((html.match(/<script/g) ?? []).length, 2, 'the data and the bundle');
    assert.ok(!/<img src=x/.test(html));
    assert.ok(html.includes('&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;'));
    // The embedded JSON gives the string back exactly.
    const d = embeddedData<Data>(html);
    assert.equal(((d.runs.run as Data['runs'][string]).config as { dataset: string }).dataset.endsWith(MARKUP), true);
    assert.ok(d.runs.run?.projection?.classes.includes('<img src=x onerror=alert(2)>'));
  });
});

/** Non-background pixels of a PNG screenshot: those farther than 24 (of 255, summed over RGB) from its corner pixel. */
async function inkPixels(png: Buffer): Promise<{ ink: number; total: number }> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const bg = [data[0], data[1], data[2]] as number[];
  let ink = 0;
  for (let i = 0; i < data.length; i += 3) {
    const d =
      Math.abs((data[i] as number) - (bg[0] as number)) +
      Math.abs((data[i + 1] as number) - (bg[1] as number)) +
      Math.abs((data[i + 2] as number) - (bg[2] as number));
    if (d > 24) ink++;
  }
  return { ink, total: info.width * info.height };
}

describe('the report in a real browser, from disk', () => {
  let browser: Browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  /** Opens the report; collects console errors, page errors and dialogs (an alert would be markup run as code). */
  async function open(
    javaScriptEnabled: boolean,
  ): Promise<{ page: Page; problems: string[]; close: () => Promise<void> }> {
    const context = await browser.newContext({ javaScriptEnabled, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    await page.goto(pathToFileURL(reportPath).href);
    return { page, problems, close: () => context.close() };
  }

  test('JavaScript off: every figure is a visible SVG with ink in it, the markup shown as text', async () => {
    const { page, problems, close } = await open(false);
    try {
      const charts = page.locator('figure[data-chart] svg');
      const n = await charts.count();
      assert.ok(n >= 5, `${n} curve figures`);
      for (let i = 0; i < n; i++) assert.ok(await charts.nth(i).isVisible(), `figure ${i} visible`);
      assert.equal(await page.locator('.u-wrap').count(), 0, 'no interactive chart without JavaScript');
      const loss = await inkPixels(await page.locator('figure[data-chart="run:loss"]').screenshot());
      assert.ok(loss.ink / loss.total > 0.02, `loss figure ink ${loss.ink} of ${loss.total}`);
      const proj = await inkPixels(await page.locator('#run-projection figure').screenshot());
      assert.ok(proj.ink / proj.total > 0.02, `projection ink ${proj.ink} of ${proj.total}`);
      // The dataset's markup and a class name as text, not as elements.
      const dataset = await page
        .locator('table[data-table="run:summary"] tr:nth-child(3) td:nth-child(2)')
        .textContent();
      assert.equal(dataset?.endsWith(MARKUP), true);
      assert.ok((await page.title()).includes(MARKUP));
      assert.equal(await page.locator('main img').count(), 0);
      assert.ok((await page.locator('#run-projection svg').textContent())?.includes('<img src=x onerror=alert(2)>'));
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });

  test('JavaScript on: the curves become zoomable uPlot charts that draw, no console error or CSP violation', async () => {
    const { page, problems, close } = await open(true);
    try {
      await page.waitForFunction(() => document.documentElement.dataset.interactive === 'ready', null, {
        timeout: 20_000,
      });
      const figures = await page.locator('figure[data-chart]').count();
      assert.equal(await page.locator('figure.live .u-wrap').count(), figures, 'one uPlot chart per curve figure');
      assert.equal(await page.locator('figure.live .static svg').first().isVisible(), false, 'the SVG gives way');
      const shot = await inkPixels(await page.locator('figure[data-chart="run:loss"] .u-wrap canvas').screenshot());
      assert.ok(shot.ink / shot.total > 0.02, `loss chart ink ${shot.ink} of ${shot.total}`);
      // The smoothing slider redraws without error.
      await page.locator('figure[data-chart="run:loss"] input.smoothing').evaluate((el) => {
        (el as HTMLInputElement).value = '0.9';
        el.dispatchEvent(new Event('input'));
      });
      assert.equal(await page.locator('figure[data-chart="run:loss"] .controls span').last().textContent(), '0.90');
      // The static figures that have no interactive version stay.
      assert.ok(await page.locator('#run-projection svg').isVisible());
      assert.deepEqual(problems, []);
    } finally {
      await close();
    }
  });
});

describe('an unfinished run', () => {
  test('without encoder.safetensors and summary.json: the page says so instead of the projection', async () => {
    const copy = join(root, 'unfinished');
    cpSync(run, copy, { recursive: true });
    rmSync(join(copy, 'encoder.safetensors'));
    rmSync(join(copy, 'summary.json'));
    const r = specl(['report', copy]);
    assert.equal(r.status, 0, r.stderr);
    const page = readFileSync(join(copy, 'report.html'), 'utf8');
    const d = embeddedData<Data>(page).runs.run as Data['runs'][string];
    assert.equal(d.projection, null);
    assert.match(d.projectionNote ?? '', /encoder\.safetensors is not there yet/);
    assert.match(page, /encoder\.safetensors is not there yet \(the run has not finished\)/);
    assert.equal(d.status, 'unfinished');
    assert.equal(tableRows(page, 'run:summary').length, 4, 'no summary numbers without summary.json');
  });
});
