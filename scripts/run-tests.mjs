#!/usr/bin/env node
// Runs every test/**/*.test.ts with node's own test runner (through tsx),
// one file at a time: each file already uses every core through libtorch.
// Usage: npm test [-- substring …] to run only files whose path matches.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : name.endsWith('.test.ts') ? [p] : [];
  });
}
const filters = process.argv.slice(2);
const files = walk(join(root, 'test'))
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
// The spec report goes to the terminal; a TAP copy gives the totals for the
// plain closing line `tests: N passed, N failed, N skipped`.
const tapDir = mkdtempSync(join(tmpdir(), 'specl-tests-'));
const tapFile = join(tapDir, 'report.tap');
const res = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=1',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tapFile}`,
    ...files,
  ],
  { cwd: root, stdio: 'inherit' },
);
try {
  const tap = readFileSync(tapFile, 'utf8');
  const count = (key) => Number(new RegExp(`^# ${key} (\\d+)$`, 'm').exec(tap)?.[1] ?? 0);
  console.log(`tests: ${count('pass')} passed, ${count('fail')} failed, ${count('skipped')} skipped`);
} catch {
  // no report: the runner itself failed, and its exit status says so
}
rmSync(tapDir, { recursive: true, force: true });
process.exit(res.status ?? 1);
