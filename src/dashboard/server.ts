/**
 * `specl serve`'s server: node:http, read-only, over the catalog of run and
 * experiment folders (src/dashboard/catalog.ts). Routes:
 *   GET /                               the one-page app (script and styles inlined, by nonce)
 *   GET /api/runs                       every run: status, method, dataset, labels, flattened config, final figures
 *   GET /api/runs/:id                   a run's config, summary, probe and kNN reports
 *   GET /api/runs/:id/series?max=N      its curves, each downsampled to at most N points (minima and maxima kept)
 *   GET /api/runs/:id/events            metrics.jsonl as server-sent events (src/dashboard/events.ts)
 *   GET /api/runs/:id/projection        the 2-D PCA projection of its frozen test features (src/dashboard/projection.ts)
 *   GET /api/events?runs=ID,ID,…        the metrics of several runs on one event stream (the compare page)
 *   GET /api/experiments                every experiment
 *   GET /api/experiments/:id            its spec, results, results.md, figures and cells (re-read each time)
 *   GET /api/experiments/:id/figures/F  one of its SVG figures, by a name from its own listing
 *   GET /api/theory                     every `specl theory … --out DIR` folder
 *   GET /api/theory/:id                 its checks: each one's numbers (<check>.json) and figure names
 *   GET /api/theory/:id/figures/F       one of its SVG figures, by a name from its own listing
 * Every request passes the checks of src/dashboard/security.ts first.
 */
import { readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { browserBundle, uplotCss } from '../report/browser-bundle.ts';
import { downsampleMinMax, type Series, seriesOf } from '../report/series.ts';
import type { MetricLine } from '../train/run-folder.ts';
import { runStatus } from '../train/run-status.ts';
import { Catalog, type ExperimentEntry, type RunEntry, type TheoryEntry } from './catalog.ts';
import { streamLines, streamRuns } from './events.ts';
import { insideRoot, readInside } from './files.ts';
import { DEFAULT_PROJECTION_IMAGES, Projections } from './projection.ts';
import {
  allowedHosts,
  badTarget,
  CSP,
  cookieName,
  isDefaultHost,
  newNonce,
  newToken,
  presentedToken,
  sameToken,
  securityHeaders,
} from './security.ts';

export interface DashboardOptions {
  /** Folders holding run and experiment folders (searched recursively). */
  dirs: string[];
  host?: string;
  /** 0: any free port. */
  port?: number;
  /** The access token; made at random when the host is not loopback's default and none is given. */
  token?: string | null;
  /** Rescan the folders at most this often while requests come, ms (default 2000). */
  rescanMs?: number;
  /** SSE poll interval, ms (default 1000). */
  pollMs?: number;
  /** Test images in a run's feature projection (default 2000, as `specl report`). */
  projectionImages?: number;
}

export interface Dashboard {
  server: Server;
  host: string;
  port: number;
  /** The token every request must present, or null when none is needed (loopback default). */
  token: string | null;
  /** The URL to open (with the token, when there is one). */
  url: string;
  catalog: Catalog;
  /** The feature projections: computed in worker threads, cached per run (`computed` counts the computations). */
  projections: Projections;
  close(): Promise<void>;
}

/** The most points per curve a request may ask for, and the default. */
export const MAX_POINTS_LIMIT = 20_000;
export const DEFAULT_POINTS = 1000;
/** The most runs one shared event stream follows. */
export const MAX_STREAMED_RUNS = 64;

/** The page's icon, inline: the browser asks for no /favicon.ico. */
const FAVICON = `data:image/svg+xml,${encodeURIComponent(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#2b6cb0"/>' +
    '<path d="M3 12 L6 7 L9 9 L13 3" stroke="#fff" stroke-width="1.8" fill="none"/></svg>',
)}`;

const page = (() => {
  let cached: { script: string; style: string } | null = null;
  return () => {
    cached ??= {
      script: browserBundle(new URL('./client/main.ts', import.meta.url)),
      style: `${uplotCss()}\n${readFileSync(new URL('./client/style.css', import.meta.url), 'utf8')}`,
    };
    return cached;
  };
})();

function pageHtml(nonce: string): string {
  const { script, style } = page();
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>specl dashboard</title><link rel="icon" href="${FAVICON}">
<style nonce="${nonce}">${style}</style></head>
<body><noscript>The specl dashboard needs JavaScript; <code>specl report</code> writes a page that does not.</noscript>
<main id="app"></main><script nonce="${nonce}">${script}</script></body></html>`;
}

/** Metrics lines of recently read runs, kept by file identity and read on from where they stopped. */
class MetricsCache {
  private readonly entries = new Map<
    string,
    { ino: number; offset: number; lines: MetricLine[]; count: number; mtimeMs: number }
  >();
  constructor(private readonly capacity = 24) {}

  /** The complete lines of metrics.jsonl at `path` (parsed; torn or bad lines skipped) and how many lines there are. */
  read(path: string): { lines: MetricLine[]; count: number } {
    let st: import('node:fs').Stats;
    try {
      st = statSync(path);
    } catch {
      return { lines: [], count: 0 };
    }
    let e = this.entries.get(path);
    if (!e || e.ino !== st.ino || st.size < e.offset) e = { ino: st.ino, offset: 0, lines: [], count: 0, mtimeMs: 0 };
    this.entries.delete(path);
    if (st.size > e.offset) {
      const buf = readFileSync(path).subarray(e.offset);
      const end = buf.lastIndexOf(0x0a);
      if (end >= 0) {
        for (const raw of buf
          .subarray(0, end + 1)
          .toString('utf8')
          .split('\n')
          .slice(0, -1)) {
          e.count++;
          if (!raw.trim()) continue;
          try {
            e.lines.push(JSON.parse(raw) as MetricLine);
          } catch {
            // not a metrics line
          }
        }
        e.offset += end + 1;
      }
    }
    e.mtimeMs = st.mtimeMs;
    this.entries.set(path, e);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    return e;
  }
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function sendJson(res: ServerResponse, req: IncomingMessage, body: unknown, status = 200): void {
  const text = JSON.stringify(body);
  securityHeaders(res, CSP.data);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(req.method === 'HEAD' ? undefined : text);
}

function sendText(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  securityHeaders(res, CSP.data);
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...extra });
  res.end(`${text}\n`);
}

/** Starts the dashboard server; resolves once it listens. */
export async function startDashboard(o: DashboardOptions): Promise<Dashboard> {
  const host = o.host ?? '127.0.0.1';
  const token = o.token ?? (isDefaultHost(host) ? null : newToken());
  const catalog = new Catalog(o.dirs, { rescanMs: o.rescanMs });
  const metrics = new MetricsCache();
  const projections = new Projections(o.projectionImages ?? DEFAULT_PROJECTION_IMAGES);
  page(); // bundle now, not on the first visit
  let allowed = new Set<string>();
  let port = 0;
  const streams = new Set<() => void>();

  const runOf = (id: string): RunEntry => {
    const r = catalog.run(id) ?? catalog.fresh().run(id);
    if (!r) throw new HttpError(404, 'no such run');
    return r;
  };
  const experimentOf = (id: string): ExperimentEntry => {
    const e = catalog.experiment(id) ?? catalog.fresh().experiment(id);
    if (!e) throw new HttpError(404, 'no such experiment');
    return e;
  };
  const theoryOf = (id: string): TheoryEntry => {
    const t = catalog.theory(id) ?? catalog.fresh().theory(id);
    if (!t) throw new HttpError(404, 'no such theory folder');
    return t;
  };
  const theoryListing = (t: TheoryEntry) => ({
    id: t.id,
    name: t.name,
    checks: catalog.theoryChecks(t).map((c) => c.check),
  });
  const theoryDetail = (t: TheoryEntry) => ({
    id: t.id,
    name: t.name,
    checks: catalog.theoryChecks(t).map((c) => ({
      check: c.check,
      figures: c.figures,
      numbers: catalog.readJson(t.dir, `${c.check}.json`),
    })),
  });
  /** An SVG figure, by a name the server listed (nothing of the request is joined to a path). */
  const sendSvg = (req: IncomingMessage, res: ServerResponse, root: string, listed: string | undefined) => {
    const text = listed === undefined ? null : readInside(root, listed);
    if (text === null) throw new HttpError(404, 'no such figure');
    securityHeaders(res, CSP.svg);
    res.writeHead(200, {
      'Content-Type': 'image/svg+xml; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
    });
    res.end(req.method === 'HEAD' ? undefined : text);
  };

  const runDetail = (r: RunEntry) => {
    const listing = catalog.listing(r);
    return {
      ...listing,
      configJson: catalog.readJson(r.dir, 'config.json'),
      summary: catalog.readJson(r.dir, 'summary.json'),
      probeReport: catalog.readJson(r.dir, 'probe.json'),
      knnReport: catalog.readJson(r.dir, 'knn.json'),
      cellResult: catalog.readJson(r.dir, 'cell.json'),
      encoder: insideRoot(r.dir, 'encoder.safetensors') !== null,
    };
  };

  const runSeries = (r: RunEntry, max: number) => {
    const path = insideRoot(r.dir, 'metrics.jsonl');
    const { lines, count } = path ? metrics.read(path) : { lines: [], count: 0 };
    const config = catalog.readJson<{ batchSize?: unknown }>(r.dir, 'config.json');
    const batch = typeof config?.batchSize === 'number' ? config.batchSize : undefined;
    const full = seriesOf(lines, { batch });
    const series: Record<string, Series & { points: number }> = {};
    for (const [name, s] of Object.entries(full))
      series[name] = { ...downsampleMinMax(s.x, s.y, max), points: s.x.length };
    return { id: r.id, lines: count, max, series };
  };

  const experimentDetail = (e: ExperimentEntry) => {
    const file = catalog.readJson<{
      spec?: { name?: unknown; description?: unknown };
      cells?: { id?: unknown; labels?: unknown; seed?: unknown; kind?: unknown }[];
    }>(e.dir, 'experiment.json');
    const cells = (Array.isArray(file?.cells) ? file.cells : [])
      .filter((c) => typeof c?.id === 'string')
      .map((c) => {
        const id = c.id as string;
        const folder = insideRoot(e.dir, `cells/${id}`);
        const result = folder ? catalog.readJson<Record<string, unknown>>(e.dir, `cells/${id}/cell.json`) : null;
        const run = folder ? catalog.runAt(folder) : undefined;
        const status = result
          ? 'finished'
          : run
            ? runStatus(run.dir, { summary: insideRoot(run.dir, 'summary.json') !== null })
            : 'pending';
        return {
          id,
          labels: (c.labels ?? {}) as Record<string, string>,
          seed: c.seed,
          kind: c.kind,
          status,
          run: run?.id ?? null,
          metrics: (result?.metrics ?? null) as Record<string, number> | null,
          steps: result?.steps ?? null,
        };
      });
    return {
      id: e.id,
      name: e.name,
      experiment: file?.spec?.name ?? null,
      description: file?.spec?.description ?? null,
      results: catalog.readJson(e.dir, 'results.json'),
      markdown: readInside(e.dir, 'results.md'),
      figures: catalog.figures(e),
      cells,
    };
  };

  const experimentListing = (e: ExperimentEntry) => {
    const d = experimentDetail(e);
    return {
      id: e.id,
      name: e.name,
      experiment: d.experiment,
      cells: d.cells.length,
      finished: d.cells.filter((c) => c.status === 'finished').length,
      running: d.cells.filter((c) => c.status === 'running').length,
    };
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const raw = req.url ?? '/';
    // 1. the Host header (DNS rebinding)
    const hostHeader = (req.headers.host ?? '').toLowerCase();
    if (!allowed.has(hostHeader))
      return sendText(
        res,
        421,
        `specl serve: refused: Host ${JSON.stringify(hostHeader)} is not this dashboard's address`,
      );
    const bad = badTarget(raw);
    if (bad) return sendText(res, 400, `specl serve: refused: ${bad}`);
    const url = new URL(raw, 'http://dashboard.invalid');
    // 2. the token, when there is one
    if (token !== null) {
      const given = presentedToken(req, url, port);
      if (given === null)
        return sendText(
          res,
          401,
          'specl serve: this dashboard needs its access token (open the URL `specl serve` printed)',
        );
      if (!sameToken(given, token)) return sendText(res, 403, 'specl serve: wrong access token');
      if (url.searchParams.has('token') && url.pathname === '/' && req.method === 'GET') {
        // the token moves into a cookie, out of the address bar and the history
        securityHeaders(res, CSP.data);
        res.writeHead(303, {
          Location: '/',
          'Set-Cookie': `${cookieName(port)}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`,
        });
        res.end();
        return;
      }
    }
    // 3. read-only
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return sendText(res, 405, 'specl serve: read-only (GET and HEAD only)', { Allow: 'GET, HEAD' });
    const parts = url.pathname.split('/').filter(Boolean);
    if (parts.length === 0) {
      const nonce = newNonce();
      const html = pageHtml(nonce);
      securityHeaders(res, CSP.page(nonce));
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(html) });
      res.end(req.method === 'HEAD' ? undefined : html);
      return;
    }
    if (parts[0] !== 'api') throw new HttpError(404, 'not found');
    const [, kind, id, sub, name, ...more] = parts;
    if (more.length > 0) throw new HttpError(404, 'not found');
    if (kind === 'runs' && id === undefined) {
      if (url.searchParams.get('rescan') === '1') catalog.scan();
      else catalog.fresh();
      return sendJson(res, req, {
        runs: catalog.runs().map((r) => catalog.listing(r)),
        experiments: catalog.experiments().map(experimentListing),
        theory: catalog.theories().map(theoryListing),
        missing: catalog.missing,
      });
    }
    if (kind === 'runs' && id !== undefined && name === undefined) {
      const r = runOf(id);
      if (sub === undefined) return sendJson(res, req, runDetail(r));
      if (sub === 'series') {
        const q = url.searchParams.get('max');
        const max = q === null ? DEFAULT_POINTS : Number(q);
        if (!Number.isInteger(max) || max < 2 || max > MAX_POINTS_LIMIT)
          throw new HttpError(400, `max must be an integer in [2, ${MAX_POINTS_LIMIT}]`);
        return sendJson(res, req, runSeries(r, max));
      }
      if (sub === 'events') {
        const path = insideRoot(r.dir, 'metrics.jsonl');
        if (path === null) throw new HttpError(404, 'the run has no metrics file');
        const last = req.headers['last-event-id'];
        const from = typeof last === 'string' && last !== '' ? last : (url.searchParams.get('after') ?? '0');
        const after = Number(from);
        if (!Number.isSafeInteger(after) || after < 0) throw new HttpError(400, 'Last-Event-ID must be a line number');
        securityHeaders(res, CSP.data);
        res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' });
        if (req.method === 'HEAD') return res.end();
        const stop = streamLines(path, res, { after, pollMs: o.pollMs });
        streams.add(stop);
        res.on('close', () => streams.delete(stop));
        return;
      }
      if (sub === 'projection') {
        projections.of(r).then(
          (answer) => sendJson(res, req, answer),
          (e: Error) => sendText(res, 500, `specl serve: the projection failed: ${e.message}`),
        );
        return;
      }
      throw new HttpError(404, 'not found');
    }
    if (kind === 'events' && id === undefined) {
      const ids = (url.searchParams.get('runs') ?? '').split(',').filter(Boolean);
      if (ids.length === 0 || ids.length > MAX_STREAMED_RUNS)
        throw new HttpError(400, `runs must name 1 to ${MAX_STREAMED_RUNS} runs`);
      const rs = ids.map(runOf);
      const last = req.headers['last-event-id'];
      const from = typeof last === 'string' && last !== '' ? last : (url.searchParams.get('after') ?? '');
      const after = from === '' ? rs.map(() => 0) : from.split(',').map(Number);
      if (after.length !== rs.length || !after.every((n) => Number.isSafeInteger(n) && n >= 0))
        throw new HttpError(400, 'Last-Event-ID (or after) must be one line number per run');
      securityHeaders(res, CSP.data);
      res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' });
      if (req.method === 'HEAD') return res.end();
      const stop = streamRuns(
        rs.map((r, i) => ({ id: r.id, path: insideRoot(r.dir, 'metrics.jsonl'), after: after[i] as number })),
        res,
        { pollMs: o.pollMs },
      );
      streams.add(stop);
      res.on('close', () => streams.delete(stop));
      return;
    }
    if (kind === 'theory' && id === undefined) {
      catalog.fresh();
      return sendJson(res, req, { theory: catalog.theories().map(theoryListing) });
    }
    if (kind === 'theory' && id !== undefined) {
      const t = theoryOf(id);
      if (sub === undefined && name === undefined) return sendJson(res, req, theoryDetail(t));
      if (sub === 'figures' && name !== undefined)
        return sendSvg(
          req,
          res,
          t.dir,
          catalog
            .theoryChecks(t)
            .flatMap((c) => c.figures)
            .find((f) => f === name),
        );
    }
    if (kind === 'experiments' && id === undefined) {
      catalog.fresh();
      return sendJson(res, req, { experiments: catalog.experiments().map(experimentListing) });
    }
    if (kind === 'experiments' && id !== undefined) {
      const e = experimentOf(id);
      // cells that started since the last scan are linked to their runs
      if (sub === undefined) {
        catalog.fresh();
        return sendJson(res, req, experimentDetail(e));
      }
      if (sub === 'figures' && name !== undefined) {
        // only a name of the folder's own listing: nothing of the request is joined to a path
        const figure = catalog.figures(e).find((f) => f === name);
        return sendSvg(req, res, e.dir, figure === undefined ? undefined : `figures/${figure}`);
      }
    }
    throw new HttpError(404, 'not found');
  };

  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (e) {
      if (e instanceof HttpError) sendText(res, e.status, `specl serve: ${e.message}`);
      else sendText(res, 500, `specl serve: ${(e as Error).message}`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  allowed = allowedHosts(host, port);
  const shown = host.includes(':') ? `[${host}]` : host;
  const url = `http://${shown}:${port}/${token === null ? '' : `?token=${encodeURIComponent(token)}`}`;
  return {
    server,
    host,
    port,
    token,
    url,
    catalog,
    projections,
    close: async () => {
      await projections.close();
      await new Promise<void>((resolve) => {
        for (const stop of streams) stop();
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
