/** Reading a report's HTML back, independently of the code that wrote it: the embedded data and the tables' exact values. */
import assert from 'node:assert/strict';

/** The inverse of the report's escaping of text and attribute values. */
export const unescapeHtml = (s: string): string =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&amp;/g, '&');

/** The JSON in `<script type="application/json" id="specl-data">`. */
export function embeddedData<T = Record<string, unknown>>(html: string): T {
  const m = /<script type="application\/json" id="specl-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m, 'the report embeds its data');
  return JSON.parse(m[1] as string) as T;
}

/** One table cell: its attributes (unescaped) and its text (tags stripped, unescaped). */
export interface ParsedCell {
  attrs: Record<string, string>;
  text: string;
}

function attrsOf(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([a-zA-Z-]+)="([^"]*)"/g)) out[m[1] as string] = unescapeHtml(m[2] as string);
  return out;
}

/** The body rows of the table `data-table="id"`, each a list of cells. */
export function tableRows(html: string, id: string): ParsedCell[][] {
  const escaped = id.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const start = html.indexOf(`<table data-table="${escaped}">`);
  assert.ok(start >= 0, `a table ${id} in the report`);
  const end = html.indexOf('</table>', start);
  const body = html.slice(html.indexOf('<tbody>', start), end);
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) =>
    [...(r[1] as string).matchAll(/<td([^>]*)>([\s\S]*?)<\/td>/g)].map((c) => ({
      attrs: attrsOf(c[1] as string),
      text: unescapeHtml((c[2] as string).replace(/<[^>]*>/g, '')),
    })),
  );
}

/** A cell's exact number (its data-value); null for "null". */
export function cellValue(c: ParsedCell | undefined): number | null {
  assert.ok(c, 'a cell');
  const v = c.attrs['data-value'];
  assert.ok(v !== undefined, `cell "${c.text}" has a data-value`);
  return v === 'null' ? null : Number(v);
}
