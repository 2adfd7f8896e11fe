/**
 * dashboard: `specl serve` stays responsive as runs pile up. Two run
 * collections are generated in a temporary folder, 5 and 500 finished runs
 * of 10,000 logged steps each (config.json, summary.json and a 10,000-line
 * metrics.jsonl per run; ten distinct curves, each run folder with its own
 * metrics file — hard links to the ten, where the file system allows, to
 * spare 1 GB of writes), a dashboard server is started over each, and
 * headless chromium (test/helpers/browser.ts) measures, each in a fresh
 * browser context:
 *   first-load      the runs list from navigation to every row drawn:
 *                   500 runs against 5 (target: ≤ 2× the time)
 *   compare         the comparison page of 10 runs against that of 1 run,
 *                   from navigation to every chart drawn (target: ≤ 3×),
 *                   on runs not read before (no server cache helps)
 *   points          every series response the pages got: the most points of
 *                   any curve against the points the page asked for (never
 *                   more; minima and maxima kept, see src/report/series.ts)
 * Lines: specl = the many-runs side, reference = the few-runs side, in
 * loads/s (higher is better), so ratio = t(few) ÷ t(many): ≥ 0.5 meets the
 * first target, ≥ 0.33 the second; stderr gives the times in ms and the
 * ratios the issue states (t(many) ÷ t(few)). The `points` line has
 * specl = points asked for, reference = most points sent: ratio ≥ 1.
 */
import { linkSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { type Dashboard, startDashboard } from '../src/dashboard/index.ts';
import { fakeConfig, writeRun } from '../test/dashboard/fixtures.ts';
import { launchBrowser } from '../test/helpers/browser.ts';
import { median } from './lib/timing.ts';
import type { BenchContext, Benchmark } from './lib/types.ts';

const STEPS = 10_000;
const DISTINCT = 10;

/** `count` finished runs under `dir`: run-000 … (seed i % 10, learning rate by i / 10, so every config is its own). */
function generate(dir: string, count: number, templates: string[]): string[] {
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = `run-${String(i).padStart(3, '0')}`;
    const run = join(dir, name);
    mkdirSync(join(run, 'checkpoints'), { recursive: true });
    const seed = i % DISTINCT;
    const r = { seed, config: { optimizer: { name: 'sgd', lr: 0.001 * (1 + Math.floor(i / DISTINCT)) } } };
    writeFileSync(join(run, 'config.json'), `${JSON.stringify(fakeConfig(r), null, 2)}\n`);
    writeFileSync(
      join(run, 'summary.json'),
      JSON.stringify({
        method: 'spectral',
        dataset: 'mnist',
        steps: STEPS,
        epochs: 1,
        seconds: STEPS * 0.05,
        imagesPerSecond: 1280,
        finalLoss: -1.5,
        evaluation: null,
      }),
    );
    try {
      linkSync(templates[seed] as string, join(run, 'metrics.jsonl'));
    } catch {
      writeRun(join(dir, '.scratch'), { seed, steps: STEPS });
      linkSync(join(dir, '.scratch', 'metrics.jsonl'), join(run, 'metrics.jsonl'));
      rmSync(join(dir, '.scratch'), { recursive: true, force: true });
    }
    names.push(name);
  }
  return names;
}

interface Measured {
  ms: number;
  asked: number;
  sent: number;
}

/** Loads `hash` in a fresh context, waits for the page to be ready; the time and the series points asked for and sent. */
async function load(
  browser: Browser,
  d: Dashboard,
  hash: string,
  ready: (p: Page) => Promise<void>,
): Promise<Measured> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(120_000);
  const checks: Promise<void>[] = [];
  let asked = 0;
  let sent = 0;
  page.on('response', (r) => {
    const m = /\/series\?max=(\d+)/.exec(r.url());
    if (!m) return;
    checks.push(
      r.json().then((j: { series: Record<string, { x: number[] }> }) => {
        asked = Math.max(asked, Number(m[1]));
        for (const c of Object.values(j.series)) sent = Math.max(sent, c.x.length);
        if (Object.values(j.series).some((c) => c.x.length > Number(m[1])))
          throw new Error(`${r.url()}: a curve with more points than asked for`);
      }),
    );
  });
  const t0 = performance.now();
  await page.goto(`${d.url}#${hash}`);
  await ready(page);
  const ms = performance.now() - t0;
  await Promise.all(checks);
  await context.close();
  return { ms, asked, sent };
}

const listReady = (rows: number) => async (p: Page) => {
  await p.waitForSelector('.page[data-page="runs"][data-ready]');
  const n = await p.locator('tr[data-run]').count();
  if (n !== rows) throw new Error(`the runs list shows ${n} rows, expected ${rows}`);
};

const compareReady = async (p: Page) => {
  await p.waitForSelector('.page[data-page="compare"][data-ready]');
  await p.waitForFunction(() => Number(document.querySelector('[data-chart="loss"]')?.getAttribute('data-points')) > 0);
};

async function run(ctx: BenchContext): Promise<void> {
  const repeats = ctx.options.repeats ?? 3;
  const root = mkdtempSync(join(tmpdir(), 'specl-bench-dashboard-'));
  let browser: Browser | null = null;
  const servers: Dashboard[] = [];
  try {
    ctx.log(`generating ${DISTINCT} metrics files of ${STEPS} steps, then 5 and 500 run folders`);
    const templates: string[] = [];
    for (let s = 0; s < DISTINCT; s++) {
      const t = join(root, 'templates', `seed-${s}`);
      writeRun(t, { seed: s, steps: STEPS });
      templates.push(join(t, 'metrics.jsonl'));
    }
    generate(join(root, 'few'), 5, templates);
    generate(join(root, 'many'), 500, templates);
    browser = await launchBrowser();
    const few = await startDashboard({ dirs: [join(root, 'few')], port: 0 });
    const many = await startDashboard({ dirs: [join(root, 'many')], port: 0 });
    servers.push(few, many);
    const ids = many.catalog.runs().map((r) => r.id);
    let asked = 0;
    let sent = 0;
    const note = (m: Measured) => {
      asked = Math.max(asked, m.asked);
      sent = Math.max(sent, m.sent);
      return m.ms;
    };
    // warm-up: the browser's first page, esbuild's bundle (made at server start)
    await load(browser, few, '/', listReady(5));
    const t5: number[] = [];
    const t500: number[] = [];
    for (let i = 0; i < repeats; i++) {
      t5.push(note(await load(browser, few, '/', listReady(5))));
      t500.push(note(await load(browser, many, '/', listReady(500))));
      ctx.log(`first load, repeat ${i + 1}: 5 runs ${t5[i]?.toFixed(0)} ms, 500 runs ${t500[i]?.toFixed(0)} ms`);
    }
    const one: number[] = [];
    const ten: number[] = [];
    for (let i = 0; i < repeats; i++) {
      // runs never read before by this server: 11 fresh ones per repeat
      const base = 11 * i;
      one.push(note(await load(browser, many, `/compare/${ids[base]}`, compareReady)));
      ten.push(note(await load(browser, many, `/compare/${ids.slice(base + 1, base + 11).join(',')}`, compareReady)));
      ctx.log(`comparison, repeat ${i + 1}: 1 run ${one[i]?.toFixed(0)} ms, 10 runs ${ten[i]?.toFixed(0)} ms`);
    }
    const [m5, m500, m1, m10] = [median(t5), median(t500), median(one), median(ten)] as number[];
    ctx.log(
      `first load: 5 runs ${m5?.toFixed(0)} ms, 500 runs ${m500?.toFixed(0)} ms: ${(m500 / m5).toFixed(2)}× (target ≤ 2)`,
    );
    ctx.log(
      `comparison: 1 run ${m1.toFixed(0)} ms, 10 runs ${m10.toFixed(0)} ms: ${(m10 / m1).toFixed(2)}× (target ≤ 3)`,
    );
    ctx.log(`series: at most ${sent} points per curve sent, ${asked} asked for, ${STEPS} logged`);
    ctx.emit({ case: 'first-load-500-vs-5-runs', specl: 1000 / m500, reference: 1000 / m5, unit: 'loads/s' });
    ctx.emit({ case: 'compare-10-vs-1-run', specl: 1000 / m10, reference: 1000 / m1, unit: 'loads/s' });
    ctx.emit({ case: 'points-per-curve', specl: asked, reference: sent, unit: 'points (asked ÷ most sent)' });
  } finally {
    await browser?.close();
    for (const s of servers) await s.close();
    rmSync(root, { recursive: true, force: true });
  }
}

export const dashboardBench: Benchmark = {
  name: 'dashboard',
  quick: false,
  description:
    'specl serve in chromium: runs list with 500 vs 5 runs, 10-run vs 1-run comparison, points sent per curve',
  run,
};
