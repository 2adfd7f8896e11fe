/**
 * The HTML page of a report: one self-contained document (styles, script and
 * data inlined, nothing fetched), with a content security policy that lets
 * only its own inline script and stylesheet run (by their sha256 hashes) and
 * images only from data: URLs. Every string that comes from a run's files
 * passes through {@link esc}; numbers in tables carry their exact value in a
 * `data-value` attribute, and the whole data set sits in a
 * `<script type="application/json" id="specl-data">` that markup in a string
 * cannot break out of ({@link jsonForScript}).
 */
import { createHash } from 'node:crypto';
import { escapeXml, formatValue } from '../svg/index.ts';

/** Text or an attribute value, escaped for HTML (& < > " ' as entities; characters XML forbids dropped). */
export const esc = (s: unknown): string => escapeXml(String(s));

/** A number as tables show it: 4 significant digits ("—" for null or NaN). */
export const numText = (x: number | null | undefined, digits = 4): string =>
  typeof x === 'number' && Number.isFinite(x) ? formatValue(x, digits) : '—';

/** A fraction in [0, 1] as a percentage with two decimals ("98.21%"). */
export const pctText = (x: number | null | undefined): string =>
  typeof x === 'number' && Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : '—';

/**
 * JSON for a `<script type="application/json">` element: `<`, `>` and `&`
 * (and the line separators U+2028/U+2029) as \u escapes, so no string in the
 * data can close the element or open a comment; `JSON.parse` of the
 * element's text gives the data back exactly.
 */
export function jsonForScript(data: unknown): string {
  return JSON.stringify(data).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** The base64 sha256 of a script's or stylesheet's text, as CSP hash sources name it. */
export const cspHash = (text: string): string =>
  `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** One table cell: its shown text (escaped here) and, for numbers, the exact value. */
export interface Cell {
  text: string;
  /** The exact value behind the text (`data-value`): a number as JavaScript prints it, or any string. */
  value?: number | string | null;
  /** A link target in the same page ("#cell-0-k_2_seed_0"). */
  href?: string;
  /** Extra attributes (names are trusted; values are escaped). */
  attrs?: Record<string, string>;
  /** Right-aligned (numbers). */
  num?: boolean;
  /** Markup built by the report itself from escaped parts, shown instead of `text` (links to several cells). */
  html?: string;
}

/** A cell holding a number: shown with `show`, its exact value in `data-value`. */
export const numCell = (
  x: number | null | undefined,
  show: (x: number | null | undefined) => string = numText,
): Cell => ({
  text: show(x),
  value: typeof x === 'number' ? String(x) : 'null',
  num: true,
});

const cellHtml = (c: Cell | string, tag: 'td' | 'th'): string => {
  const cell: Cell = typeof c === 'string' ? { text: c } : c;
  const attrs: string[] = [];
  if (cell.value !== undefined) attrs.push(`data-value="${esc(cell.value === null ? 'null' : cell.value)}"`);
  if (cell.num) attrs.push('class="num"');
  for (const [k, v] of Object.entries(cell.attrs ?? {})) attrs.push(`${k}="${esc(v)}"`);
  const body = cell.html ?? (cell.href ? `<a href="${esc(cell.href)}">${esc(cell.text)}</a>` : esc(cell.text));
  return `<${tag}${attrs.length ? ` ${attrs.join(' ')}` : ''}>${body}</${tag}>`;
};

/** A table: a header row and body rows; `id` names it for tests and links (`data-table`). */
export function table(id: string, header: string[], rows: (Cell | string)[][], o: { caption?: string } = {}): string {
  const head = `<thead><tr>${header.map((h) => cellHtml(h, 'th')).join('')}</tr></thead>`;
  const body = `<tbody>${rows.map((r) => `<tr>${r.map((c) => cellHtml(c, 'td')).join('')}</tr>`).join('\n')}</tbody>`;
  const caption = o.caption ? `<caption>${esc(o.caption)}</caption>` : '';
  return `<div class="table-wrap"><table data-table="${esc(id)}">${caption}${head}\n${body}</table></div>`;
}

/** A figure: an SVG document of src/report/svg inline (our own markup, escaped there), with a caption. */
export function svgFigure(svg: string, o: { caption?: string; chart?: string; cls?: string } = {}): string {
  const chart = o.chart ? ` data-chart="${esc(o.chart)}"` : '';
  const cls = o.cls ? ` ${o.cls}` : '';
  const caption = o.caption ? `<figcaption>${esc(o.caption)}</figcaption>` : '';
  return `<figure class="figure${cls}"${chart}><div class="static">${svg.trim()}</div>${caption}</figure>`;
}

/** A paragraph of escaped text, with an optional class ("note", "warning"). */
export const para = (text: string, cls?: string): string => `<p${cls ? ` class="${cls}"` : ''}>${esc(text)}</p>`;

/** A section with an id (a link target) and a heading. */
export const section = (id: string, heading: string, body: string, level = 2): string =>
  `<section id="${esc(id)}"><h${level}>${esc(heading)}</h${level}>\n${body}\n</section>`;

/** An id for a link target from any string: letters, digits, `_` and `-`, prefixed and numbered so it is unique. */
export const anchorId = (prefix: string, index: number, name: string): string =>
  `${prefix}-${index}-${name.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 60)}`;

const BASE_CSS = `
:root{color-scheme:light;--ink:#1d2330;--muted:#5b6475;--line:#d9dde5;--bg:#ffffff;--band:#f5f7fa;--accent:#0b5cad}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
header.top{padding:18px 28px;border-bottom:1px solid var(--line);background:var(--band)}
header.top h1{margin:0 0 4px;font-size:22px}
header.top p{margin:0;color:var(--muted)}
nav.toc{padding:8px 28px;border-bottom:1px solid var(--line);font-size:14px}
nav.toc a{margin-right:14px}
main{padding:8px 28px 48px;max-width:1400px}
section{margin:18px 0 28px}
section section{margin:12px 0 18px}
h2{font-size:19px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:16px}
a{color:var(--accent)}
.grid{display:flex;flex-wrap:wrap;gap:16px}
figure.figure{margin:0;padding:8px;border:1px solid var(--line);border-radius:6px;background:#fff;max-width:100%}
figure.figure .static svg{display:block;max-width:100%;height:auto}
figure.small .static svg{width:420px;height:auto}
figure.figure figcaption{font-size:13px;color:var(--muted);margin-top:4px;max-width:640px}
figure.live .static{display:none}
.live-chart{min-width:300px}
.controls{font-size:13px;color:var(--muted);display:flex;gap:12px;align-items:center;margin:4px 0}
.table-wrap{overflow-x:auto;margin:8px 0}
table{border-collapse:collapse;font-size:14px}
th,td{border-bottom:1px solid var(--line);padding:4px 10px;text-align:left;vertical-align:top}
th{background:var(--band);font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
caption{text-align:left;font-weight:600;padding:4px 0}
p.note{color:var(--muted)}
p.warning{background:#fff4e5;border-left:4px solid #e69500;padding:6px 10px}
.verdict-holds{color:#1a7f37;font-weight:600}
.verdict-does-not-hold{color:#b42318;font-weight:600}
.verdict-inconclusive,.verdict-not-measured{color:#8a6d00;font-weight:600}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:13px;word-break:break-all}
details{margin:8px 0}
summary{cursor:pointer}
img.svg-file{max-width:100%;height:auto;display:block}
`;

export interface PageOptions {
  /** The document title (escaped here). */
  title: string;
  /** One line under the title (escaped here). */
  subtitle: string;
  /** Table of contents: [anchor id, label]. */
  toc: [string, string][];
  /** The body's sections, as markup built with the helpers above. */
  body: string;
  /** Everything the page shows, embedded as JSON (id `specl-data`). */
  data: unknown;
  /** The interactive layer: a bundled script (or none: the page is complete without it). */
  script?: string;
  /** Extra stylesheet text (uPlot's). */
  css?: string;
}

/**
 * The finished document. Its policy: nothing but the page itself (no
 * network, no frames, no forms, no plugins); the inline stylesheet and
 * script allowed by hash, images only as data: URLs.
 */
export function page(o: PageOptions): string {
  const css = `${BASE_CSS}${o.css ?? ''}`;
  const script = o.script ?? '';
  const policy = [
    "default-src 'none'",
    `style-src ${cspHash(css)}`,
    script ? `script-src ${cspHash(script)}` : "script-src 'none'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
    "object-src 'none'",
  ].join('; ');
  const toc = o.toc.map(([id, label]) => `<a href="#${esc(id)}">${esc(label)}</a>`).join('');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(policy)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="specl report">
<title>${esc(o.title)}</title>
<style>${css}</style>
</head>
<body>
<header class="top"><h1>${esc(o.title)}</h1><p>${esc(o.subtitle)}</p></header>
${toc ? `<nav class="toc">${toc}</nav>` : ''}
<main>
${o.body}
</main>
<script type="application/json" id="specl-data">${jsonForScript(o.data)}</script>
${script ? `<script>${script}</script>` : ''}
</body>
</html>
`;
}
