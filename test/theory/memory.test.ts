/**
 * The memory guards of the dense theory computations (src/theory/memory.ts):
 * each estimate against a hand computation of its formula; each check refused
 * just above an injected limit, with the estimate, the limit and the sparse
 * alternative in the message, and run just below it; the library functions'
 * own guards at sizes no machine has; the default limit against the machine.
 */
import assert from 'node:assert/strict';
import { totalmem } from 'node:os';
import { describe, it } from 'node:test';
import { connectivityCheck, connectivityMemory } from '../../src/experiments/theory/connectivity.ts';
import { learnedMemory, resolveLearnedOptions } from '../../src/experiments/theory/learned.ts';
import { optimumCheck, optimumMemory, optimumOnMatrix } from '../../src/experiments/theory/optimum.ts';
import { separabilityCheck, separabilityMemory } from '../../src/experiments/theory/separability.ts';
import { tensor, tidy } from '../../src/tensor/index.ts';
import { augmentationGraph, augmentationGraphMemory } from '../../src/theory/augmentation-graph.ts';
import { denseEigsMemory, topEigenpairs } from '../../src/theory/eigs.ts';
import { graphFromEdges, normalizedAdjacency } from '../../src/theory/graph.ts';
import {
  checkDenseMemory,
  defaultMemoryLimit,
  denseMatrices,
  formatBytes,
  largestFitting,
  machineMemory,
} from '../../src/theory/memory.ts';
import { coPosteriorMatrix, nystromKernel } from '../../src/theory/nystrom.ts';

/** 4 chunk buffers of 2²² float64: 4·8·4 194 304 bytes. */
const CHUNKS = 134_217_728;

describe('the estimates, by hand', () => {
  it('augmentationGraph: 8·(4N² + 3N·n̄ + 2N·d) bytes + 128 MiB', () => {
    // N = 1000, n̄ = 250, d = 3: 4 000 000 + 750 000 + 6 000 = 4 756 000 doubles.
    assert.equal(augmentationGraphMemory(250, 3).bytes(1000), 8 * 4_756_000 + CHUNKS);
  });

  it('the dense eigensolver: 3 N×N (4 from a sparse matrix)', () => {
    assert.equal(denseEigsMemory(false).bytes(1000), 24_000_000);
    assert.equal(denseEigsMemory(true).bytes(1000), 32_000_000);
  });

  it('theory optimum: 8·(5N² + 3N·⌈N/copies⌉ + 4N·d) bytes + 128 MiB', () => {
    // N = 1000, copies 4 (n̄ = 250), d = 3: 5 000 000 + 750 000 + 12 000 = 5 762 000 doubles.
    assert.equal(optimumMemory(4, 3).bytes(1000), 8 * 5_762_000 + CHUNKS);
    // copies 3: n̄ = ⌈1000/3⌉ = 334, 3·1000·334 = 1 002 000.
    assert.equal(optimumMemory(3, 3).bytes(1000), 8 * (5_000_000 + 1_002_000 + 12_000) + CHUNKS);
    // 20 000 vertices at the defaults: 8·(2·10⁹ + 3·10⁸ + 240 000) bytes + 128 MiB ≈ 17.3 GiB.
    assert.equal(optimumMemory(4, 3).bytes(20_000), 8 * 2_300_240_000 + CHUNKS);
  });

  it('theory separability: exact 8·(5N² + 3N·n̄ + 4N·d) + 128 MiB; k-NN with the dense solver 8·(4N² + 4N·d)', () => {
    assert.equal(separabilityMemory('exact', 4, 4).bytes(1000), 8 * (5_000_000 + 750_000 + 16_000) + CHUNKS);
    assert.equal(separabilityMemory('knn', 4, 4).bytes(1000), 8 * (4_000_000 + 16_000));
  });

  it('theory connectivity: 8·(7N² + 4N·d) bytes + 128 MiB', () => {
    assert.equal(connectivityMemory(3).bytes(1000), 8 * (7_000_000 + 12_000) + CHUNKS);
  });

  it('theory learned: the larger of the Nyström phase and the co-posterior phase', () => {
    // n̄ = 120, d = 8, N = 2000: Nyström 5·4·10⁶ + 3·2000·120 + 4·2000·8 = 20 784 000 doubles + 128 MiB;
    // co-posterior on N′ = 120·max(50, ⌈2000/120⌉ = 17) = 6000 samples: 2·4·10⁶ + 9·6000·120 + 3·120² = 14 523 200.
    assert.equal(learnedMemory(120, 8).bytes(2000), 8 * 20_784_000 + CHUNKS);
    // n̄ = 10 000: N′ = 500 000, 2·4·10⁶ + 9·500 000·10 000 + 3·10⁸ = 45 308 000 000 doubles — the co-posterior wins.
    assert.equal(learnedMemory(10_000, 8).bytes(2000), 8 * 45_308_000_000);
  });

  it('largestFitting inverts the estimate; formatBytes uses binary units', () => {
    const e = denseMatrices(1); // 8n²
    assert.equal(largestFitting(e, 800), 10);
    assert.equal(largestFitting(e, 799), 9);
    assert.equal(largestFitting(e, 7), 0);
    assert.equal(largestFitting(optimumMemory(4, 3), optimumMemory(4, 3).bytes(777)), 777);
    assert.equal(formatBytes(3 * 2 ** 30), '3.0 GiB');
    assert.equal(formatBytes(1536), '1.5 KiB');
    assert.equal(formatBytes(100), '100 bytes');
  });

  it('the default limit is 80 % of the machine (physical memory, or a lower cgroup limit)', () => {
    assert.ok(machineMemory() <= totalmem() && machineMemory() > 0);
    assert.equal(defaultMemoryLimit(), Math.floor(0.8 * machineMemory()));
  });
});

/** Asserts that `f` is refused by the guard with the words of `parts`, in that order. */
function refused(f: () => unknown, ...parts: (string | RegExp)[]): void {
  assert.throws(f, (e: Error) => {
    let at = 0;
    for (const p of parts) {
      const rest = e.message.slice(at);
      const i = typeof p === 'string' ? rest.indexOf(p) : rest.search(p);
      assert.ok(i >= 0, `"${p}" in the message (after position ${at}): ${e.message}`);
      at += i;
    }
    return true;
  });
}

describe('the checks refuse just above the limit and run just below it', () => {
  it('theory optimum', () => {
    const estimate = optimumMemory(4, 3);
    const limit = estimate.bytes(120);
    refused(
      () => optimumCheck({ vertices: 121, memoryLimit: limit }),
      `theory optimum: vertices 121 needs about ${formatBytes(estimate.bytes(121))} of memory (`,
      '5 dense N×N float64 matrices',
      `more than the ${formatBytes(limit)} allowed (the limit given); use at most 120 vertices`,
      'specl theory separability --graph knn --eigs-method chebyshev',
    );
    const r = optimumCheck({ vertices: 120, steps: 20, memoryLimit: limit });
    assert.equal(r.vertices, 120);
    assert.equal(r.eigenvalues.length, 120);
  });

  it('theory optimum: a size no machine has is refused at the default limit, naming the machine', () => {
    refused(
      () => optimumCheck({ vertices: 10_000_000 }),
      'theory optimum: vertices 10000000 needs about',
      /TiB|PiB/,
      "(80 % of this machine's",
      'use at most',
    );
  });

  it('theory separability: the exact graph, and the k-NN graph with the dense solver; the sparse path is not guarded', () => {
    const exact = separabilityMemory('exact', 4, 4);
    refused(
      () => separabilityCheck({ vertices: 101, graph: 'exact', memoryLimit: exact.bytes(100) }),
      'theory separability: vertices 101 needs about',
      'use at most 100 vertices, or the sparse path: --graph knn --eigs-method chebyshev',
      'now --graph exact --eigs-method auto',
    );
    const r = separabilityCheck({ vertices: 100, graph: 'exact', maxK: 4, memoryLimit: exact.bytes(100) });
    assert.equal(r.graphUsed, 'exact');
    const knn = separabilityMemory('knn', 4, 4);
    refused(
      () => separabilityCheck({ vertices: 101, graph: 'knn', eigsMethod: 'dense', memoryLimit: knn.bytes(100) }),
      'theory separability: vertices 101 needs about',
      'use at most 100 vertices',
    );
    // The k-NN graph with the iterative solver forms no N×N matrix: its guard counts the points and
    // the graph, 8·d·(4·(2N + ⌈N/4⌉) + 4 manifolds × 4) + 64·N·neighbors = 32·(912 + 16) + 64 640 = 94 336 bytes at N = 101.
    const sparseOptions = { vertices: 101, graph: 'knn', eigsMethod: 'chebyshev', maxK: 4 } as const;
    assert.ok(knn.bytes(101) > 100_000);
    assert.equal(separabilityCheck({ ...sparseOptions, memoryLimit: 100_000 }).graphUsed, 'knn');
    refused(
      () => separabilityCheck({ ...sparseOptions, memoryLimit: 94_335 }),
      'theory separability: vertices 101 needs about 92.1 KiB',
      'and the k-NN graph, 64·N·10 bytes',
    );
  });

  it('theory connectivity', () => {
    const estimate = connectivityMemory(3);
    const limit = estimate.bytes(60);
    refused(
      () => connectivityCheck({ vertices: 61, sigmas: [0.5], memoryLimit: limit }),
      'theory connectivity: vertices 61 needs about',
      'use at most 60 vertices',
    );
    assert.equal(connectivityCheck({ vertices: 60, sigmas: [0.5], memoryLimit: limit }).vertices, 60);
  });

  it('theory learned: vertices, and natural points through the co-posterior matrix', () => {
    const estimate = learnedMemory(40, 8);
    const limit = estimate.bytes(300);
    refused(
      () => resolveLearnedOptions({ naturalPoints: 40, vertices: 301, memoryLimit: limit }),
      'theory learned: vertices 301 needs about',
      'use at most 300 vertices',
    );
    assert.equal(resolveLearnedOptions({ naturalPoints: 40, vertices: 300, memoryLimit: limit }).vertices, 300);
    refused(
      () => resolveLearnedOptions({ naturalPoints: 1_000_000 }),
      'theory learned: naturalPoints 1000000 needs about',
      'use at most',
      'naturalPoints, or fewer vertices',
    );
  });

  it('a bad memoryLimit is named', () => {
    assert.throws(
      () => optimumCheck({ memoryLimit: -1 }),
      /theory optimum: memoryLimit must be a number of bytes > 0, got -1/,
    );
  });
});

describe('the library functions guard themselves', () => {
  it('augmentationGraph, nystromKernel, coPosteriorMatrix and dense topEigenpairs refuse sizes no machine has', () => {
    tidy(() => {
      const natural = tensor(Float64Array.of(0, 1), [2, 1]);
      const many = tensor(new Float64Array(10_000_000), [10_000_000, 1]);
      refused(
        () => augmentationGraph({ natural, vertices: many, sigma: 1 }),
        'augmentationGraph: vertices 10000000 needs about',
        'knnGraph',
      );
      refused(
        () => nystromKernel({ natural, vertices: many, sigma: 1 }),
        'nystromKernel: vertices 10000000 needs about',
      );
      const wide = tensor(new Float64Array(1_000_000), [1_000_000, 1]);
      refused(
        () => coPosteriorMatrix({ natural: wide, vertices: wide, sigma: 1 }),
        'coPosteriorMatrix: vertices 1000000 needs about',
      );
      // A sparse 10⁶-vertex cycle: fine for the iterative solver, refused by the dense one.
      const n = 1_000_000;
      const g = graphFromEdges(
        n,
        Int32Array.from({ length: n }, (_, i) => i),
        Int32Array.from({ length: n }, (_, i) => (i + 1) % n),
        new Float64Array(n).fill(1),
      );
      const a = normalizedAdjacency(g);
      refused(
        () => topEigenpairs(a, 2, { method: 'dense' }),
        'topEigenpairs: n 1000000 needs about',
        "method: 'chebyshev'",
      );
    });
  });

  it('optimumOnMatrix takes an injected limit too', () => {
    tidy(() => {
      const a = tensor(Float64Array.of(1, 0.5, 0.5, 1), [2, 2]);
      refused(
        () => optimumOnMatrix(a, 1, { memoryLimit: 95 }),
        'optimumOnMatrix: N 2 needs about 96 bytes',
        'use at most 1 N',
      );
      assert.equal(optimumOnMatrix(a, 1, { memoryLimit: 96, steps: 10 }).k, 1);
    });
  });

  it('checkDenseMemory returns the estimate when it fits', () => {
    const e = denseMatrices(2);
    assert.equal(checkDenseMemory({ owner: 'x', key: 'n', n: 10, estimate: e, alternative: 'y', limit: 1600 }), 1600);
  });
});
