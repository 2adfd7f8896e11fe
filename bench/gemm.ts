/**
 * gemm: float32 matrix product C = A·B of two n×n matrices (n = 1024) through
 * `Tensor.mm`, in GFLOP/s = 2n³ / seconds / 10⁹, against torch.mm with the
 * same thread count. Both call the same libtorch kernel, so the ratio measures
 * what the binding adds per call (target ≥ 0.95). Each side reports its
 * best repeat: the kernel's time does not vary by itself, so the fastest run
 * is the one least disturbed by other work on the shared machine.
 */
import { noGrad, randn } from '../src/tensor/index.ts';
import { alternate } from './lib/alternate.ts';
import { positive, withReference } from './lib/reference.ts';
import { benchThreads } from './lib/threads.ts';
import { timePerStep } from './lib/timing.ts';
import type { Benchmark } from './lib/types.ts';

const N = 1024;
const WARMUP = 3;
const ITERS = 50;
const REPEATS = 7;

const gflops = (seconds: number): number => (2 * N ** 3) / seconds / 1e9;

export const gemm: Benchmark = {
  name: 'gemm',
  quick: true,
  description: `${N}³ float32 matmul (Tensor.mm vs torch.mm), GFLOP/s`,
  async run(ctx) {
    const caseName = `mm-${N}-float32`;
    if (ctx.options.case !== undefined && !caseName.includes(ctx.options.case)) return;
    const repeats = ctx.options.repeats ?? REPEATS;
    const threads = benchThreads(ctx.options);
    const a = randn([N, N]);
    const b = randn([N, N]);
    // A fresh output per call, as torch.mm(a, b) does; freed at once so memory stays flat.
    const mm = (): void => a.mm(b).dispose();
    try {
      const t = await withReference(
        'gemm.py',
        threads,
        (ref) =>
          alternate(
            repeats,
            () => noGrad(() => timePerStep(mm, { warmup: WARMUP, steps: ITERS })),
            async () =>
              positive(await ref.request({ n: N, warmup: WARMUP, iters: ITERS }), 'seconds_per_iter', 'gemm.py'),
            {
              warmupRounds: 1,
              onRepeat: (r, s, p) =>
                ctx.log(`${r + 1}/${repeats}: specl ${gflops(s).toFixed(1)}, torch ${gflops(p).toFixed(1)} GFLOP/s`),
            },
          ),
        ctx.log,
      );
      ctx.emit({
        case: caseName,
        specl: gflops(Math.min(...t.specl)),
        reference: gflops(Math.min(...t.reference)),
        unit: 'GFLOP/s',
      });
    } finally {
      a.dispose();
      b.dispose();
    }
  },
};
