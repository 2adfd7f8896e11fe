/**
 * The dashboard's index of what it shows: the run folders (config.json +
 * metrics.jsonl) and experiment folders (experiment.json) found under the
 * folders `specl serve` was given, each under a stable id — the first 12 hex
 * digits of the SHA-256 of its real path — by which alone the browser names
 * it. The id maps to the real path here; nothing from a request ever
 * becomes a path. Folders are walked to a bounded depth without following
 * symbolic links; a rescan (every few seconds while the browser asks) picks
 * up new runs and cells. Parsed JSON files are kept while their size and
 * modification time stay the same, so a list of 500 runs is cheap to serve.
 */
import { createHash } from 'node:crypto';
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { figuresOf, THEORY_CHECKS } from '../report/html/theory-part.ts';
import { type RunStatus, runStatus } from '../train/run-status.ts';
import { insideRoot, listInside, readInside } from './files.ts';
import { flattenConfig } from './flatten.ts';

/** How deep below each given folder runs are looked for. */
export const SCAN_DEPTH = 8;
/** Folders never looked into: a run's own checkpoints, an experiment's logs, dependencies, hidden ones. */
const SKIP = new Set(['checkpoints', 'logs', 'node_modules', 'figures']);

export const idOf = (realPath: string): string => createHash('sha256').update(realPath).digest('hex').slice(0, 12);
/** Ids as the routes accept them. */
export const ID_PATTERN = /^[0-9a-f]{12}$/;

export interface RunEntry {
  id: string;
  /** Real path of the run folder. */
  dir: string;
  /** What the list shows: the path below the given folder's parent. */
  name: string;
  /** The experiment whose cell this run is, and the cell's id. */
  experiment: string | null;
  cell: string | null;
}

export interface ExperimentEntry {
  id: string;
  dir: string;
  name: string;
}

/** A `specl theory <check> --out DIR` folder: one `<check>.json` or more. */
export interface TheoryEntry {
  id: string;
  dir: string;
  name: string;
}

/** What /api/runs lists for one run. */
export interface RunListing {
  id: string;
  name: string;
  status: RunStatus;
  method: string | null;
  dataset: string | null;
  seed: number | null;
  experiment: string | null;
  cell: string | null;
  /** The cell's axis labels (an experiment cell's `cell.json`), else {}. */
  labels: Record<string, string>;
  /** Every leaf of config.json under its dotted key. */
  config: Record<string, string | number | boolean | null>;
  steps: number | null;
  seconds: number | null;
  finalLoss: number | null;
  probe: number | null;
  knn: number | null;
}

interface Cached {
  mtimeMs: number;
  size: number;
  value: unknown;
}

/** The accuracy of the encoder's row of a probe.json / knn.json report, or null. */
export function encoderAccuracy(report: unknown, field: 'linearProbe' | 'knn'): number | null {
  const rows = (report as { results?: unknown } | null)?.results;
  if (!Array.isArray(rows)) return null;
  const row = rows.find((r) => (r as { kind?: unknown })?.kind === 'encoder') as Record<string, unknown> | undefined;
  const v = row?.[field];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export class Catalog {
  private readonly roots: string[];
  private runsById = new Map<string, RunEntry>();
  private experimentsById = new Map<string, ExperimentEntry>();
  private theoriesById = new Map<string, TheoryEntry>();
  private scannedAt = 0;
  private readonly json = new Map<string, Cached>();
  private readonly listings = new Map<string, { stamp: number; listing: RunListing }>();
  /** Given folders that do not exist (yet): said once on the page. */
  missing: string[] = [];

  constructor(
    roots: string[],
    private readonly o: { rescanMs?: number } = {},
  ) {
    this.roots = roots;
    this.scan();
  }

  /** Walks the given folders again (new runs, new cells). */
  scan(): void {
    const runs = new Map<string, RunEntry>();
    const experiments = new Map<string, ExperimentEntry>();
    const theories = new Map<string, TheoryEntry>();
    const missing: string[] = [];
    for (const given of this.roots) {
      let root: string;
      try {
        root = realpathSync(given);
        if (!statSync(root).isDirectory()) throw new Error('not a folder');
      } catch {
        missing.push(given);
        continue;
      }
      const base = dirname(root);
      const walk = (dir: string, depth: number, experiment: string | null) => {
        let names: import('node:fs').Dirent[];
        try {
          names = readdirSync(dir, { withFileTypes: true });
        } catch {
          return;
        }
        const files = new Set(names.filter((d) => d.isFile()).map((d) => d.name));
        const name = relative(base, dir) || basename(dir);
        if (files.has('config.json') && files.has('metrics.jsonl')) {
          const id = idOf(dir);
          const parent = dirname(dir);
          const inExperiment = experiment !== null && basename(parent) === 'cells' ? experiment : null;
          runs.set(id, { id, dir, name, experiment: inExperiment, cell: inExperiment ? basename(dir) : null });
          return;
        }
        let here = experiment;
        if (files.has('experiment.json')) {
          here = idOf(dir);
          experiments.set(here, { id: here, dir, name });
        }
        if (THEORY_CHECKS.some((c) => files.has(`${c}.json`))) {
          const id = idOf(dir);
          theories.set(id, { id, dir, name });
        }
        if (depth >= SCAN_DEPTH) return;
        for (const d of names)
          if (d.isDirectory() && !d.name.startsWith('.') && !SKIP.has(d.name)) walk(join(dir, d.name), depth + 1, here);
      };
      walk(root, 0, null);
    }
    this.runsById = runs;
    this.experimentsById = experiments;
    this.theoriesById = theories;
    this.missing = missing;
    this.scannedAt = Date.now();
  }

  /** Rescans when the last scan is older than `rescanMs` (default 2 s). */
  fresh(): this {
    if (Date.now() - this.scannedAt > (this.o.rescanMs ?? 2000)) this.scan();
    return this;
  }

  runs(): RunEntry[] {
    return [...this.runsById.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  experiments(): ExperimentEntry[] {
    return [...this.experimentsById.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  theories(): TheoryEntry[] {
    return [...this.theoriesById.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  run(id: string): RunEntry | undefined {
    return ID_PATTERN.test(id) ? this.runsById.get(id) : undefined;
  }

  experiment(id: string): ExperimentEntry | undefined {
    return ID_PATTERN.test(id) ? this.experimentsById.get(id) : undefined;
  }

  theory(id: string): TheoryEntry | undefined {
    return ID_PATTERN.test(id) ? this.theoriesById.get(id) : undefined;
  }

  /** The run whose folder is `dir` (a real path), if indexed. */
  runAt(dir: string): RunEntry | undefined {
    return this.runsById.get(idOf(dir));
  }

  /** `root/name` parsed as JSON (kept while the file's size and mtime stay), or null. */
  readJson<T = unknown>(root: string, name: string): T | null {
    const path = insideRoot(root, name);
    if (path === null) return null;
    let st: import('node:fs').Stats;
    try {
      st = statSync(path);
    } catch {
      return null;
    }
    const hit = this.json.get(path);
    if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.value as T;
    const text = readInside(root, name);
    let value: unknown = null;
    if (text !== null)
      try {
        value = JSON.parse(text);
      } catch {
        value = null;
      }
    this.json.set(path, { mtimeMs: st.mtimeMs, size: st.size, value });
    return value as T;
  }

  /**
   * A run as the list shows it. A finished run's listing is kept while its
   * folder's modification time stays (specl writes every file of a run by
   * renaming a temporary one into place, which changes the folder's time);
   * the others are read afresh, their status changing as they train.
   */
  listing(r: RunEntry): RunListing {
    let stamp = -1;
    try {
      stamp = statSync(r.dir).mtimeMs;
    } catch {
      stamp = -1;
    }
    const hit = this.listings.get(r.id);
    if (hit && hit.stamp === stamp && stamp >= 0) return hit.listing;
    const listing = this.readListing(r);
    if (listing.status === 'finished') this.listings.set(r.id, { stamp, listing });
    else this.listings.delete(r.id);
    return listing;
  }

  private readListing(r: RunEntry): RunListing {
    const config = this.readJson<Record<string, unknown>>(r.dir, 'config.json') ?? {};
    const summary = this.readJson<Record<string, unknown>>(r.dir, 'summary.json');
    const cell = this.readJson<{ labels?: Record<string, unknown> }>(r.dir, 'cell.json');
    const probe = this.readJson(r.dir, 'probe.json');
    const knn = this.readJson(r.dir, 'knn.json');
    const evaluation = (summary?.evaluation ?? null) as Record<string, unknown> | null;
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(cell?.labels ?? {})) labels[k] = String(v);
    const method = (config.method as { name?: unknown } | undefined)?.name;
    return {
      id: r.id,
      name: r.name,
      status: runStatus(r.dir, { summary: insideRoot(r.dir, 'summary.json') !== null }),
      method: str(method),
      dataset: str(config.dataset),
      seed: num(config.seed),
      experiment: r.experiment,
      cell: r.cell,
      labels,
      config: flattenConfig(config),
      steps: num(summary?.steps),
      seconds: num(summary?.seconds),
      finalLoss: num(summary?.finalLoss),
      probe: encoderAccuracy(probe, 'linearProbe') ?? num(evaluation?.linearProbe),
      knn: encoderAccuracy(knn, 'knn') ?? num(evaluation?.knn),
    };
  }

  /** Names of an experiment's SVG figures (figures/*.svg that resolve inside its folder). */
  figures(e: ExperimentEntry): string[] {
    return listInside(e.dir, 'figures', '.svg');
  }

  /**
   * A theory folder's checks (those whose `<check>.json` resolves inside
   * it), each with the names of its SVG figures (`<check>.svg`,
   * `<check>-*.svg`, as the report picks them) that resolve inside it.
   */
  theoryChecks(t: TheoryEntry): { check: string; figures: string[] }[] {
    let files: string[];
    try {
      files = readdirSync(t.dir, { withFileTypes: true })
        .filter((d) => d.isFile())
        .map((d) => d.name);
    } catch {
      return [];
    }
    return THEORY_CHECKS.filter((c) => files.includes(`${c}.json`) && insideRoot(t.dir, `${c}.json`) !== null).map(
      (check) => ({ check, figures: figuresOf(check, files).filter((f) => insideRoot(t.dir, f) !== null) }),
    );
  }
}
