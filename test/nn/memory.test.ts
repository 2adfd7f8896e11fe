/**
 * Memory stays flat through the real training stack (modules, batch norm,
 * channels-last, optimizer state, schedule, checkpoint files): RSS after step
 * 2,000 within 5% of RSS after step 200 (the bound). The tensor-level
 * version, and the check that the measurement catches a leak, are in
 * test/tensor/memory.test.ts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const fixture = new URL('./fixtures/convnet-memory.ts', import.meta.url).pathname;

test('2,000 steps of ConvNet + head + SGD with checkpoints: RSS within 5% of step 200', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'specl-mem-'));
  try {
    const r = await new Promise<{ rssWarm: number; rssEnd: number; losses: number[] }>((resolve, reject) => {
      execFile(
        process.execPath,
        // fixed 1 MiB V8 young generation: its growth with the allocation rate is not ours to measure
        ['--expose-gc', '--max-semi-space-size=1', '--import', 'tsx', fixture, dir],
        { env: { ...process.env, SPECL_NUM_THREADS: '1' }, maxBuffer: 16 << 20, timeout: 240_000 },
        (err, stdout, stderr) =>
          err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(JSON.parse(stdout.trim().split('\n').pop()!)),
      );
    });
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.equal(r.losses.length, 2000);
    assert.ok(mean(r.losses.slice(-100)) < 0.8 * mean(r.losses.slice(0, 100)), 'the network learns');
    const growth = r.rssEnd / r.rssWarm - 1;
    assert.ok(
      growth <= 0.05,
      `RSS ${(r.rssWarm / 2 ** 20).toFixed(1)} MiB at step 200 → ${(r.rssEnd / 2 ** 20).toFixed(1)} MiB at step 2000 (${(100 * growth).toFixed(1)}%)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
