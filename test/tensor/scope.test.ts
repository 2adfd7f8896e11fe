/**
 * Memory scopes: tidy frees what it created except what it returns (anywhere
 * in arrays, plain objects, Maps), returned tensors move to the enclosing
 * scope, keep() exempts, errors still free, async functions are refused.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Generator, keep, ones, scopeDepth, type Tensor, tensor, tidy, zeros } from '../../src/tensor/index.ts';

describe('tidy', () => {
  test('frees temporaries, not the returned tensor', () => {
    let tmp: Tensor[] = [];
    const out = tidy(() => {
      const a = ones([3]);
      const b = a.mul(2);
      const c = b.add(1);
      tmp = [a, b];
      return c;
    });
    assert.equal(scopeDepth(), 0);
    for (const t of tmp) assert.equal(t.isDisposed, true);
    assert.equal(out.isDisposed, false);
    assert.deepEqual(out.toArray(), [3, 3, 3]);
    out.dispose();
  });

  test('returned tensors nested in arrays, objects and Maps survive', () => {
    let tmp: Tensor | null = null;
    const r = tidy(() => {
      tmp = zeros([1]);
      const m = new Map<string, Tensor>([['m', ones([1]).mul(5)]]);
      return { list: [ones([1]), [ones([2])]], obj: { deep: { t: ones([3]) } }, m, n: 4, s: 'x' };
    });
    assert.equal((tmp as Tensor | null)?.isDisposed, true);
    const all = [r.list[0] as Tensor, (r.list[1] as Tensor[])[0] as Tensor, r.obj.deep.t, r.m.get('m') as Tensor];
    for (const t of all) assert.equal(t.isDisposed, false);
    assert.deepEqual((r.m.get('m') as Tensor).toArray(), [5]);
    for (const t of all) t.dispose();
  });

  test('results of multi-output ops (split, maxDim) are tracked', () => {
    let parts: Tensor[] = [];
    let idx: Tensor | null = null;
    const v = tidy(() => {
      parts = ones([4]).split(2);
      const { values, indices } = ones([2, 2]).maxDim(1);
      idx = indices;
      return values;
    });
    for (const p of parts) assert.equal(p.isDisposed, true);
    assert.equal((idx as Tensor | null)?.isDisposed, true);
    assert.equal(v.isDisposed, false);
    v.dispose();
  });

  test('tensors created outside are untouched; returning one does not adopt it', () => {
    const outside = ones([2]);
    const same = tidy(() => {
      outside.add(1);
      return outside;
    });
    assert.equal(same, outside);
    tidy(() => {
      // the outer scope did not adopt `outside`: ending it leaves `outside` alive
      tidy(() => outside);
    });
    assert.equal(outside.isDisposed, false);
    outside.dispose();
  });

  test('returned tensors move to the enclosing scope', () => {
    let inner: Tensor | null = null;
    let innerTmp: Tensor | null = null;
    tidy(() => {
      inner = tidy(() => {
        innerTmp = ones([1]);
        return ones([1]).mul(3);
      });
      assert.equal((innerTmp as Tensor | null)?.isDisposed, true);
      assert.equal((inner as Tensor | null)?.isDisposed, false, 'alive in the outer scope');
      // not returned by the outer scope
    });
    assert.equal((inner as Tensor | null)?.isDisposed, true, 'freed with the outer scope');

    const kept = tidy(() => tidy(() => tidy(() => ones([2]).mul(2))));
    assert.equal(kept.isDisposed, false, 'returned through every level');
    kept.dispose();
  });

  test('nested scopes: depth, and inner scopes free only their own tensors', () => {
    assert.equal(scopeDepth(), 0);
    let outerTmp: Tensor | null = null;
    tidy(() => {
      assert.equal(scopeDepth(), 1);
      outerTmp = ones([1]);
      tidy(() => {
        assert.equal(scopeDepth(), 2);
        ones([1]);
      });
      assert.equal((outerTmp as Tensor | null)?.isDisposed, false, 'inner scope leaves outer tensors alone');
      assert.equal(scopeDepth(), 1);
    });
    assert.equal((outerTmp as Tensor | null)?.isDisposed, true);
    assert.equal(scopeDepth(), 0);
  });

  test('keep() exempts a tensor (function and method forms)', () => {
    let a: Tensor | null = null;
    let b: Tensor | null = null;
    let c: Tensor | null = null;
    tidy(() => {
      a = keep(ones([1]));
      b = ones([1]).keep();
      c = ones([1]);
    });
    assert.equal((a as Tensor | null)?.isDisposed, false);
    assert.equal((b as Tensor | null)?.isDisposed, false);
    assert.equal((c as Tensor | null)?.isDisposed, true);
    // a kept tensor is not freed by an enclosing scope either
    let d: Tensor | null = null;
    tidy(() => {
      tidy(() => {
        d = ones([1]).keep();
      });
    });
    assert.equal((d as Tensor | null)?.isDisposed, false);
    for (const t of [a, b, d] as (Tensor | null)[]) t?.dispose();
  });

  test('an error thrown inside still frees the scope and restores the depth', () => {
    let tmp: Tensor | null = null;
    assert.throws(
      () =>
        tidy(() => {
          tmp = ones([5]);
          tidy(() => {
            throw new Error('inner failure');
          });
        }),
      /inner failure/,
    );
    assert.equal((tmp as Tensor | null)?.isDisposed, true);
    assert.equal(scopeDepth(), 0);
    // a libtorch error too
    assert.throws(() => tidy(() => ones([2, 3]).matmul(ones([2, 3]))), /cannot be multiplied/);
    assert.equal(scopeDepth(), 0);
  });

  test('an async function is refused and what it created before the first await is freed', async () => {
    let tmp: Tensor | null = null;
    assert.throws(
      () =>
        tidy(async () => {
          tmp = ones([1]);
          await Promise.resolve();
          return 1;
        }),
      /tidy\(\) needs a synchronous function/,
    );
    assert.equal((tmp as Tensor | null)?.isDisposed, true);
    assert.equal(scopeDepth(), 0);
  });

  test('disposing inside a scope is fine; tensors from generators and .grad are tracked', () => {
    let s: Tensor | null = null;
    let g: Tensor | null = null;
    const x = tensor([1, 2], { requiresGrad: true });
    tidy(() => {
      const t = ones([2]);
      t.dispose();
      s = new Generator(1).getState();
      x.mul(2).sum().backward();
      g = x.grad;
    });
    assert.equal((s as Tensor | null)?.isDisposed, true);
    assert.equal((g as Tensor | null)?.isDisposed, true);
    // disposing the handle of .grad does not clear the gradient itself
    assert.deepEqual(
      tidy(() => (x.grad as Tensor).toArray()),
      [2, 2],
    );
    x.dispose();
  });
});
