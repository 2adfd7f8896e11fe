/** Running the `specl` command as a user does (a real process, bounded in time) and reading its help texts. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;

/** `specl ARGS…` in the repository, stdout and stderr as text; killed after `timeout` ms. */
export const specl = (args: string[], timeout = 240_000) =>
  spawnSync(process.execPath, [join(root, 'bin/specl.js'), ...args], { encoding: 'utf8', cwd: root, timeout });

/** The value a help text's "(default: …)" states: none → null, booleans, numbers (units dropped), comma lists. */
export function literal(s: string): unknown {
  if (s === 'none') return null;
  if (s === 'true' || s === 'false') return s === 'true';
  if (/^[\d.e+-]+(,[\d.e+-]+)+$/.test(s)) return s.split(',').map(Number);
  const n = Number(s.replace(/ (images|seconds|steps|minutes|iterations)$/, ''));
  return Number.isNaN(n) ? s : n;
}
