/**
 * The dashboard in a real browser (Debian's chromium through playwright-core):
 * a run that a child `specl pretrain` is training gains points on its chart
 * without a reload; two seeds of one configuration are grouped into a
 * mean ± sd band; an experiment page shows its tables, verdicts, figure and
 * cells, and a cell finishing appears without a reload; a comparison
 * follows its runs while one of them gains lines (written by a child
 * process that holds the run's lock); markup in run files is shown as text
 * and creates no element; no page breaks its content security policy, and
 * none asks for a /favicon.ico (the icon is inline). Screenshots are checked for content (the chart area is
 * not blank), not against pixel baselines.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import sharp from 'sharp';
import { type Dashboard, startDashboard } from '../../src/dashboard/index.ts';
import { builtinExperiment, collect, prepareExperiment } from '../../src/experiments/index.ts';
import { experimentFigures, experimentMarkdown } from '../../src/report/experiment-report.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { stepLine, until, writeRun } from './fixtures.ts';

const repo = new URL('../..', import.meta.url).pathname;
const holder = new URL('./hold-lock.ts', import.meta.url).pathname;
const bin = join(repo, 'bin/specl.js');
const root = mkdtempSync(join(tmpdir(), 'specl-dashboard-browser-'));
const runs = join(root, 'runs');
const shots = join(root, 'screenshots');
let d: Dashboard;
let browser: Browser;
const children: ChildProcess[] = [];

before(async () => {
  mkdirSync(runs, { recursive: true });
  mkdirSync(shots, { recursive: true });
  d = await startDashboard({ dirs: [runs], port: 0, rescanMs: 200, pollMs: 250 });
  browser = await launchBrowser();
});

after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await browser?.close();
  await d?.close();
  rmSync(root, { recursive: true, force: true });
});

/** A page that records CSP violations and script errors. */
async function newPage(): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(30_000);
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('request', (r) => {
    if (!r.url().startsWith('data:') && new URL(r.url()).pathname === '/favicon.ico')
      problems.push(`asked for ${r.url()}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { __csp: string[] }).__csp ??= [];
      (window as unknown as { __csp: string[] }).__csp.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  return { page, problems };
}

async function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []);
}

async function goto(page: Page, hash: string): Promise<void> {
  await page.goto(`${d.url}#${hash}`);
  await page.waitForSelector('.page[data-ready]');
}

/** How many pixels of the element's screenshot differ from its background (white) by more than a little. */
async function inkedPixels(page: Page, selector: string, name: string): Promise<{ inked: number; total: number }> {
  const png = await page
    .locator(selector)
    .first()
    .screenshot({ path: join(shots, `${name}.png`) });
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let inked = 0;
  for (let i = 0; i < data.length; i += info.channels)
    if (Math.max(255 - (data[i] as number), 255 - (data[i + 1] as number), 255 - (data[i + 2] as number)) > 40) inked++;
  return { inked, total: info.width * info.height };
}

/** Pixels near a colour (the band's fill over white). */
async function pixelsNear(page: Page, selector: string, rgb: [number, number, number], tol = 14): Promise<number> {
  const png = await page.locator(selector).first().screenshot();
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  let n = 0;
  for (let i = 0; i < data.length; i += info.channels)
    if (rgb.every((c, j) => Math.abs((data[i + j] as number) - c) <= tol)) n++;
  return n;
}

/** The text of the element (textContent: markup shown as text is text here too). */
const text = async (l: Locator) => (await l.textContent()) ?? '';

const runIdByName = (name: string) =>
  d.catalog
    .fresh()
    .runs()
    .find((r) => r.name === name)?.id;

describe('dashboard in a browser', () => {
  test('a run that a child process is training gains points on its chart without a reload', async () => {
    const out = join(runs, 'training');
    const child = spawn(
      process.execPath,
      [
        bin,
        'pretrain',
        '--train-size',
        '512',
        '--batch-size',
        '32',
        '--widths',
        '8,16,32',
        '--epochs',
        '4',
        '--no-monitor',
        '--no-evaluate',
        '--set',
        'logEvery=1',
        '--out',
        out,
      ],
      { cwd: repo, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    children.push(child);
    let stderr = '';
    child.stderr?.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    const stepLines = () =>
      existsSync(join(out, 'metrics.jsonl'))
        ? readFileSync(join(out, 'metrics.jsonl'), 'utf8')
            .split('\n')
            .filter((l) => l.startsWith('{"type":"step"')).length
        : 0;
    await until(
      'the training run to log its first steps',
      () => stepLines() >= 2 || child.exitCode !== null,
      180_000,
      200,
    );
    assert.equal(child.exitCode, null, `specl pretrain ended early: ${stderr}`);
    const id = runIdByName('runs/training');
    assert.ok(id, 'the new run is indexed');
    const { page, problems } = await newPage();
    await goto(page, '/');
    await page.waitForSelector(`tr[data-run="${id}"] [data-status="running"]`);
    await goto(page, `/run/${id}`);
    const chart = page.locator('[data-chart="loss"]');
    await page.waitForFunction(
      () => Number(document.querySelector('[data-chart="loss"]')?.getAttribute('data-points')) >= 1,
    );
    const before = Number(await chart.getAttribute('data-points'));
    await page.evaluate(() => {
      (window as unknown as { __sameDocument: number }).__sameDocument = 1;
    });
    await page.waitForFunction(
      (n) => Number(document.querySelector('[data-chart="loss"]')?.getAttribute('data-points')) > n + 1,
      before,
      { timeout: 150_000, polling: 200 },
    );
    const later = Number(await chart.getAttribute('data-points'));
    assert.ok(later > before + 1, `points: ${before} → ${later}`);
    assert.equal(
      await page.evaluate(() => (window as unknown as { __sameDocument?: number }).__sameDocument),
      1,
      'no reload',
    );
    // the chart's points are the run's lines so far (none lost, none twice)
    const logged = stepLines();
    assert.ok(later <= logged, `${later} points, ${logged} step lines`);
    const ink = await inkedPixels(page, '[data-chart="loss"] canvas', 'live-loss');
    assert.ok(ink.inked > 300, `the loss chart is drawn (${ink.inked} of ${ink.total} pixels inked)`);
    assert.deepEqual(await cspViolations(page), []);
    assert.deepEqual(problems, []);
    await page.close();
    child.kill('SIGINT');
  });

  test('two seeds of one configuration are grouped into a mean ± sd band', async () => {
    writeRun(join(runs, 'seeds', 'lr-a-seed0'), { seed: 0, steps: 300 });
    writeRun(join(runs, 'seeds', 'lr-a-seed1'), { seed: 1, steps: 300 });
    writeRun(join(runs, 'seeds', 'lr-b-seed0'), {
      seed: 0,
      steps: 300,
      config: { optimizer: { name: 'sgd', lr: 0.1 } },
    });
    const ids = ['lr-a-seed0', 'lr-a-seed1', 'lr-b-seed0'].map((n) => runIdByName(`runs/seeds/${n}`) as string);
    const { page, problems } = await newPage();
    await goto(page, '/');
    for (const id of ids) await page.locator(`[data-select="${id}"]`).check();
    await page.locator('[data-action="compare-seeds"]').click();
    await page.waitForSelector('.page[data-page="compare"][data-ready]');
    const loss = page.locator('[data-chart="loss"]');
    assert.equal(await loss.getAttribute('data-bands'), '1', 'the two seeds make one band');
    assert.equal(await loss.getAttribute('data-curves'), '1', 'the other configuration stays a curve');
    await page.waitForTimeout(300);
    // the band's fill: rgba(43, 108, 176, 0.2) over white
    const fill = await pixelsNear(page, '[data-chart="loss"] canvas', [213, 226, 239]);
    assert.ok(fill > 200, `the band is shaded (${fill} pixels of its fill)`);
    const ink = await inkedPixels(page, '[data-chart="loss"] canvas', 'band-loss');
    assert.ok(ink.inked > 300, `the chart is drawn (${ink.inked} pixels)`);
    const groupRow = page.locator('tr[data-group-row="2"]');
    assert.match(await text(groupRow), /2 seeds/);
    // ungrouped: three curves, no band
    await page.locator('[data-control="group-seeds"]').uncheck();
    await page.waitForSelector('.page[data-page="compare"][data-ready]');
    assert.equal(await page.locator('[data-chart="loss"]').getAttribute('data-bands'), '0');
    assert.equal(await page.locator('[data-chart="loss"]').getAttribute('data-curves'), '3');
    // smoothing and log y redraw the same chart without errors
    await page.locator('[data-control="smoothing"]').fill('0.9');
    await page.locator('[data-control="log-y"]').check();
    assert.deepEqual(await cspViolations(page), []);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('an experiment page: tables, verdicts, figure and cells linked to their runs, a cell finishing appears live', async () => {
    const dir = join(runs, 'experiments', 'dimension-quick');
    const spec = builtinExperiment('dimension', { quick: true });
    spec.claims = [{ text: 'k = 32 beats k = 2', metric: 'probe', a: { k: '32' }, b: { k: '2' }, expect: 'a>b' }];
    const file = prepareExperiment(dir, spec);
    assert.equal(file.cells.length, 2);
    const finish = (i: number, probe: number) => {
      const c = file.cells[i] as (typeof file.cells)[number];
      const cellDir = join(dir, 'cells', c.id);
      writeRun(cellDir, { seed: c.seed, steps: 16 });
      writeFileSync(
        join(cellDir, 'cell.json'),
        JSON.stringify({
          id: c.id,
          labels: c.labels,
          seed: c.seed,
          kind: c.kind,
          metrics: { probe },
          steps: 16,
          seconds: { train: 1, evaluate: 1 },
        }),
      );
      const results = collect(dir);
      writeFileSync(join(dir, 'results.md'), experimentMarkdown(results));
      mkdirSync(join(dir, 'figures'), { recursive: true });
      for (const [name, svg] of Object.entries(experimentFigures(results, spec.report)))
        writeFileSync(join(dir, 'figures', name), svg);
    };
    finish(0, 0.815);
    const id = d.catalog.fresh().experiments()[0]?.id as string;
    const { page, problems } = await newPage();
    await goto(page, '/');
    await page.locator(`tr[data-experiment="${id}"] a`).click();
    await page.waitForSelector('.page[data-page="experiment"][data-ready]');
    assert.equal(await page.locator('.page').getAttribute('data-cells-finished'), '1');
    assert.match(await text(page.locator('[data-metric="probe"] table')), /81\.50/);
    await page.waitForFunction(() => {
      const img = document.querySelector('img[data-figure="probe.svg"]') as HTMLImageElement | null;
      return img?.complete === true && img.naturalWidth > 0;
    });
    const figure = await inkedPixels(page, 'img[data-figure="probe.svg"]', 'experiment-figure');
    assert.ok(figure.inked > 300, `the figure is drawn (${figure.inked} pixels)`);
    await page.evaluate(() => {
      (window as unknown as { __sameDocument: number }).__sameDocument = 1;
    });
    // the second cell finishes while the page is open
    finish(1, 0.9);
    await page.waitForSelector('.page[data-cells-finished="2"]', { timeout: 30_000 });
    assert.equal(await page.evaluate(() => (window as unknown as { __sameDocument?: number }).__sameDocument), 1);
    const verdict = page.locator('[data-verdict]');
    assert.match(await text(verdict.first()), /k = 32 beats k = 2/);
    assert.match(await text(page.locator('[data-metric="probe"] table')), /90\.00/);
    await page.screenshot({ path: join(shots, 'experiment.png'), fullPage: true });
    // a cell links to its run's page
    await page.locator(`tr[data-cell="${file.cells[1]?.id}"] a`).click();
    await page.waitForSelector('.page[data-page="run"][data-ready]');
    const ink = await inkedPixels(page, '[data-chart="loss"] canvas', 'cell-run-loss');
    assert.ok(ink.inked > 300, `the cell's run chart is drawn (${ink.inked} pixels)`);
    assert.deepEqual(await cspViolations(page), []);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a comparison follows its runs: lines a child process appends to one of them appear without a reload', async () => {
    const doneDir = join(runs, 'live-compare', 'done');
    const growDir = join(runs, 'live-compare', 'growing');
    writeRun(doneDir, { seed: 0, steps: 20 });
    const growing = { seed: 1, steps: 10, finished: false };
    writeRun(growDir, growing);
    const child = spawn(process.execPath, ['--import', 'tsx', holder, growDir, '--append'], {
      cwd: repo,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    children.push(child);
    let out = '';
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
    });
    await until('the child to take the lock', () => out.includes('locked') || child.exitCode !== null, 60_000);
    assert.ok(out.includes('locked'), `the lock holder exited with ${child.exitCode}`);
    const ids = ['done', 'growing'].map((n) => runIdByName(`runs/live-compare/${n}`) as string);
    const { page, problems } = await newPage();
    await goto(page, `/compare/${ids.join(',')}`);
    assert.equal(await page.locator('[data-chart="loss"]').getAttribute('data-curves'), '2');
    assert.equal(await page.locator('[data-chart="loss"]').getAttribute('data-points'), '20');
    await page.waitForSelector(`tr[data-run="${ids[1]}"] [data-status="running"]`);
    await page.evaluate(() => {
      (window as unknown as { __sameDocument: number }).__sameDocument = 1;
    });
    // the child appends steps 11…50, in three bursts
    for (const [a, b] of [
      [11, 20],
      [21, 35],
      [36, 50],
    ] as const) {
      let text = '';
      for (let s = a; s <= b; s++) text += `${stepLine(growing, s)}\n`;
      child.stdin?.write(text);
      await page.waitForFunction(
        (n) => Number(document.querySelector('[data-chart="loss"]')?.getAttribute('data-points')) >= n,
        b,
        { timeout: 30_000, polling: 100 },
      );
    }
    // every appended line once: the loss chart's longest curve is the growing run's 50 steps
    await page.waitForTimeout(500);
    assert.equal(await page.locator('[data-chart="loss"]').getAttribute('data-points'), '50');
    // the stream's id is the lines reached in each run: 21 (20 steps + the epoch line) and 11 + 40
    assert.equal(await page.locator('.page').getAttribute('data-lines'), '21,51');
    assert.equal(
      await page.evaluate(() => (window as unknown as { __sameDocument?: number }).__sameDocument),
      1,
      'no reload',
    );
    const ink = await inkedPixels(page, '[data-chart="loss"] canvas', 'live-compare');
    assert.ok(ink.inked > 300, `the chart is drawn (${ink.inked} pixels)`);
    child.stdin?.end();
    assert.deepEqual(await cspViolations(page), []);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('the page carries its icon inline: no request for /favicon.ico', async () => {
    const { page, problems } = await newPage();
    await goto(page, '/');
    await page.waitForTimeout(500);
    assert.deepEqual(problems, []);
    const icon = await page.locator('link[rel="icon"]').getAttribute('href', { timeout: 1000 });
    assert.match(icon ?? '', /^data:image\/svg\+xml,/);
    await page.close();
  });

  test('markup in run files is shown as text: no element is created, no script runs', async () => {
    const method = '<script>window.__pwned = 1</script>';
    const dataset = '<img src=x onerror="window.__pwned = 2">';
    const note = '<b onmouseover="window.__pwned = 3">bold</b>';
    writeRun(join(runs, 'markup'), { method, dataset, config: { note } });
    const id = runIdByName('runs/markup') as string;
    const { page, problems } = await newPage();
    for (const hash of ['/', `/run/${id}`, `/compare/${id}`]) {
      await goto(page, hash);
      const app = page.locator('#app');
      const shown = await text(app);
      assert.ok(shown.includes(method), `${hash}: the method's markup appears as text`);
      assert.ok(shown.includes(dataset), `${hash}: the dataset's markup appears as text`);
      const created = await page.evaluate(() => document.querySelectorAll('#app script, #app img, #app b').length);
      assert.equal(created, 0, `${hash}: no element made from the run's strings`);
      assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    }
    await goto(page, `/run/${id}`);
    assert.ok((await text(page.locator('#app'))).includes(note), 'a config value with markup is text');
    assert.deepEqual(await cspViolations(page), []);
    assert.deepEqual(problems, []);
    await page.close();
  });
});
