/**
 * The theory part of a report: for each check whose `<check>.json` a
 * `specl theory <check> --out DIR` wrote into the folder, its numbers
 * (scalars in a table of dotted keys, lists of rows as tables, long lists
 * folded away) and its SVG figures (`<check>.svg`, `<check>-*.svg`). The
 * figure files are shown as images from data: URLs — an SVG inside `<img>`
 * runs no script and loads nothing — so a file edited to hold markup cannot
 * reach the page.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Cell, esc, numCell, numText, para, section, table } from './page.ts';
import { readJsonObject } from './run-files.ts';

/** The checks `specl theory` runs, each writing `<name>.json` and its figures. */
export const THEORY_CHECKS = ['optimum', 'learned', 'separability', 'connectivity', 'real', 'block-transfer'] as const;

/** The checks whose JSON is in `dir`. */
export function theoryChecksIn(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return THEORY_CHECKS.filter((c) => names.includes(`${c}.json`));
}

export interface TheoryData {
  dir: string;
  /** Check name → its JSON, as written. */
  checks: Record<string, unknown>;
  /** Check name → its figure files. */
  figures: Record<string, string[]>;
}

export interface TheoryPart {
  html: string;
  toc: [string, string][];
  data: TheoryData;
}

/** Rows longer than this are folded into a closed <details>. */
const OPEN_ROWS = 24;
/** Matrices with more cells than this are left to the embedded data. */
const MAX_MATRIX_CELLS = 4096;

const isScalar = (v: unknown) => v === null || ['number', 'string', 'boolean'].includes(typeof v);
const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A scalar as a cell: numbers with their exact value. */
function scalarCell(v: unknown): Cell {
  if (typeof v === 'number') return numCell(v);
  return { text: v === null ? 'null' : String(v), value: v === null ? 'null' : String(v) };
}

const fold = (label: string, body: string, rows: number) =>
  `<details${rows <= OPEN_ROWS ? ' open' : ''}><summary>${esc(label)}</summary>${body}</details>`;

/** One check's numbers: scalars (nested objects as dotted keys), then each list as its own table. */
function numbersHtml(check: string, json: Record<string, unknown>): string {
  const scalars: [string, unknown][] = [];
  const lists: string[] = [];
  const walk = (obj: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(obj)) {
      const key = prefix ? `${prefix}.${k}` : k;
      if (isScalar(v)) scalars.push([key, v]);
      else if (isRecord(v)) walk(v, key);
      else if (Array.isArray(v)) lists.push(listHtml(check, key, v));
    }
  };
  walk(json, '');
  const rows = scalars.map(([k, v]): Cell[] => [
    { text: k, value: k },
    { ...scalarCell(v), attrs: { 'data-key': k } },
  ]);
  return [table(`${check}:numbers`, ['quantity', 'value'], rows), ...lists].join('\n');
}

/** A list: numbers as an index/value table, rows of scalars as a table, a matrix as a grid. */
function listHtml(check: string, key: string, v: unknown[]): string {
  const id = `${check}:${key}`;
  if (v.length === 0) return para(`${key}: empty`, 'note');
  if (v.every((x) => isScalar(x))) {
    const rows = v.map((x, i): Cell[] => [numCell(i, String), scalarCell(x)]);
    return fold(`${key} (${v.length} values)`, table(id, ['index', key], rows), v.length);
  }
  if (v.every(isRecord)) {
    const cols = [...new Set(v.flatMap((r) => Object.keys(r).filter((k) => isScalar(r[k]))))];
    const rows = v.map((r): Cell[] => cols.map((c) => (c in r ? scalarCell(r[c]) : { text: '—' })));
    return fold(`${key} (${v.length} rows)`, table(id, cols, rows), v.length);
  }
  if (v.every((r) => Array.isArray(r) && r.every((x) => typeof x === 'number'))) {
    const m = v as number[][];
    const cells = m.reduce((s, r) => s + r.length, 0);
    if (cells > MAX_MATRIX_CELLS)
      return para(`${key}: a ${m.length}×${m[0]?.length ?? 0} matrix, in the embedded data (specl-data) only.`, 'note');
    const width = Math.max(...m.map((r) => r.length));
    const rows = m.map((r, i): Cell[] => [numCell(i, String), ...r.map((x) => numCell(x))]);
    return fold(
      `${key} (${m.length}×${width} matrix)`,
      table(id, ['row', ...Array.from({ length: width }, (_, j) => String(j))], rows),
      m.length,
    );
  }
  return para(`${key}: ${v.length} entries, in the embedded data (specl-data) only.`, 'note');
}

/** The figure files of `check` in `files` (its name, or its name and a dash). */
export const figuresOf = (check: string, files: string[]) =>
  files.filter((f) => f.endsWith('.svg') && (f === `${check}.svg` || f.startsWith(`${check}-`))).sort();

/** Reads the theory folder `dir` (at least one `<check>.json`) and builds its part. */
export function theoryPart(dir: string): TheoryPart {
  const checks = theoryChecksIn(dir);
  if (checks.length === 0)
    throw new Error(`${dir}: not a theory output folder (no ${THEORY_CHECKS.map((c) => `${c}.json`).join(', ')})`);
  const files = readdirSync(dir);
  const data: TheoryData = { dir, checks: {}, figures: {} };
  const out: string[] = [];
  const toc: [string, string][] = [];
  for (const check of checks) {
    const json = readJsonObject(join(dir, `${check}.json`)) as Record<string, unknown>;
    data.checks[check] = json;
    const figs = figuresOf(check, files);
    data.figures[check] = figs;
    const imgs = figs.map((f) => {
      const svg = readFileSync(join(dir, f));
      return `<figure class="figure"><img class="svg-file" alt="${esc(f)}" src="data:image/svg+xml;base64,${svg.toString('base64')}"><figcaption>${esc(f)}</figcaption></figure>`;
    });
    const seconds = typeof json.seconds === 'number' ? ` (${numText(json.seconds)} s)` : '';
    out.push(
      section(
        `theory-${check}`,
        `specl theory ${check}${seconds}`,
        [
          imgs.length > 0
            ? `<div class="grid">${imgs.join('\n')}</div>`
            : para('No figure files for this check.', 'note'),
          numbersHtml(check, json),
        ].join('\n'),
      ),
    );
    toc.push([`theory-${check}`, check]);
  }
  return { html: out.join('\n'), toc, data };
}
