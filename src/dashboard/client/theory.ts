/// <reference lib="dom" />
/**
 * The numbers of a `specl theory` check (its `<check>.json`) as text tables,
 * laid out as the report lays them out (src/report/html/theory-part.ts):
 * scalars under dotted keys in one table, each list as a table of its own
 * (numbers by index, rows of scalars by column, a matrix as a grid), long
 * ones folded away, very large matrices left out with a note.
 */
import { fmt, h } from './dom.ts';

/** Rows longer than this start folded. */
const OPEN_ROWS = 24;
/** Matrices with more cells than this are not drawn. */
const MAX_MATRIX_CELLS = 4096;

type Scalar = string | number | boolean | null;
const isScalar = (v: unknown): v is Scalar => v === null || ['number', 'string', 'boolean'].includes(typeof v);
const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const shown = (v: Scalar) => (typeof v === 'number' ? fmt(v, 6) : v === null ? 'null' : String(v));

function table(head: string[], rows: Scalar[][], key: string): HTMLElement {
  return h(
    'table',
    { class: 'numbers', 'data-numbers': key },
    h('thead', {}, h('tr', {}, ...head.map((c) => h('th', {}, c)))),
    h(
      'tbody',
      {},
      ...rows.map((r) =>
        h(
          'tr',
          {},
          ...r.map((v) => h('td', typeof v === 'number' ? { class: 'num', 'data-value': String(v) } : {}, shown(v))),
        ),
      ),
    ),
  );
}

function fold(label: string, body: HTMLElement, rows: number): HTMLElement {
  const d = h('details', {}, h('summary', {}, label), body);
  d.open = rows <= OPEN_ROWS;
  return d;
}

function list(key: string, v: unknown[]): HTMLElement {
  if (v.length === 0) return h('p', { class: 'muted' }, `${key}: empty`);
  if (v.every(isScalar))
    return fold(
      `${key} (${v.length} values)`,
      table(
        ['index', key],
        v.map((x, i) => [i, x]),
        key,
      ),
      v.length,
    );
  if (v.every(isRecord)) {
    const cols = [...new Set(v.flatMap((r) => Object.keys(r).filter((k) => isScalar(r[k]))))];
    const rows = v.map((r) => cols.map((c) => (c in r ? (r[c] as Scalar) : '—')));
    return fold(`${key} (${v.length} rows)`, table(cols, rows, key), v.length);
  }
  if (v.every((r) => Array.isArray(r) && r.every((x) => typeof x === 'number'))) {
    const m = v as number[][];
    const cells = m.reduce((s, r) => s + r.length, 0);
    const width = Math.max(...m.map((r) => r.length));
    if (cells > MAX_MATRIX_CELLS)
      return h('p', { class: 'muted' }, `${key}: a ${m.length}×${width} matrix (in ${key}'s JSON file), not drawn`);
    return fold(
      `${key} (${m.length}×${width} matrix)`,
      table(
        ['row', ...Array.from({ length: width }, (_, j) => String(j))],
        m.map((r, i) => [i, ...r]),
        key,
      ),
      m.length,
    );
  }
  return h('p', { class: 'muted' }, `${key}: ${v.length} entries of mixed kinds, not drawn`);
}

/** One check's numbers: the scalars' table, then one table per list. */
export function theoryNumbers(json: unknown): HTMLElement {
  const scalars: Scalar[][] = [];
  const lists: HTMLElement[] = [];
  const walk = (obj: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(obj)) {
      const key = prefix ? `${prefix}.${k}` : k;
      if (isScalar(v)) scalars.push([key, v]);
      else if (isRecord(v)) walk(v, key);
      else if (Array.isArray(v)) lists.push(list(key, v));
    }
  };
  if (isRecord(json)) walk(json, '');
  else return h('p', { class: 'error' }, 'its JSON file is not an object');
  return h('div', {}, scalars.length ? table(['quantity', 'value'], scalars, '') : null, ...lists);
}
