/// <reference lib="dom" />
/**
 * The dashboard's one-page app (bundled by esbuild, inlined into the page
 * by nonce). Pages by the address's hash:
 *   #/                       runs list (filters, grouping by any config key) and experiments
 *   #/run/ID                 a run's curves, live over server-sent events
 *   #/compare/ID,ID[/seeds]  overlaid curves of several runs, live (one event stream for all);
 *                            /seeds: seeds grouped into mean ± sd bands
 *   #/experiment/ID          an experiment's tables, figures, verdicts and cells, live while it runs
 *   #/theory/ID              a `specl theory … --out DIR` folder: each check's figures and numbers
 * Everything from run files reaches the page as text (./dom.ts).
 */
import { downsampleMinMax, meanBand, type Series, seriesOf } from '../../report/series.ts';
import type { MetricLine } from '../../train/run-folder.ts';
import { type BandCurve, Chart, type Curve } from './charts.ts';
import { append, badge, fmt, getJson, h, pct, replace, select } from './dom.ts';
import { type ProjectionData, scatter } from './scatter.ts';
import { theoryNumbers } from './theory.ts';

type Leaf = string | number | boolean | null;

interface RunListing {
  id: string;
  name: string;
  status: string;
  method: string | null;
  dataset: string | null;
  seed: number | null;
  experiment: string | null;
  cell: string | null;
  labels: Record<string, string>;
  config: Record<string, Leaf>;
  steps: number | null;
  seconds: number | null;
  finalLoss: number | null;
  probe: number | null;
  knn: number | null;
}

interface ExperimentListing {
  id: string;
  name: string;
  experiment: string | null;
  cells: number;
  finished: number;
  running: number;
}

interface TheoryListing {
  id: string;
  name: string;
  checks: string[];
}

interface SeriesResponse {
  id: string;
  lines: number;
  max: number;
  series: Record<string, Series & { points: number }>;
}

interface MetricGroup {
  key: string;
  title: string;
  /** The curve compared across runs. */
  primary: string;
  names: (available: string[]) => string[];
}

const SPECIAL = new Set(['lr', 'imagesPerSecond', 'knn', 'spread', 'epoch:spread']);
const GROUPS: MetricGroup[] = [
  {
    key: 'loss',
    title: 'loss and its parts',
    primary: 'loss',
    names: (a) => ['loss', ...a.filter((n) => n !== 'loss' && !SPECIAL.has(n)).sort()].filter((n) => a.includes(n)),
  },
  { key: 'lr', title: 'learning rate', primary: 'lr', names: (a) => a.filter((n) => n === 'lr') },
  {
    key: 'imagesPerSecond',
    title: 'images/s',
    primary: 'imagesPerSecond',
    names: (a) => a.filter((n) => n === 'imagesPerSecond'),
  },
  { key: 'knn', title: 'kNN monitor (top-1, per epoch)', primary: 'knn', names: (a) => a.filter((n) => n === 'knn') },
  {
    key: 'spread',
    title: 'collapse monitor (spread of the embeddings)',
    primary: 'spread',
    names: (a) => ['spread', 'epoch:spread'].filter((n) => a.includes(n)),
  },
];

const app = document.getElementById('app') as HTMLElement;
let cleanup: (() => void)[] = [];
/** Chart settings kept across pages. */
const view = { smoothing: 0, logY: false };

function nav(): HTMLElement {
  return h(
    'header',
    { class: 'top' },
    h('a', { href: '#/', class: 'brand' }, 'specl dashboard'),
    h('a', { href: '#/' }, 'runs'),
  );
}

/** Points per curve to ask the server for: two (a minimum and a maximum) per pixel column of a chart. */
const maxPoints = (el: HTMLElement) => Math.max(100, Math.min(4000, 2 * Math.floor(el.clientWidth / 2 || 460)));

function chartControls(onChange: () => void): HTMLElement {
  const slider = h('input', {
    type: 'range',
    min: 0,
    max: 0.99,
    step: 0.01,
    value: view.smoothing,
    'data-control': 'smoothing',
  });
  const shown = h('span', {}, view.smoothing.toFixed(2));
  slider.addEventListener('input', () => {
    view.smoothing = Number(slider.value);
    shown.textContent = view.smoothing.toFixed(2);
    onChange();
  });
  const log = h('input', { type: 'checkbox', 'data-control': 'log-y' });
  log.checked = view.logY;
  log.addEventListener('change', () => {
    view.logY = log.checked;
    onChange();
  });
  return h(
    'div',
    { class: 'controls' },
    h('label', {}, 'smoothing (debiased EMA) ', slider, ' ', shown),
    h('label', {}, log, ' log y'),
    h('span', { class: 'muted' }, 'drag to zoom, double-click to zoom out'),
  );
}

function every(ms: number, f: () => Promise<void> | void): void {
  let busy = false;
  const t = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      await f();
    } catch {
      // the next tick tries again (a server restart, a file being rewritten)
    } finally {
      busy = false;
    }
  }, ms);
  cleanup.push(() => clearInterval(t));
}

/**
 * A run's curves as they grow: each metrics line pushed by the server is
 * turned into points (images/s from the step before it) and appended past
 * the curves' last step; a curve grown past twice `max` points is reduced
 * again (minima and maxima kept).
 */
class LiveCurves {
  private prevStep: MetricLine | null = null;
  constructor(
    readonly data: Record<string, Series>,
    private readonly batch: number | undefined,
    private readonly max: number,
  ) {}

  /** Adds one metrics line (its JSON text); false when it is not one. */
  add(text: string): boolean {
    let line: MetricLine;
    try {
      line = JSON.parse(text) as MetricLine;
    } catch {
      return false;
    }
    const fresh = seriesOf(this.prevStep && line.type === 'step' ? [this.prevStep, line] : [line], {
      batch: this.batch,
    });
    if (line.type === 'step') this.prevStep = line;
    if (line.type === 'event' && (line.event === 'resume' || line.event === 'restart')) this.prevStep = null;
    for (const [name, c] of Object.entries(fresh)) {
      const cur = this.data[name] ?? { x: [], y: [] };
      const last = cur.x.length ? (cur.x[cur.x.length - 1] as number) : Number.NEGATIVE_INFINITY;
      c.x.forEach((x, i) => {
        if (x > last) {
          cur.x.push(x);
          cur.y.push(c.y[i] as number);
        }
      });
      this.data[name] = cur.x.length > 2 * this.max ? downsampleMinMax(cur.x, cur.y, this.max) : cur;
    }
    return true;
  }
}

/** `f` at the next frame, once however often it is asked for before then. */
function onFrame(f: () => void): () => void {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      f();
    });
  };
}

const curvesOf = (s: SeriesResponse): Record<string, Series> =>
  Object.fromEntries(Object.entries(s.series).map(([k, v]) => [k, { x: v.x, y: v.y }]));

// ---------------------------------------------------------------- runs list

const listState = { method: '', dataset: '', status: '', groupBy: '', selected: new Set<string>() };

async function runsPage(page: HTMLElement): Promise<void> {
  const body = h('div', {});
  append(page, h('h1', {}, 'Runs'), body);
  const draw = (d: {
    runs: RunListing[];
    experiments: ExperimentListing[];
    theory?: TheoryListing[];
    missing: string[];
  }) => {
    const values = (f: (r: RunListing) => string | null) =>
      [...new Set(d.runs.map(f).filter((v): v is string => v !== null))].sort();
    const keys = [...new Set(d.runs.flatMap((r) => Object.keys(r.config)))].sort();
    const shown = d.runs.filter(
      (r) =>
        (!listState.method || r.method === listState.method) &&
        (!listState.dataset || r.dataset === listState.dataset) &&
        (!listState.status || r.status === listState.status),
    );
    const setFilter = (k: 'method' | 'dataset' | 'status' | 'groupBy', v: string) => {
      listState[k] = v;
      draw(d);
    };
    const compare = h(
      'button',
      {
        'data-action': 'compare',
        onclick: () => {
          if (listState.selected.size > 0) location.hash = `#/compare/${[...listState.selected].join(',')}`;
        },
      },
      `compare selected (${listState.selected.size})`,
    );
    const compareSeeds = h(
      'button',
      {
        'data-action': 'compare-seeds',
        onclick: () => {
          if (listState.selected.size > 0) location.hash = `#/compare/${[...listState.selected].join(',')}/seeds`;
        },
      },
      'compare, seeds grouped',
    );
    const controls = h(
      'div',
      { class: 'controls' },
      h(
        'label',
        {},
        'method ',
        select(
          values((r) => r.method),
          listState.method,
          (v) => setFilter('method', v),
          'all',
        ),
      ),
      h(
        'label',
        {},
        'dataset ',
        select(
          values((r) => r.dataset),
          listState.dataset,
          (v) => setFilter('dataset', v),
          'all',
        ),
      ),
      h(
        'label',
        {},
        'status ',
        select(
          ['running', 'finished', 'interrupted', 'failed'],
          listState.status,
          (v) => setFilter('status', v),
          'all',
        ),
      ),
      h(
        'label',
        {},
        'group by ',
        select(keys, listState.groupBy, (v) => setFilter('groupBy', v), 'none'),
      ),
      compare,
      compareSeeds,
    );
    const groups = new Map<string, RunListing[]>();
    for (const r of shown) {
      const k = listState.groupBy ? `${listState.groupBy} = ${String(r.config[listState.groupBy] ?? '—')}` : '';
      groups.set(k, [...(groups.get(k) ?? []), r]);
    }
    const tables = [...groups.entries()]
      .sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true }))
      .map(([k, rs]) =>
        h(
          'section',
          { 'data-group': k },
          k ? h('h2', {}, `${k} (${rs.length})`) : null,
          h(
            'table',
            { class: 'runs' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ...['', 'run', 'status', 'method', 'dataset', 'seed', 'steps', 'final loss', 'probe', 'kNN'].map((c) =>
                  h('th', {}, c),
                ),
              ),
            ),
            h(
              'tbody',
              {},
              ...rs.map((r) => {
                const box = h('input', { type: 'checkbox', 'data-select': r.id });
                box.checked = listState.selected.has(r.id);
                box.addEventListener('change', () => {
                  if (box.checked) listState.selected.add(r.id);
                  else listState.selected.delete(r.id);
                  compare.textContent = `compare selected (${listState.selected.size})`;
                });
                return h(
                  'tr',
                  { 'data-run': r.id },
                  h('td', {}, box),
                  h('td', {}, h('a', { href: `#/run/${r.id}` }, r.name)),
                  h('td', {}, badge(r.status)),
                  h('td', { 'data-field': 'method' }, r.method ?? '—'),
                  h('td', { 'data-field': 'dataset' }, r.dataset ?? '—'),
                  h('td', { class: 'num' }, fmt(r.seed)),
                  h('td', { class: 'num' }, fmt(r.steps)),
                  h('td', { class: 'num' }, fmt(r.finalLoss)),
                  h('td', { class: 'num' }, pct(r.probe)),
                  h('td', { class: 'num' }, pct(r.knn)),
                );
              }),
            ),
          ),
        ),
      );
    const experiments =
      d.experiments.length === 0
        ? null
        : h(
            'section',
            {},
            h('h2', {}, 'Experiments'),
            h(
              'table',
              {},
              h(
                'thead',
                {},
                h('tr', {}, ...['experiment', 'folder', 'cells finished', 'running'].map((c) => h('th', {}, c))),
              ),
              h(
                'tbody',
                {},
                ...d.experiments.map((e) =>
                  h(
                    'tr',
                    { 'data-experiment': e.id },
                    h('td', {}, h('a', { href: `#/experiment/${e.id}` }, e.experiment ?? e.name)),
                    h('td', {}, e.name),
                    h('td', { class: 'num' }, `${e.finished} / ${e.cells}`),
                    h('td', { class: 'num' }, e.running),
                  ),
                ),
              ),
            ),
          );
    const theory =
      (d.theory ?? []).length === 0
        ? null
        : h(
            'section',
            {},
            h('h2', {}, 'Theory folders'),
            h(
              'table',
              {},
              h('thead', {}, h('tr', {}, ...['folder', 'checks'].map((c) => h('th', {}, c)))),
              h(
                'tbody',
                {},
                ...(d.theory ?? []).map((t) =>
                  h(
                    'tr',
                    { 'data-theory': t.id },
                    h('td', {}, h('a', { href: `#/theory/${t.id}` }, t.name)),
                    h('td', {}, t.checks.join(', ')),
                  ),
                ),
              ),
            ),
          );
    replace(
      body,
      d.missing.length ? h('p', { class: 'error' }, `not found: ${d.missing.join(', ')}`) : null,
      experiments,
      theory,
      controls,
      h('p', { class: 'muted', 'data-count': shown.length }, `${shown.length} of ${d.runs.length} runs`),
      ...tables,
    );
  };
  draw(await getJson('/api/runs'));
  page.setAttribute('data-ready', '1');
  every(5000, async () => draw(await getJson('/api/runs')));
}

// ---------------------------------------------------------------- one run

function keyValueTable(rows: [string, string][]): HTMLElement {
  return h('table', {}, h('tbody', {}, ...rows.map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, v)))));
}

type RunDetail = RunListing & { summary: Record<string, unknown> | null; encoder: boolean };

/** The run's feature projection: asked for once its encoder exists (computed on the server, then kept). */
function projectionPanel(id: string): { el: HTMLElement; update(encoder: boolean): void } {
  const el = h('div', { 'data-projection': 'none' }, h('p', { class: 'muted' }, 'no encoder yet'));
  let asked = false;
  let alive = true;
  cleanup.push(() => {
    alive = false;
  });
  const load = async () => {
    el.setAttribute('data-projection', 'computing');
    replace(el, h('p', { class: 'muted' }, 'computing the projection of the test features…'));
    try {
      const a = await getJson<
        | { encoder: false; note: string }
        | { encoder: true; cached: boolean; seconds: number; projection: ProjectionData }
      >(`/api/runs/${id}/projection`);
      if (!alive) return;
      if (!a.encoder) {
        asked = false;
        el.setAttribute('data-projection', 'none');
        replace(el, h('p', { class: 'muted' }, 'no encoder yet'));
        return;
      }
      const p = a.projection;
      el.setAttribute('data-projection', 'ready');
      replace(
        el,
        h(
          'p',
          { class: 'muted' },
          `${p.images} of ${p.ofTest} test images (drawn per class), ${p.dim}-dimensional features of ${p.weights}, ` +
            'onto their first two principal components (PCA by libtorch)',
        ),
        scatter(p),
      );
    } catch (e) {
      if (!alive) return;
      asked = false;
      el.setAttribute('data-projection', 'error');
      replace(el, h('p', { class: 'error' }, (e as Error).message));
    }
  };
  return {
    el,
    update(encoder: boolean) {
      if (encoder && !asked) {
        asked = true;
        void load();
      }
    },
  };
}

async function runPage(page: HTMLElement, id: string): Promise<void> {
  const detail = await getJson<RunDetail>(`/api/runs/${id}`);
  const status = h('span', {}, badge(detail.status));
  const charts = h('div', { class: 'charts' });
  const figures = h('div', {});
  const projection = projectionPanel(id);
  let data: Record<string, Series> = {};
  const chartOf = new Map<string, Chart>();
  const render = () => {
    const names = Object.keys(data);
    for (const g of GROUPS) {
      const shown = g.names(names);
      if (shown.length === 0 && g.key !== 'loss') continue;
      let c = chartOf.get(g.key);
      if (!c) {
        c = new Chart(charts, g.title, g.key);
        chartOf.set(g.key, c);
      }
      c.update({
        title: g.title,
        curves: shown.map((n) => ({ label: n, x: data[n]?.x ?? [], y: data[n]?.y ?? [] })),
        smoothing: view.smoothing,
        logY: view.logY,
      });
    }
  };
  const drawFigures = (d: RunDetail) => {
    replace(status, badge(d.status));
    projection.update(d.encoder);
    replace(
      figures,
      keyValueTable([
        ['steps', fmt(d.steps)],
        ['seconds', fmt(d.seconds)],
        ['final loss', fmt(d.finalLoss)],
        ['linear probe (top-1)', pct(d.probe)],
        ['kNN (top-1)', pct(d.knn)],
      ]),
    );
  };
  append(
    page,
    h('h1', {}, detail.name, ' ', status),
    h('p', {}, `${detail.method ?? '—'} on ${detail.dataset ?? '—'}, seed ${fmt(detail.seed)}`),
    chartControls(render),
    charts,
    h('h2', {}, 'Final figures'),
    figures,
    h('h2', {}, 'Feature projection'),
    projection.el,
    h('h2', {}, 'Config'),
    keyValueTable(Object.entries(detail.config).map(([k, v]) => [k, v === null ? 'null' : String(v)])),
  );
  drawFigures(detail);
  const max = maxPoints(charts);
  const s = await getJson<SeriesResponse>(`/api/runs/${id}/series?max=${max}`);
  const live = new LiveCurves(
    curvesOf(s),
    typeof detail.config.batchSize === 'number' ? detail.config.batchSize : undefined,
    max,
  );
  data = live.data;
  page.setAttribute('data-lines', String(s.lines));
  render();
  page.setAttribute('data-ready', '1');

  // live: every line appended to metrics.jsonl after the ones the curves hold
  const later = onFrame(render);
  const es = new EventSource(`/api/runs/${id}/events?after=${s.lines}`);
  cleanup.push(() => es.close());
  es.onmessage = (ev) => {
    page.setAttribute('data-lines', ev.lastEventId);
    if (live.add(ev.data)) later();
  };
  es.addEventListener('reset', () => {
    es.close();
    route();
  });
  every(3000, async () => drawFigures(await getJson(`/api/runs/${id}`)));
}

// ---------------------------------------------------------------- comparison

/** A config without its seeds: the key of the runs that differ only in seed. */
function seedless(config: Record<string, Leaf>): string {
  const kept = Object.entries(config)
    .filter(([k]) => k.split('.').pop() !== 'seed')
    .map(([k, v]) => [k, typeof v === 'string' ? v.replace(/\bseed=\d+/g, 'seed=*') : v] as const)
    .sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify(kept);
}

/** `c` linearly interpolated at `grid` (NaN outside its range). */
function interpolate(c: Series, grid: number[]): Series {
  const y: number[] = [];
  let j = 0;
  for (const g of grid) {
    while (j + 1 < c.x.length && (c.x[j + 1] as number) < g) j++;
    const x0 = c.x[j] as number;
    const x1 = c.x[j + 1];
    if (c.x.length === 0 || g < (c.x[0] as number) || g > (c.x[c.x.length - 1] as number)) y.push(Number.NaN);
    else if (g === x0 || x1 === undefined) y.push(c.y[j] as number);
    else {
      const t = (g - x0) / (x1 - x0);
      y.push((c.y[j] as number) * (1 - t) + (c.y[j + 1] as number) * t);
    }
  }
  return { x: grid, y };
}

const meanSd = (vs: number[]) => {
  const f = vs.filter(Number.isFinite);
  if (f.length === 0) return '—';
  const m = f.reduce((s, v) => s + v, 0) / f.length;
  const sd = f.length > 1 ? Math.sqrt(f.reduce((s, v) => s + (v - m) ** 2, 0) / (f.length - 1)) : 0;
  return { m, sd, n: f.length };
};

async function comparePage(page: HTMLElement, ids: string[], bySeed: boolean): Promise<void> {
  const charts = h('div', { class: 'charts' });
  const toggle = h('input', { type: 'checkbox', 'data-control': 'group-seeds' });
  toggle.checked = bySeed;
  toggle.addEventListener('change', () => {
    location.hash = `#/compare/${ids.join(',')}${toggle.checked ? '/seeds' : ''}`;
  });
  const table = h('div', {});
  let render = () => {};
  append(
    page,
    h('h1', {}, `Comparing ${ids.length} runs`),
    h('div', { class: 'controls' }, h('label', {}, toggle, ' group by seed (mean ± sd band per group)')),
    chartControls(() => render()),
    charts,
    h('h2', {}, 'Final figures'),
    table,
  );
  const max = maxPoints(charts);
  const [details, answers] = await Promise.all([
    Promise.all(ids.map((id) => getJson<RunListing>(`/api/runs/${id}`))),
    Promise.all(ids.map((id) => getJson<SeriesResponse>(`/api/runs/${id}/series?max=${max}`))),
  ]);
  const live = answers.map(
    (a, i) =>
      new LiveCurves(
        curvesOf(a),
        typeof details[i]?.config.batchSize === 'number' ? (details[i]?.config.batchSize as number) : undefined,
        max,
      ),
  );
  // groups: runs whose configs differ only in seed (or each run alone)
  const groups = new Map<string, number[]>();
  details.forEach((d, i) => {
    const k = bySeed ? seedless(d.config) : d.id;
    groups.set(k, [...(groups.get(k) ?? []), i]);
  });
  const groupList = [...groups.values()];
  const varying = (() => {
    const keys = new Set(details.flatMap((d) => Object.keys(d.config)));
    return [...keys].filter(
      (k) => k.split('.').pop() !== 'seed' && new Set(details.map((d) => JSON.stringify(d.config[k]))).size > 1,
    );
  })();
  const groupLabel = (members: number[]) => {
    const d = details[members[0] as number] as RunListing;
    const parts = varying.map((k) => `${k}=${String(d.config[k])}`);
    return parts.length ? parts.join(', ') : `${d.method ?? 'run'} (${members.length} seeds)`;
  };
  const chartOf = new Map<string, Chart>();
  render = () => {
    for (const g of GROUPS) {
      const curves: Curve[] = [];
      const bands: BandCurve[] = [];
      for (const members of groupList) {
        const cs = members.map((i) => live[i]?.data[g.primary]).filter((c): c is Series => !!c);
        if (bySeed && cs.length >= 2) {
          const grid = [...cs].sort((a, b) => b.x.length - a.x.length)[0]?.x ?? [];
          const band = meanBand(cs.map((c) => interpolate(c, grid)));
          bands.push({ label: groupLabel(members), x: band.x, mean: band.mean, sd: band.sd, n: cs.length });
        } else
          for (const i of members) {
            const c = live[i]?.data[g.primary];
            if (c) curves.push({ label: (details[i] as RunListing).name, x: c.x, y: c.y });
          }
      }
      if (curves.length === 0 && bands.length === 0 && g.key !== 'loss') continue;
      let c = chartOf.get(g.key);
      if (!c) {
        c = new Chart(charts, g.key === 'loss' ? 'loss' : g.title, g.key);
        chartOf.set(g.key, c);
      }
      c.update({ title: g.title, curves, bands, smoothing: view.smoothing, logY: view.logY });
    }
  };
  render();
  const cols = ['run', 'status', 'method', 'dataset', 'seed', 'steps', 'seconds', 'final loss', 'probe', 'kNN'];
  const drawTable = () => {
    const rows = details.map((d) =>
      h(
        'tr',
        { 'data-run': d.id },
        h('td', {}, h('a', { href: `#/run/${d.id}` }, d.name)),
        h('td', {}, badge(d.status)),
        h('td', {}, d.method ?? '—'),
        h('td', {}, d.dataset ?? '—'),
        h('td', { class: 'num' }, fmt(d.seed)),
        h('td', { class: 'num' }, fmt(d.steps)),
        h('td', { class: 'num' }, fmt(d.seconds)),
        h('td', { class: 'num' }, fmt(d.finalLoss)),
        h('td', { class: 'num' }, pct(d.probe)),
        h('td', { class: 'num' }, pct(d.knn)),
      ),
    );
    const groupRows = !bySeed
      ? []
      : groupList
          .filter((m) => m.length >= 2)
          .map((members) => {
            const ds = members.map((i) => details[i] as RunListing);
            const cell = (f: (d: RunListing) => number | null, show: (v: number) => string) => {
              const s = meanSd(ds.map((d) => f(d) ?? Number.NaN));
              return h('td', { class: 'num' }, typeof s === 'string' ? s : `${show(s.m)} ± ${show(s.sd)}`);
            };
            const p = (v: number) => (v * 100).toFixed(2);
            return h(
              'tr',
              { 'data-group-row': members.length },
              h('td', {}, `mean ± sd: ${groupLabel(members)}`),
              h('td', {}),
              h('td', {}, ds[0]?.method ?? '—'),
              h('td', {}, ds[0]?.dataset ?? '—'),
              h('td', { class: 'num' }, `${members.length} seeds`),
              cell(
                (d) => d.steps,
                (v) => fmt(v),
              ),
              cell(
                (d) => d.seconds,
                (v) => fmt(v),
              ),
              cell(
                (d) => d.finalLoss,
                (v) => fmt(v),
              ),
              cell((d) => d.probe, p),
              cell((d) => d.knn, p),
            );
          });
    replace(
      table,
      h(
        'table',
        {},
        h('thead', {}, h('tr', {}, ...cols.map((c) => h('th', {}, c)))),
        h('tbody', {}, ...rows, ...groupRows),
      ),
    );
  };
  drawTable();
  page.setAttribute('data-ready', '1');

  // live: one event stream carries the new lines of every run (a browser opens only six connections to a server)
  const later = onFrame(render);
  const at = answers.map((a) => a.lines);
  const es = new EventSource(`/api/events?runs=${ids.join(',')}&after=${at.join(',')}`);
  cleanup.push(() => es.close());
  es.onmessage = (ev) => {
    const cut = ev.data.indexOf('\n');
    const i = ids.indexOf(ev.data.slice(0, cut));
    if (cut < 0 || i < 0) return;
    page.setAttribute('data-lines', ev.lastEventId);
    if (live[i]?.add(ev.data.slice(cut + 1))) later();
  };
  es.addEventListener('reset', () => {
    es.close();
    route();
  });
  // the table's figures (status, steps, final loss) as the runs finish
  every(3000, async () => {
    const fresh = await Promise.all(ids.map((id) => getJson<RunListing>(`/api/runs/${id}`)));
    fresh.forEach((d, i) => {
      details[i] = d;
    });
    drawTable();
  });
}

// ---------------------------------------------------------------- experiment

interface ExperimentDetail {
  id: string;
  name: string;
  experiment: string | null;
  description: string | null;
  results: {
    axes?: { name: string }[];
    metrics?: string[];
    groups?: {
      labels: Record<string, string>;
      metrics: Record<string, { n: number; mean: number; sd: number; low: number; high: number }>;
    }[];
    claims?: { line: string; verdict: string }[];
    relations?: { line: string; verdict: string }[];
    missing?: string[];
  } | null;
  markdown: string | null;
  figures: string[];
  cells: {
    id: string;
    labels: Record<string, string>;
    seed: unknown;
    kind: unknown;
    status: string;
    run: string | null;
    metrics: Record<string, number> | null;
    steps: unknown;
  }[];
}

const metricShown = (v: number) => (Math.abs(v) <= 1.5 ? (v * 100).toFixed(2) : fmt(v));

async function experimentPage(page: HTMLElement, id: string): Promise<void> {
  const body = h('div', {});
  append(page, body);
  let figuresShown = '';
  const figures = h('div', { class: 'figures' });
  const draw = (d: ExperimentDetail) => {
    const r = d.results;
    const axes = (r?.axes ?? []).map((a) => a.name);
    const tables = (r?.metrics ?? []).map((m) =>
      h(
        'section',
        { 'data-metric': m },
        h('h3', {}, m),
        h(
          'table',
          {},
          h('thead', {}, h('tr', {}, ...[...axes, 'mean ± sd', '95 % interval', 'seeds'].map((c) => h('th', {}, c)))),
          h(
            'tbody',
            {},
            ...(r?.groups ?? [])
              .filter((g) => g.metrics[m])
              .map((g) => {
                const s = g.metrics[m] as { n: number; mean: number; sd: number; low: number; high: number };
                return h(
                  'tr',
                  {},
                  ...axes.map((a) => h('td', {}, g.labels[a] ?? '—')),
                  h(
                    'td',
                    { class: 'num' },
                    s.n > 1 ? `${metricShown(s.mean)} ± ${metricShown(s.sd)}` : metricShown(s.mean),
                  ),
                  h('td', { class: 'num' }, s.n > 1 ? `[${metricShown(s.low)}, ${metricShown(s.high)}]` : '—'),
                  h('td', { class: 'num' }, s.n),
                );
              }),
          ),
        ),
      ),
    );
    const verdicts = [...(r?.claims ?? []), ...(r?.relations ?? [])];
    const metricNames = [...new Set(d.cells.flatMap((c) => Object.keys(c.metrics ?? {})))].sort();
    const cells = h(
      'table',
      { class: 'cells' },
      h('thead', {}, h('tr', {}, ...['cell', 'status', 'seed', 'steps', ...metricNames].map((c) => h('th', {}, c)))),
      h(
        'tbody',
        {},
        ...d.cells.map((c) =>
          h(
            'tr',
            { 'data-cell': c.id, 'data-status': c.status },
            h('td', {}, c.run ? h('a', { href: `#/run/${c.run}` }, c.id) : c.id),
            h('td', {}, badge(c.status)),
            h('td', { class: 'num' }, fmt(c.seed)),
            h('td', { class: 'num' }, fmt(c.steps)),
            ...metricNames.map((m) =>
              h('td', { class: 'num' }, c.metrics?.[m] === undefined ? '—' : pct(c.metrics[m])),
            ),
          ),
        ),
      ),
    );
    // figures are replaced only when the list changes (a figure rewritten keeps its name: the next visit shows it)
    const figureKey = d.figures.join('\n');
    if (figureKey !== figuresShown) {
      figuresShown = figureKey;
      replace(
        figures,
        ...d.figures.map((f) =>
          h(
            'figure',
            {},
            h('img', { src: `/api/experiments/${d.id}/figures/${encodeURIComponent(f)}`, alt: f, 'data-figure': f }),
            h('figcaption', { class: 'muted' }, f),
          ),
        ),
      );
    }
    const finished = d.cells.filter((c) => c.status === 'finished').length;
    replace(
      body,
      h('h1', {}, d.experiment ?? d.name),
      h('p', { class: 'muted' }, `${d.name}: ${finished} of ${d.cells.length} cells finished`),
      d.description ? h('p', {}, d.description) : null,
      r ? null : h('p', { class: 'muted' }, 'no results.json yet'),
      verdicts.length
        ? h(
            'section',
            {},
            h('h2', {}, 'Verdicts'),
            h(
              'ul',
              { class: 'verdicts' },
              ...verdicts.map((v) =>
                h('li', { class: `verdict-${v.verdict.replace(/\s+/g, '-')}`, 'data-verdict': v.verdict }, v.line),
              ),
            ),
          )
        : null,
      tables.length ? h('h2', {}, 'Tables') : null,
      ...tables,
      d.figures.length ? h('h2', {}, 'Figures') : null,
      figures,
      h('h2', {}, 'Cells'),
      cells,
      d.markdown ? h('details', {}, h('summary', {}, 'results.md'), h('pre', {}, d.markdown)) : null,
    );
    page.setAttribute('data-cells-finished', String(finished));
  };
  draw(await getJson<ExperimentDetail>(`/api/experiments/${id}`));
  page.setAttribute('data-ready', '1');
  every(2000, async () => draw(await getJson<ExperimentDetail>(`/api/experiments/${id}`)));
}

// ---------------------------------------------------------------- theory

interface TheoryDetail {
  id: string;
  name: string;
  checks: { check: string; figures: string[]; numbers: unknown }[];
}

async function theoryPage(page: HTMLElement, id: string): Promise<void> {
  const d = await getJson<TheoryDetail>(`/api/theory/${id}`);
  append(
    page,
    h('h1', {}, d.name),
    h('p', { class: 'muted' }, `specl theory output: ${d.checks.map((c) => c.check).join(', ') || 'no checks'}`),
    ...d.checks.map((c) => {
      const seconds = (c.numbers as { seconds?: unknown } | null)?.seconds;
      return h(
        'section',
        { 'data-check': c.check },
        h('h2', {}, `specl theory ${c.check}${typeof seconds === 'number' ? ` (${fmt(seconds)} s)` : ''}`),
        c.figures.length
          ? h(
              'div',
              { class: 'figures' },
              ...c.figures.map((f) =>
                h(
                  'figure',
                  {},
                  h('img', { src: `/api/theory/${d.id}/figures/${encodeURIComponent(f)}`, alt: f, 'data-figure': f }),
                  h('figcaption', { class: 'muted' }, f),
                ),
              ),
            )
          : h('p', { class: 'muted' }, 'no figure files for this check'),
        h('h3', {}, 'numbers'),
        theoryNumbers(c.numbers),
      );
    }),
  );
  page.setAttribute('data-ready', '1');
}

// ---------------------------------------------------------------- routing

async function route(): Promise<void> {
  for (const f of cleanup) f();
  cleanup = [];
  const page = h('div', { class: 'page' });
  replace(app, nav(), page);
  const [, kind, arg, extra] = location.hash.replace(/^#/, '').split('/');
  try {
    if (kind === 'run' && arg) await runPage(page, arg);
    else if (kind === 'compare' && arg)
      await comparePage(page, [...new Set(arg.split(',').filter(Boolean))], extra === 'seeds');
    else if (kind === 'experiment' && arg) await experimentPage(page, arg);
    else if (kind === 'theory' && arg) await theoryPage(page, arg);
    else await runsPage(page);
    page.setAttribute('data-page', kind || 'runs');
  } catch (e) {
    append(page, h('p', { class: 'error', 'data-error': '1' }, (e as Error).message));
  }
}

window.addEventListener('hashchange', () => void route());
void route();
