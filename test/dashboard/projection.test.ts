/**
 * The feature projection in the dashboard, over a real run (a few steps of
 * `specl pretrain` on an image folder whose class names hold markup): the
 * coordinates /api/runs/:id/projection answers are those of the report's
 * featureProjection called here directly; the answer is computed once
 * (concurrent requests share it, a second request is served from the cache)
 * and again only when encoder.safetensors changes; while it is computed
 * (in a worker thread) the server answers other requests; a run without an
 * encoder, or whose encoder is a symlink out of its folder, says "no encoder
 * yet". In the browser: the scatter is drawn, and its legend's class names
 * are text.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import sharp from 'sharp';
import { type Dashboard, startDashboard } from '../../src/dashboard/index.ts';
import { featureProjection, type Projection } from '../../src/report/html/projection.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { specl } from '../helpers/cli.ts';
import { CLASS_NAMES, markupDataset } from '../report/html/fixture.ts';
import { get, writeRun } from './fixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'specl-dashboard-projection-'));
const runs = join(root, 'runs');
const run = join(runs, 'real');
let d: Dashboard;
let id = '';
let browser: Browser | null = null;

before(async () => {
  const data = await markupDataset(root, { train: 16, test: 12 });
  const r = specl([
    'pretrain',
    '--dataset',
    `folder:${data}`,
    '--epochs',
    '2',
    '--set',
    'logEvery=1',
    '--batch-size',
    '16',
    '--widths',
    '8,16,32',
    '--no-worker',
    '--no-evaluate',
    '--no-monitor',
    '--out',
    run,
  ]);
  assert.equal(r.status, 0, r.stderr);
  // a run without an encoder, and one whose encoder is a symlink to the real run's
  writeRun(join(runs, 'no-encoder'), { finished: false });
  writeRun(join(runs, 'linked-encoder'));
  symlinkSync(join(run, 'encoder.safetensors'), join(runs, 'linked-encoder', 'encoder.safetensors'));
  d = await startDashboard({ dirs: [runs], port: 0 });
  id = d.catalog.runs().find((x) => x.name === 'runs/real')?.id ?? '';
  assert.ok(id);
});
after(async () => {
  await browser?.close();
  await d?.close();
  rmSync(root, { recursive: true, force: true });
});

interface Answer {
  encoder: boolean;
  cached?: boolean;
  note?: string;
  projection?: Projection;
}

const projectionOf = async (runId: string): Promise<{ status: number; body: Answer; ms: number }> => {
  const t0 = performance.now();
  const r = await get(d.port, `/api/runs/${runId}/projection`, { timeoutMs: 120_000 });
  const ms = performance.now() - t0;
  assert.equal(r.status, 200, r.body);
  return { status: r.status, body: JSON.parse(r.body) as Answer, ms };
};

describe('the dashboard’s feature projection', () => {
  test('computed in a worker: the server answers other requests meanwhile, and two concurrent requests share one computation', async () => {
    assert.equal(d.projections.computed, 0);
    let projectedAt = 0;
    const first = projectionOf(id).then((a) => {
      projectedAt = performance.now();
      return a;
    });
    const second = projectionOf(id);
    // once the computation has started, the runs list still answers at once
    await new Promise((r) => setTimeout(r, 150));
    const t0 = performance.now();
    const list = await get(d.port, '/api/runs');
    const listedAt = performance.now();
    assert.equal(list.status, 200);
    const [a, b] = await Promise.all([first, second]);
    assert.ok(
      listedAt < projectedAt,
      `/api/runs answered after ${(listedAt - t0).toFixed(0)} ms, before the projection (${a.ms.toFixed(0)} ms)`,
    );
    assert.equal(d.projections.computed, 1, 'one computation for two requests');
    assert.equal(a.body.cached, false);
    assert.deepEqual(a.body.projection, b.body.projection);
  });

  test('a second request is served from the cache; a rewritten encoder is projected again', async () => {
    const again = await projectionOf(id);
    assert.equal(again.body.cached, true);
    assert.equal(d.projections.computed, 1);
    const later = new Date(Date.now() + 5000);
    utimesSync(join(run, 'encoder.safetensors'), later, later);
    const fresh = await projectionOf(id);
    assert.equal(fresh.body.cached, false);
    assert.equal(d.projections.computed, 2);
  });

  test('its coordinates are those of the report’s featureProjection (same points, within 1e-6)', async () => {
    const { body } = await projectionOf(id);
    const served = body.projection as Projection;
    const direct = await featureProjection(run, { images: 2000 });
    assert.equal(served.images, direct.images);
    assert.deepEqual(served.classes, direct.classes);
    assert.deepEqual([...served.classes].sort(), [...CLASS_NAMES].sort());
    assert.equal(served.weights, 'encoder.safetensors', 'the browser is told the file, not the path');
    // matched by test-split index, whatever the order
    const byIndex = new Map(direct.indices.map((ix, k) => [ix, k]));
    assert.equal(new Set(served.indices).size, served.indices.length);
    served.indices.forEach((ix, k) => {
      const j = byIndex.get(ix);
      assert.ok(j !== undefined, `point of test image ${ix} is in the direct projection`);
      assert.equal(served.labels[k], direct.labels[j]);
      for (const axis of [0, 1]) {
        const s = served.coords[k]?.[axis] as number;
        const t = direct.coords[j]?.[axis] as number;
        assert.ok(Math.abs(s - t) <= 1e-6, `image ${ix}, PC${axis + 1}: ${s} vs ${t}`);
      }
    });
    for (const [i, r] of served.ratio.entries()) assert.ok(Math.abs(r - (direct.ratio[i] as number)) <= 1e-6);
  });

  test('a run without an encoder (or with one that is a symlink out of its folder) says "no encoder yet"', async () => {
    for (const name of ['runs/no-encoder', 'runs/linked-encoder']) {
      const other = d.catalog.runs().find((x) => x.name === name)?.id as string;
      const { body } = await projectionOf(other);
      assert.equal(body.encoder, false, name);
      assert.match(body.note ?? '', /^no encoder yet/);
      assert.equal(body.projection, undefined);
    }
    assert.equal(d.projections.computed, 2, 'nothing computed for them');
  });

  test('in the browser: the run page draws the scatter, with its class names as text in the legend', async () => {
    browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
    page.setDefaultTimeout(60_000);
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    await page.goto(`${d.url}#/run/${id}`);
    await page.waitForSelector('[data-projection="ready"]');
    const scatter = page.locator('.projection');
    assert.equal(await scatter.getAttribute('data-points'), String(CLASS_NAMES.length * 12));
    const legend = await page.locator('ul.legend li').allTextContents();
    for (const name of CLASS_NAMES)
      assert.ok(
        legend.some((l) => l.startsWith(`${name} (12)`)),
        `${name} in the legend: ${JSON.stringify(legend)}`,
      );
    assert.equal(await page.evaluate(() => document.querySelectorAll('#app img').length), 0, 'no element from a name');
    // the canvas holds dots of the palette's first three colours (drawn at 75 % over white)
    const png = await page.locator('canvas[data-scatter]').screenshot({ path: join(root, 'scatter.png') });
    const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const near = (rgb: number[]) => {
      let n = 0;
      for (let i = 0; i < data.length; i += info.channels)
        if (rgb.every((c, j) => Math.abs((data[i + j] as number) - (0.75 * c + 0.25 * 255)) <= 24)) n++;
      return n;
    };
    for (const rgb of [
      [43, 108, 176],
      [192, 86, 33],
      [47, 133, 90],
    ])
      assert.ok(near(rgb) > 20, `dots of ${rgb}: ${near(rgb)} pixels`);
    // a run without an encoder says so
    const other = d.catalog.runs().find((x) => x.name === 'runs/no-encoder')?.id as string;
    await page.goto(`${d.url}#/run/${other}`);
    await page.waitForSelector('.page[data-ready]');
    assert.equal(await page.locator('[data-projection]').textContent(), 'no encoder yet');
    assert.deepEqual(problems, []);
    await page.close();
  });
});
