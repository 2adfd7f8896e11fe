/** Comparing the tensors of two safetensors files (weights of a resumed run against an uninterrupted one). */
import assert from 'node:assert/strict';
import { loadSafetensors, tidy } from '../../src/tensor/index.ts';

/**
 * The largest |a − b| over the tensors of two safetensors files, which must
 * hold the same keys and shapes (compared in float64). int64 tensors (BatchNorm's
 * batch counters) are left out unless `counters` is set.
 */
export function maxDiff(a: string, b: string, o: { counters?: boolean } = {}): number {
  return tidy(() => {
    const ta = loadSafetensors(a).tensors;
    const tb = loadSafetensors(b).tensors;
    assert.deepEqual(Object.keys(ta).sort(), Object.keys(tb).sort());
    let worst = 0;
    for (const [k, t] of Object.entries(ta)) {
      const u = tb[k];
      assert.ok(u, k);
      assert.deepEqual(t.shape, u.shape, k);
      if (t.dtype === 'int64' && !o.counters) continue;
      worst = Math.max(worst, t.to('float64').sub(u.to('float64')).abs().max().item());
    }
    return worst;
  });
}
