/** setThreadNice changes the calling thread's priority only (Linux keeps nice per thread). */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { setThreadNice } from '../../src/tensor/index.ts';
import { firstMessage, tsWorker } from '../helpers/ts-worker.ts';

/** Field 19 of /proc/…/stat is the nice value; fields after the ")" of the command name. */
const niceOf = (stat: string): number => Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);

test('a worker thread lowers its own priority, the main thread keeps its own', {
  skip: !existsSync('/proc/thread-self/stat'),
}, async () => {
  const before = niceOf(readFileSync('/proc/thread-self/stat', 'utf8'));
  const w = tsWorker(new URL('./fixtures/worker-nice.ts', import.meta.url), { workerData: { nice: 7 } });
  const r = await firstMessage<{ ok: boolean; stat: string }>(w);
  await w.terminate();
  assert.equal(r.ok, true);
  assert.equal(niceOf(r.stat), Math.max(7, before));
  assert.equal(niceOf(readFileSync('/proc/thread-self/stat', 'utf8')), before);
});

test('setThreadNice refuses values outside -20…19', () => {
  assert.throws(() => setThreadNice(20), /-20…19/);
  assert.throws(() => setThreadNice(1.5), /-20…19/);
});
