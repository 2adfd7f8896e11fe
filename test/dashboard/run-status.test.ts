/**
 * runStatus on real run folders: finished (summary.json), running (the lock
 * held by a live child process), interrupted (an `interrupted` event, or a
 * lock left by a process that was SIGKILLed), failed (a `nan` event).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runStatus } from '../../src/train/run-status.ts';
import { until, writeRun } from './fixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'specl-run-status-'));
const holder = new URL('./hold-lock.ts', import.meta.url).pathname;
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

/** A child holding the run's lock; resolves once it holds it. */
async function holdLock(dir: string): Promise<ChildProcess> {
  const c = spawn(process.execPath, ['--import', 'tsx', holder, dir], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(c);
  let out = '';
  c.stdout?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  await until('the child to take the lock', () => out.includes('locked') || c.exitCode !== null, 60_000);
  assert.ok(out.includes('locked'), `the lock holder exited with ${c.exitCode}`);
  return c;
}

const exited = (c: ChildProcess) =>
  new Promise<void>((resolve) =>
    c.exitCode !== null || c.signalCode !== null ? resolve() : c.once('exit', () => resolve()),
  );

describe('runStatus', () => {
  test('finished: summary.json is there', () => {
    const dir = join(root, 'finished');
    writeRun(dir, { finished: true });
    assert.equal(runStatus(dir), 'finished');
  });

  test('running while a live process holds the lock; interrupted once it is SIGKILLed (the lock left behind)', async () => {
    const dir = join(root, 'running');
    writeRun(dir, { finished: false });
    assert.equal(runStatus(dir), 'interrupted', 'no lock, no summary, no event: interrupted');
    const c = await holdLock(dir);
    assert.equal(runStatus(dir), 'running');
    c.kill('SIGKILL');
    await exited(c);
    assert.ok(existsSync(join(dir, 'lock')), 'a SIGKILLed holder leaves its lock file');
    assert.equal(runStatus(dir), 'interrupted', "a dead holder's lock is not a running run");
  });

  test('a lock released cleanly: the run is no longer running', async () => {
    const dir = join(root, 'released');
    writeRun(dir, { finished: false });
    const c = await holdLock(dir);
    assert.equal(runStatus(dir), 'running');
    c.stdin?.end();
    await exited(c);
    assert.equal(c.exitCode, 0);
    assert.ok(!existsSync(join(dir, 'lock')));
    assert.equal(runStatus(dir), 'interrupted');
  });

  test('interrupted: the last event is `interrupted`', () => {
    const dir = join(root, 'interrupted');
    writeRun(dir, { finished: false, events: [{ type: 'event', step: 20, event: 'interrupted' }] });
    assert.equal(runStatus(dir), 'interrupted');
  });

  test('failed: the last lifecycle event is `nan`; a resume after it is no longer failed', () => {
    const dir = join(root, 'failed');
    writeRun(dir, { finished: false, events: [{ type: 'event', step: 20, event: 'nan', loss: 'NaN' }] });
    assert.equal(runStatus(dir), 'failed');
    appendFileSync(join(dir, 'metrics.jsonl'), `${JSON.stringify({ type: 'event', step: 10, event: 'resume' })}\n`);
    assert.equal(runStatus(dir), 'interrupted');
  });

  test('finished wins over a brief writer holding the lock (specl probe writing its report)', async () => {
    const dir = join(root, 'probing');
    writeRun(dir, { finished: true });
    const c = await holdLock(dir);
    assert.equal(runStatus(dir), 'finished');
    unlinkSync(join(dir, 'summary.json'));
    assert.equal(runStatus(dir), 'running');
    c.stdin?.end();
    await exited(c);
  });
});
