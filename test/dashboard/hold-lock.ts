/**
 * A child process for the dashboard's tests: takes the real lock of the run
 * folder argv[2] (src/train/run-lock.ts), says "locked" on stdout, and holds
 * it until stdin closes or it is killed (at most 5 minutes).
 */
import { lockRun } from '../../src/train/run-lock.ts';

const lock = lockRun(process.argv[2] as string);
process.stdout.write('locked\n');
const bound = setTimeout(() => process.exit(3), 300_000);
process.stdin.resume();
process.stdin.on('end', () => {
  clearTimeout(bound);
  lock.release();
  process.exit(0);
});
