/**
 * op-overhead: calls per second of tiny eager operations, where the kernel
 * costs almost nothing and the time is the binding's: specl's boxed
 * dispatcher call from JavaScript (with its tensor handle and scope
 * bookkeeping) against PyTorch's Python binding. Cases: an 8×8 add, a
 * 1×2×6×6 conv2d, and a forward+backward of a 3-op graph on an 8×8 leaf.
 */
import { nnf, randn, tidy } from '../src/tensor/index.ts';
import { alternate } from './lib/alternate.ts';
import { positive, withReference } from './lib/reference.ts';
import { benchThreads } from './lib/threads.ts';
import { median, timePerStep } from './lib/timing.ts';
import type { Benchmark } from './lib/types.ts';

const CASES = [
  { op: 'add', iters: 20000 },
  { op: 'conv', iters: 5000 },
  { op: 'backward', iters: 3000 },
] as const;

export const opOverhead: Benchmark = {
  name: 'op-overhead',
  quick: true,
  description: 'calls/s of tiny eager ops (binding cost: JS→dispatcher vs Python→ATen)',
  async run(ctx) {
    const threads = benchThreads(ctx.options);
    const a = randn([8, 8]).keep();
    const b = randn([8, 8]).keep();
    const x = randn([1, 2, 6, 6]).keep();
    const w = randn([2, 2, 3, 3]).keep();
    const p = randn([8, 8]).requiresGrad_().keep();
    const steps: Record<(typeof CASES)[number]['op'], () => void> = {
      // Each result is freed at once, as Python's refcount frees an unused result.
      add: () => a.add(b).dispose(),
      conv: () => nnf.conv2d(x, w, null, { padding: 1 }).dispose(),
      backward: () =>
        tidy(() => {
          p.mul(a).sum().backward();
          p.grad = null;
        }),
    };
    try {
      await withReference(
        'op_overhead.py',
        threads,
        async (ref) => {
          for (const c of CASES) {
            const name = `${c.op}`;
            if (ctx.options.case !== undefined && !name.includes(ctx.options.case)) continue;
            const t = await alternate(
              ctx.options.repeats ?? 3,
              () => timePerStep(steps[c.op], { warmup: 200, steps: c.iters }),
              async () =>
                positive(
                  await ref.request({ op: c.op, warmup: 200, iters: c.iters }),
                  'seconds_per_iter',
                  'op_overhead.py',
                ),
            );
            ctx.emit({ case: name, specl: 1 / median(t.specl), reference: 1 / median(t.reference), unit: 'calls/s' });
          }
        },
        ctx.log,
      );
    } finally {
      for (const t of [a, b, x, w, p]) t.dispose();
    }
  },
};
