/**
 * A child process for the dashboard's tests: takes the real lock of the run
 * folder argv[2] (src/train/run-lock.ts), says "locked" on stdout, and holds
 * it until stdin closes or it is killed (at most 5 minutes). With
 * `--append` (argv[3]) it is the run's writer too: each line it reads on
 * stdin is appended to the run's metrics.jsonl, as training appends them,
 * and acknowledged with "appended N" on stdout.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { lockRun } from '../../src/train/run-lock.ts';

const dir = process.argv[2] as string;
const append = process.argv[3] === '--append';
const lock = lockRun(dir);
process.stdout.write('locked\n');
const bound = setTimeout(() => process.exit(3), 300_000);
let buf = '';
let appended = 0;
process.stdin.resume();
process.stdin.on('data', (b: Buffer) => {
  if (!append) return;
  buf += b.toString('utf8');
  const end = buf.lastIndexOf('\n');
  if (end < 0) return;
  const lines = buf.slice(0, end + 1);
  buf = buf.slice(end + 1);
  appendFileSync(join(dir, 'metrics.jsonl'), lines);
  appended += lines.split('\n').length - 1;
  process.stdout.write(`appended ${appended}\n`);
});
process.stdin.on('end', () => {
  clearTimeout(bound);
  lock.release();
  process.exit(0);
});
