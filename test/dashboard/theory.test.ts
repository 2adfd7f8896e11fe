/**
 * `specl theory … --out DIR` folders in the dashboard: a folder written by a
 * real `specl theory optimum --out` is indexed, its API answer holds its
 * numbers as the JSON file has them and its figures by name, and its page
 * in the browser shows the figures (drawn) and the numbers as tables. A
 * figure is served only under a name from the folder's own listing:
 * traversal through a figure name (plain, encoded, absolute), a file that is
 * not a figure, and a figure that is a symlink out of the folder are refused.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import sharp from 'sharp';
import { type Dashboard, startDashboard } from '../../src/dashboard/index.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { specl } from '../helpers/cli.ts';
import { get } from './fixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'specl-dashboard-theory-'));
const runs = join(root, 'runs');
const theory = join(runs, 'theory-optimum');
const outside = join(root, 'outside');
const SECRET = 'SECRET-MARKER-theory-51c2';
let d: Dashboard;
let id = '';
let browser: Browser | null = null;

before(async () => {
  const r = specl(['theory', 'optimum', '--out', theory]);
  assert.equal(r.status, 0, r.stderr);
  mkdirSync(outside, { recursive: true });
  writeFileSync(join(outside, 'secret.svg'), `<svg xmlns="http://www.w3.org/2000/svg"><text>${SECRET}</text></svg>`);
  // a figure name of the check's own pattern that is a symlink out of the folder
  symlinkSync(join(outside, 'secret.svg'), join(theory, 'optimum-leak.svg'));
  d = await startDashboard({ dirs: [runs], port: 0 });
  id = d.catalog.theories()[0]?.id ?? '';
  assert.ok(id, 'the theory folder is indexed');
});
after(async () => {
  await browser?.close();
  await d?.close();
  rmSync(root, { recursive: true, force: true });
});

interface Detail {
  name: string;
  checks: { check: string; figures: string[]; numbers: Record<string, unknown> }[];
}

describe('theory folders in the dashboard', () => {
  test('listed with the runs, its numbers as the JSON file holds them, its figures by name', async () => {
    const list = JSON.parse((await get(d.port, '/api/runs')).body) as { theory: { id: string; checks: string[] }[] };
    assert.deepEqual(list.theory, [{ id, name: 'runs/theory-optimum', checks: ['optimum'] }]);
    const detail = JSON.parse((await get(d.port, `/api/theory/${id}`)).body) as Detail;
    assert.equal(detail.checks.length, 1);
    const c = detail.checks[0] as Detail['checks'][number];
    assert.equal(c.check, 'optimum');
    assert.deepEqual(c.numbers, JSON.parse(readFileSync(join(theory, 'optimum.json'), 'utf8')));
    assert.deepEqual(c.figures, ['optimum-loss.svg', 'optimum-spectrum.svg'], 'the symlinked figure is not listed');
    for (const f of c.figures) {
      const r = await get(d.port, `/api/theory/${id}/figures/${f}`);
      assert.equal(r.status, 200);
      assert.equal(r.body, readFileSync(join(theory, f), 'utf8'));
      assert.match(String(r.headers['content-type']), /^image\/svg\+xml/);
      assert.match(String(r.headers['content-security-policy']), /sandbox/);
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
    }
  });

  test('traversal through a figure name, a file that is no figure, a symlink out: refused', async () => {
    const tries: [string, number[]][] = [
      [`/api/theory/${id}/figures/../../outside/secret.svg`, [400]],
      [`/api/theory/${id}/figures/..%2F..%2Foutside%2Fsecret.svg`, [400]],
      [`/api/theory/${id}/figures/%2e%2e%2foutside%2fsecret.svg`, [400]],
      [`/api/theory/${id}/figures/%2Fetc%2Fpasswd`, [400]],
      [`/api/theory/${id}/figures/..%5Coutside%5Csecret.svg`, [400]],
      [`/api/theory/${id}/figures/optimum-leak.svg`, [404]],
      [`/api/theory/${id}/figures/optimum.json`, [404]],
      [`/api/theory/${id}/figures/secret.svg`, [404]],
      [`/api/theory/${id}/figures/optimum-loss.svg/x`, [404]],
      [`/api/theory/000000000000/figures/optimum-loss.svg`, [404]],
      [`/api/theory/..%2F..%2Foutside`, [400]],
    ];
    for (const [path, statuses] of tries) {
      const r = await get(d.port, path);
      assert.ok(statuses.includes(r.status), `${path}: ${r.status}`);
      assert.ok(!r.body.includes(SECRET), `${path} leaks nothing`);
    }
  });

  test('its page in the browser: the figures drawn, the numbers as tables', async () => {
    browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.setDefaultTimeout(30_000);
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    await page.goto(`${d.url}#/`);
    await page.locator(`tr[data-theory="${id}"] a`).click();
    await page.waitForSelector('.page[data-page="theory"][data-ready]');
    for (const f of ['optimum-loss.svg', 'optimum-spectrum.svg']) {
      await page.waitForFunction((name) => {
        const img = document.querySelector(`img[data-figure="${name}"]`) as HTMLImageElement | null;
        return img?.complete === true && img.naturalWidth > 0;
      }, f);
      const png = await page.locator(`img[data-figure="${f}"]`).screenshot({ path: join(root, `${f}.png`) });
      const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      let inked = 0;
      for (let i = 0; i < data.length; i += info.channels)
        if (Math.max(255 - (data[i] as number), 255 - (data[i + 1] as number), 255 - (data[i + 2] as number)) > 40)
          inked++;
      assert.ok(inked > 300, `${f} is drawn (${inked} pixels)`);
    }
    const json = JSON.parse(readFileSync(join(theory, 'optimum.json'), 'utf8')) as { k: number; eigenvalues: number[] };
    const scalars = page.locator('[data-check="optimum"] table[data-numbers=""]');
    assert.match((await scalars.textContent()) ?? '', new RegExp(`k${json.k}`));
    const eig = await page
      .locator('[data-check="optimum"] table[data-numbers="eigenvalues"] td[data-value]')
      .evaluateAll((tds) => tds.map((td) => Number(td.getAttribute('data-value'))));
    // the index column and the values, alternating
    assert.deepEqual(
      eig.filter((_, i) => i % 2 === 1),
      json.eigenvalues,
    );
    assert.equal(await page.locator('img[data-figure="optimum-leak.svg"]').count(), 0);
    assert.deepEqual(problems, []);
    await page.close();
  });
});
