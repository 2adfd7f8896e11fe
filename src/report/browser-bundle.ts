/**
 * Browser code for the HTML report and the dashboard, bundled by esbuild
 * into one IIFE string that the page inlines: no CDN, no second request,
 * nothing fetched at run time. The entry is a TypeScript file in a checkout
 * and its compiled .js beside it in an installed package (dist/), so the
 * same call works in both; a bundle is made once per process.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const cache = new Map<string, string>();
const require = createRequire(import.meta.url);

/** The entry's file: `x.ts` where it exists, else the compiled `x.js`. */
function entryPath(entry: URL): string {
  const path = fileURLToPath(entry);
  if (existsSync(path)) return path;
  const js = path.replace(/\.ts$/, '.js');
  if (existsSync(js)) return js;
  throw new Error(`browser bundle: no entry file ${path} (nor ${js})`);
}

/**
 * The browser entry `entry` (TypeScript with `/// <reference lib="dom" />`,
 * imports from node_modules allowed) bundled and minified into one script,
 * an IIFE for browsers from 2020 on. Safe to inline in `<script>`: esbuild
 * escapes `</script` inside strings, and the result is checked.
 */
export function browserBundle(entry: URL): string {
  const path = entryPath(entry);
  const hit = cache.get(path);
  if (hit !== undefined) return hit;
  const r = buildSync({
    entryPoints: [path],
    bundle: true,
    format: 'iife',
    minify: true,
    write: false,
    platform: 'browser',
    target: ['es2020'],
    charset: 'utf8',
    legalComments: 'none',
    logLevel: 'silent',
    // specl's own node_modules, wherever the entry lives
    nodePaths: [dirname(dirname(require.resolve('uplot/package.json')))],
  });
  const code = r.outputFiles[0]?.text ?? '';
  if (/<\/script/i.test(code)) throw new Error(`browser bundle ${path}: contains '</script', cannot be inlined`);
  cache.set(path, code);
  return code;
}

/** uPlot's stylesheet, to inline beside a bundle that draws uPlot charts. */
export function uplotCss(): string {
  return readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
}
