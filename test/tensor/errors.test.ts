/**
 * Bad input gives an Error whose message says what was wrong, and the
 * process (or worker thread) keeps working afterwards.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, test } from 'node:test';
import { type DType, dtypeCode, nnf, ones, op, opSchema, randn, tensor, tidy } from '../../src/tensor/index.ts';
import { firstMessage, tsWorker } from '../helpers/ts-worker.ts';

/** A normal op still gives the right answer. */
function stillWorks(): void {
  tidy(() =>
    assert.deepEqual(
      ones([2, 3])
        .matmul(ones([3, 2]))
        .toArray(),
      [3, 3, 3, 3],
    ),
  );
}

/** Asserts fn throws an Error (instance of `cls`) whose message matches `re`. */
function throwsError(fn: () => unknown, re: RegExp, cls: ErrorConstructor = Error): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${String(e)}`);
    assert.match((e as Error).message, re);
    return true;
  });
}

describe('errors', () => {
  afterEach(stillWorks);

  test('shape mismatch in matmul names both shapes', () =>
    tidy(() => {
      throwsError(() => ones([2, 3]).matmul(ones([2, 3])), /mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x3\)/);
      throwsError(() => ones([2, 3]).mm(ones([2, 3])), /2x3 and 2x3/);
      throwsError(() => ones([2, 3]).add(ones([3, 2])), /size of tensor a \(3\) must match the size of tensor b \(2\)/);
      throwsError(() => ones([2, 3]).view(4), /shape '\[4\]' is invalid for input of size 6/);
    }));

  test('wrong dtypes: crossEntropy targets, float index', () =>
    tidy(() => {
      const logits = randn([4, 3]);
      throwsError(
        () => nnf.crossEntropy(logits, randn([4])),
        /crossEntropy: a floating-point target holds class probabilities and must have the logits' shape \[4,3\], got \[4\]/,
        RangeError,
      );
      throwsError(
        () => nnf.crossEntropy(logits, tensor(new Int32Array([0, 1, 2, 0]))),
        /crossEntropy: class-index targets must be int64, got int32/,
        TypeError,
      );
      throwsError(
        () => nnf.crossEntropy(logits, tensor(new BigInt64Array(3))),
        /class-index targets must have shape \[4\] .* got \[3\]/,
        RangeError,
      );
      throwsError(
        () => ones([3, 2]).indexSelect(0, tensor([0, 1])),
        /index_select\(\): Expected dtype int32 or int64 for index/,
      );
      throwsError(() => ones([3]).gather(0, tensor([0])), /gather\(\): Expected dtype int64 for index/);
      throwsError(() => dtypeCode('float128' as DType), /unknown dtype 'float128': expected one of/, TypeError);
    }));

  test('use of a disposed tensor', () => {
    const t = ones([2, 2]);
    t.dispose();
    assert.equal(t.isDisposed, true);
    t.dispose(); // idempotent
    throwsError(() => t.add(1), /the tensor was disposed and can no longer be used/);
    throwsError(() => t.shape, /shape: the tensor was disposed/);
    throwsError(() => t.data(), /disposed/);
    throwsError(() => tidy(() => ones([2, 2]).add(t)), /aten::add.Tensor: the tensor was disposed/);
  });

  test('unknown operator names', () => {
    throwsError(() => op('aten::no_such_op', []), /libtorch has no operator aten::no_such_op/);
    throwsError(() => op('aten::add.NoSuchOverload', []), /libtorch has no operator aten::add.NoSuchOverload/);
    throwsError(() => opSchema('aten::also_missing'), /no operator aten::also_missing/);
    // a failed lookup is not cached as a success
    throwsError(() => op('aten::no_such_op', []), /no operator/);
  });

  test('wrong argument types to op()', () =>
    tidy(() => {
      const t = ones([2, 3]);
      throwsError(() => op('aten::add.Tensor', ['x', 1]), /aten::add.Tensor: expected a Tensor/, TypeError);
      throwsError(() => op('aten::reshape', [t, 'abc']), /aten::reshape: argument 'shape' expects an array/, TypeError);
      throwsError(
        () => op('aten::sum.dim_IntList', [t, [1.5], false]),
        /argument 'dim' expects an integer, got 1.5/,
        TypeError,
      );
      throwsError(
        () => op('aten::sum.dim_IntList', [t, [0], 'yes']),
        /argument 'keepdim' expects a boolean/,
        TypeError,
      );
      throwsError(() => op('aten::linalg_eigh', [t, 3]), /argument 'UPLO' expects a string/, TypeError);
      throwsError(() => op('aten::mul.Tensor', [t]), /aten::mul.Tensor: missing argument 'other'/, TypeError);
      throwsError(() => op('aten::neg', [t, t, t]), /aten::neg: 3 arguments given, the schema takes 1/, TypeError);
      throwsError(() => op('aten::add.Scalar', [t, 'two']), /argument 'other' expects a number/, TypeError);
    }));

  test('libtorch refuses a bad value (not only a bad type)', () =>
    tidy(() => {
      throwsError(
        () => ones([2, 3]).select(0, 5),
        /select\(\): index 5 out of range for tensor of size \[2, 3\] at dimension 0/,
      );
      throwsError(() => ones([2, 3]).sum(4), /Dimension out of range/);
      throwsError(() => ones([2, 3]).size(2), /size\(2\): tensor has 2 dimensions/, RangeError);
    }));
});

test('native entry points that throw inside libtorch raise Errors instead of aborting', () => {
  const fixture = new URL('./fixtures/native-throws.ts', import.meta.url).pathname;
  const r = spawnSync(process.execPath, ['--import', 'tsx', fixture], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `the process died: ${r.stderr.slice(0, 500)}`);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.at(-1), 'alive');
  assert.match(r.stdout, /storageId of a sparse tensor: Error: Cannot access storage of SparseTensorImpl/);
  assert.match(r.stdout, /generator state of the wrong size: Error: /);
  assert.match(
    r.stdout,
    /fromBuffer with a wrong byte count: Error: fromBuffer: the data holds 12 bytes but shape and dtype need 16/,
  );
  assert.match(r.stdout, /shape of a non-tensor: Error: shape: expected a Tensor/);
});

describe('errors in worker threads', () => {
  test('a libtorch error in a worker arrives there as an Error; the worker keeps working', async () => {
    const w = tsWorker(new URL('./fixtures/worker-errors.ts', import.meta.url), { workerData: { mode: 'catch' } });
    const m = await firstMessage<{
      caught: { isError: boolean; name: string; message: string } | null;
      after: number[];
    }>(w);
    assert.ok(m.caught, 'the worker caught an error');
    assert.equal(m.caught.isError, true);
    assert.match(m.caught.message, /mat1 and mat2 shapes cannot be multiplied \(2x3 and 2x3\)/);
    assert.deepEqual(m.after, [3, 3, 3, 3]);
    await w.terminate();
    stillWorks();
  });

  test('an uncaught libtorch error in a worker reaches the parent as an error event', async () => {
    const w = tsWorker(new URL('./fixtures/worker-errors.ts', import.meta.url), { workerData: { mode: 'throw' } });
    const err = await new Promise<unknown>((resolve) => {
      w.once('error', resolve);
      w.once('exit', () => resolve(null));
    });
    assert.ok(err instanceof Error, `got ${String(err)}`);
    assert.match(err.message, /mat1 and mat2 shapes cannot be multiplied/);
    stillWorks();
  });
});
