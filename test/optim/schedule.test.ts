/** warmupCosine against its closed form, and applySchedule's per-group lrScale. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applySchedule, SGD, warmupCosine } from '../../src/optim/index.ts';
import { makeParams } from './quadratic.ts';

test('warmupCosine: 0 at step 0, baseLr at the end of warm-up, midpoint of the cosine, finalLr at the end', () => {
  const s = warmupCosine({ baseLr: 0.6, warmupSteps: 10, totalSteps: 110, finalLr: 0.01 });
  assert.equal(s(0), 0);
  assert.ok(Math.abs(s(5) - 0.3) < 1e-15, 'linear: half way through warm-up');
  assert.ok(Math.abs(s(10) - 0.6) < 1e-15, 'end of warm-up');
  // Half way through the cosine: cos(π/2) = 0 → (base + final)/2.
  assert.ok(Math.abs(s(60) - (0.6 + 0.01) / 2) < 1e-15, 'middle');
  // A quarter: cos(π/4) = √2/2.
  assert.ok(Math.abs(s(35) - (0.01 + (0.59 * (1 + Math.SQRT1_2)) / 2)) < 1e-15, 'quarter');
  assert.ok(Math.abs(s(110) - 0.01) < 1e-15, 'end');
  assert.ok(Math.abs(s(500) - 0.01) < 1e-15, 'stays at finalLr after the end');
  const noWarm = warmupCosine({ baseLr: 1, warmupSteps: 0, totalSteps: 4 });
  assert.deepEqual(
    [0, 1, 2, 3, 4].map((t) => Number(noWarm(t).toFixed(12))),
    [1, 0.853553390593, 0.5, 0.146446609407, 0],
  );
});

test('warmupCosine: bad arguments are clear Errors', () => {
  assert.throws(
    () => warmupCosine({ baseLr: 0.1, warmupSteps: 10, totalSteps: 10 }),
    /totalSteps must be an integer > warmupSteps \(10\), got 10/,
  );
  assert.throws(() => warmupCosine({ baseLr: -1, warmupSteps: 0, totalSteps: 10 }), /baseLr/);
  assert.throws(() => warmupCosine({ baseLr: 1, warmupSteps: 0, totalSteps: 10 })(-1), /step must be ≥ 0/);
});

test('applySchedule sets every group to schedule(step)·lrScale and returns the unscaled rate', () => {
  const [a, b] = makeParams();
  const opt = new SGD([{ params: [a!] }, { params: [b!], lrScale: 0.1 }], { lr: 123 });
  const s = warmupCosine({ baseLr: 2, warmupSteps: 4, totalSteps: 8 });
  assert.equal(applySchedule(opt, s, 2), 1);
  assert.equal(opt.paramGroups[0]?.lr, 1);
  assert.ok(Math.abs((opt.paramGroups[1]?.lr as number) - 0.1) < 1e-15);
  applySchedule(opt, s, 4);
  assert.equal(opt.paramGroups[0]?.lr, 2);
});
