/**
 * `specl theory …` as a user runs it: real processes, small settings, the
 * JSON and SVG files read back. The printed numbers are re-derived from the
 * JSON's own raw data (eigenvalues, accuracies) by independent arithmetic.
 * Then `--help` against the code: every default a help text states is the
 * value the check resolves and runs with.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { theoryCommand } from '../../src/cli/theory.ts';
import { CONNECTIVITY_OPTIONS } from '../../src/experiments/theory/connectivity.ts';
import { LEARNED_OPTIONS } from '../../src/experiments/theory/learned.ts';
import { OPTIMUM_OPTIONS, optimumMemory } from '../../src/experiments/theory/optimum.ts';
import { REAL_OPTIONS } from '../../src/experiments/theory/real.ts';
import { SEPARABILITY_OPTIONS } from '../../src/experiments/theory/separability.ts';
import type { Schema } from '../../src/options/index.ts';
import { resolveOptions } from '../../src/options/index.ts';
import { defaultMemoryLimit, formatBytes } from '../../src/theory/memory.ts';

const root = new URL('../..', import.meta.url).pathname;
const specl = (...args: string[]) =>
  spawnSync(process.execPath, [join(root, 'bin/specl.js'), ...args], { encoding: 'utf8', cwd: root, timeout: 180_000 });

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'specl-theory-cli-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const readJson = (p: string) => JSON.parse(readFileSync(p, 'utf8'));

/** Every SVG in `out` whose name starts with `prefix` parses and renders (librsvg through sharp). */
async function checkFigures(out: string, prefix: string, expected: number): Promise<void> {
  const svgs = readdirSync(out).filter((f) => f.startsWith(prefix) && f.endsWith('.svg'));
  assert.equal(svgs.length, expected, `${prefix} figures: ${svgs.join(', ')}`);
  for (const f of svgs) {
    const text = readFileSync(join(out, f), 'utf8');
    assert.match(text, /^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    const meta = await sharp(Buffer.from(text)).metadata();
    assert.ok((meta.width ?? 0) > 100 && (meta.height ?? 0) > 100, `${f} renders`);
  }
}

describe('specl theory', () => {
  test('optimum: the loss reached equals Σ_{i>k} λᵢ² recomputed from the eigenvalues it wrote', async () => {
    const out = join(dir, 'optimum');
    const r = specl('theory', 'optimum', '--vertices', '240', '--out', out);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Eckart–Young optimum/);
    const j = readJson(join(out, 'optimum.json'));
    const lam: number[] = j.eigenvalues;
    assert.equal(lam.length, 240);
    for (let i = 1; i < lam.length; i++) assert.ok(lam[i - 1] >= lam[i] - 1e-12, 'eigenvalues descending');
    // Eckart–Young: the best rank-k PSD approximation keeps the k largest positive eigenvalues.
    let optimum = 0;
    for (let i = 0; i < lam.length; i++) if (i >= j.k || lam[i] < 0) optimum += lam[i] ** 2;
    assert.ok(Math.abs(j.eckartYoung - optimum) < 1e-9 * Math.max(1, optimum));
    assert.ok(Math.abs(j.finalLoss - optimum) <= 1e-6 * optimum, `loss ${j.finalLoss} vs optimum ${optimum}`);
    assert.ok(j.procrustesResidual < 1e-3);
    await checkFigures(out, 'optimum', 2);
  });

  test('separability: chance at k = 1 and near 100 % from k = r, from the accuracies it wrote', async () => {
    const out = join(dir, 'separability');
    const r = specl('theory', 'separability', '--manifolds', '3', '--vertices', '300', '--max-k', '6', '--out', out);
    assert.equal(r.status, 0, r.stderr);
    const j = readJson(join(out, 'separability.json'));
    const acc = j.accuracyByK as { k: number; test: number }[];
    assert.deepEqual(
      acc.map((a) => a.k),
      [1, 2, 3, 4, 5, 6],
    );
    assert.ok((acc[0]?.test ?? 1) < 0.5, `k = 1: ${acc[0]?.test}`);
    assert.ok((acc[2]?.test ?? 0) > 0.95, `k = r: ${acc[2]?.test}`);
    // The printed table is the JSON's: row k = 3 shows its test accuracy.
    assert.match(r.stdout, new RegExp(`^3\\s+\\S+\\s+${((acc[2]?.test ?? 0) * 100).toFixed(2)}%`, 'm'));
    await checkFigures(out, 'separability', 3);
  });

  test('connectivity: across-manifold conductance grows with σ; the best σ has the largest gap', async () => {
    const out = join(dir, 'connectivity');
    const r = specl('theory', 'connectivity', '--manifolds', '2', '--vertices', '160', '--out', out);
    assert.equal(r.status, 0, r.stderr);
    const j = readJson(join(out, 'connectivity.json'));
    const rows = j.rows as { sigma: number; acrossConductance: number; eigengap: number; eigenvalues: number[] }[];
    const first = rows[0];
    const last = rows.at(-1);
    assert.ok(first && last && first.acrossConductance < 0.01 && last.acrossConductance > 0.1);
    let best = rows[0];
    for (const row of rows) {
      // The gap is λ_r − λ_{r+1} of the eigenvalues written beside it (r = 2).
      assert.ok(Math.abs(row.eigengap - ((row.eigenvalues[1] ?? 0) - (row.eigenvalues[2] ?? 0))) < 1e-12);
      if (best && row.eigengap > best.eigengap) best = row;
    }
    assert.equal(j.bestSigma, best?.sigma);
    await checkFigures(out, 'connectivity', 2);
  });

  test('real: the edge-weight shares of the MNIST positive-pair graph sum to one', async () => {
    const out = join(dir, 'real');
    const r = specl('theory', 'real', '--images', '200', '--augmentations', '3', '--out', out);
    assert.equal(r.status, 0, r.stderr);
    const j = readJson(join(out, 'real.json'));
    assert.equal(j.vertices, 600);
    const f = j.edgeFractions;
    assert.ok(Math.abs(f.sameImage + f.sameClass + f.otherClass - 1) < 1e-9);
    assert.ok(Math.abs(f.insideClass - f.sameImage - f.sameClass) < 1e-12);
    const nearOne = (j.eigenvalues as number[]).filter((l) => l >= 1 - j.epsilon).length;
    assert.equal(j.nearOne, nearOne);
    await checkFigures(out, 'real', 2);
  });

  test('learned: a short run writes its principal-angle cosines and figures', async () => {
    const out = join(dir, 'learned');
    const r = specl('theory', 'learned', '--manifolds', '2', '--steps', '300', '--vertices', '400', '--out', out);
    assert.equal(r.status, 0, r.stderr);
    const j = readJson(join(out, 'learned.json'));
    const cos = j.cosines as number[];
    assert.equal(cos.length, j.k);
    assert.ok(Math.abs(j.meanCosine - cos.reduce((a, b) => a + b, 0) / cos.length) < 1e-12);
    assert.ok(j.meanCosine > j.randomInitMeanCosine);
    await checkFigures(out, 'learned', 3);
  });

  test("the README's theory example runs and separates the three curves at k = r", () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'examples/theory.ts')], {
      encoding: 'utf8',
      cwd: root,
      timeout: 120_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const line = r.stdout.match(/^k = 3: linear probe ([\d.]+)%$/m);
    assert.ok(line && Number(line[1]) >= 99, r.stdout);
    const eig =
      r.stdout
        .match(/top eigenvalues of Ā: (.*)$/m)?.[1]
        ?.split(' ')
        .map(Number) ?? [];
    assert.equal(eig.length, 6);
    assert.ok(
      eig.every((v, i) => i === 0 || v <= (eig[i - 1] as number)),
      'descending',
    );
  });

  test('bad input names the flag or the check; nothing is written', () => {
    const out = join(dir, 'bad');
    let r = specl('theory', 'eigen', '--out', out);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /unknown check 'eigen'.*optimum, learned, separability, connectivity, real, block-transfer/);
    r = specl('theory', 'optimum', '--vertices', 'many', '--out', out);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /--vertices must be an integer ≥ 2, got "many" \(a string\)/);
    r = specl('theory', 'separability', '--labels', 'digits', '--out', out);
    assert.match(r.stderr, /--labels must be one of "manifold", "subcluster", got "digits" \(a string\)/);
    r = specl('theory', 'optimum', '--bogus', '1', '--out', out);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /unknown option '--bogus'/);
    assert.equal(existsSync(out), false);
    r = specl('theory', '--help');
    assert.equal(r.status, 0);
    assert.match(r.stdout, /connectivity/);
  });
});

/** What `specl theory …` prints, run in this process. */
async function printed(...argv: string[]): Promise<string> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => {
    lines.push(a.map(String).join(' '));
  };
  try {
    await theoryCommand(argv);
  } finally {
    console.log = log;
  }
  return lines.join('\n');
}

/** flag → the text inside "(default: …)" of its row in a help text (rows may wrap onto the next line). */
function helpDefaults(help: string): Map<string, string> {
  const rows: [string, string][] = [];
  for (const line of help.split('\n')) {
    const m = /^ {2}--([a-z0-9-]+)(?: \S+)?(?:\s+(.*))?$/.exec(line);
    if (m) rows.push([m[1] as string, m[2] ?? '']);
    else if (/^ {3,}\S/.test(line) && rows.length > 0) (rows.at(-1) as [string, string])[1] += ` ${line.trim()}`;
  }
  const out = new Map<string, string>();
  for (const [flag, text] of rows) {
    const at = text.lastIndexOf('(default: ');
    if (at >= 0 && text.endsWith(')')) out.set(flag, text.slice(at + '(default: '.length, -1));
  }
  return out;
}

/** A resolved value as a help text writes it. */
const shown = (v: unknown): string =>
  v === null ? 'none' : Array.isArray(v) ? v.join(',') : typeof v === 'string' ? v : JSON.stringify(v);

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * The defaults that follow other options: what the help says, and the value
 * that must come out with every other option at its default (written out by
 * hand, so a formula and its description cannot drift apart unnoticed).
 */
const FOLLOWING: Record<string, Record<string, [string, unknown]>> = {
  optimum: { ambientDim: ['max(r, 2)', 3], maxK: ['2r', 6] },
  learned: { naturalPoints: ['60r', 120], mu: ['10k', null] },
  separability: {
    ambientDim: ['max(r, 2)', 4],
    subclusters: ['1, or 2 with labels subcluster', 1],
    maxK: ['3 × the number of classes', 12],
  },
  connectivity: {
    sigmas: ['15 values log-spaced from the median nearest-neighbour distance of the points to their diameter', null],
    eigenvalues: ['max(2r + 2, 10)', 10],
  },
  real: {
    dataset: ["mnist, or the run's dataset with --run", 'mnist'],
    preset: ["the run's with --run, else mnist for 1-channel images, cifar for 3", null],
  },
};

const SCHEMAS: Record<string, Schema> = {
  optimum: OPTIMUM_OPTIONS,
  learned: LEARNED_OPTIONS,
  separability: SEPARABILITY_OPTIONS,
  connectivity: CONNECTIVITY_OPTIONS,
  real: REAL_OPTIONS,
};

/** Asserts that `help` states, for every option of `schema`, the default in `settings`. */
function assertHelpMatches(name: string, help: string, settings: Record<string, unknown>): void {
  const defaults = helpDefaults(help);
  const schema = SCHEMAS[name] as Schema;
  for (const [key, decl] of Object.entries(schema)) {
    const flag = (decl.kind === 'option' ? decl.flag : undefined) ?? kebab(key);
    const stated = defaults.get(flag);
    assert.ok(stated !== undefined, `theory ${name} --help has no default for --${flag}:\n${help}`);
    const following = FOLLOWING[name]?.[key];
    if (following) {
      assert.equal(stated, following[0], `theory ${name} --${flag}: how the default is chosen`);
      assert.deepEqual(settings[key], following[1], `theory ${name} --${flag}: the value it comes to`);
    } else {
      assert.equal(
        stated,
        shown(settings[key]),
        `theory ${name} --${flag}: help says ${stated}, the code uses ${shown(settings[key])}`,
      );
    }
  }
  for (const key of Object.keys(FOLLOWING[name] ?? {})) assert.ok(key in schema, `${name}.${key} is an option`);
  assert.deepEqual(
    [...defaults.keys()].filter((f) => f !== 'out').sort(),
    Object.entries(schema)
      .map(([k, d]) => (d.kind === 'option' ? d.flag : undefined) ?? kebab(k))
      .sort(),
    `theory ${name} --help lists exactly the check's options (and --out)`,
  );
}

describe('specl theory <check> --help states the defaults the checks use', () => {
  for (const name of Object.keys(SCHEMAS)) {
    test(`${name}: each "(default: …)" is the option's value resolved with nothing given`, async () => {
      const help = await printed(name, '--help');
      assert.match(help, new RegExp(`^usage: specl theory ${name} `));
      const settings = resolveOptions(SCHEMAS[name] as Schema, {}, `theory ${name}`) as Record<string, unknown>;
      assertHelpMatches(name, help, settings);
    });
  }

  test('optimum run with no options: the settings it wrote are the defaults its help states', async () => {
    const out = join(dir, 'optimum-defaults');
    const table = await printed('optimum', '--out', out);
    assert.match(table, /vertices N, k\s+600, 3/);
    const j = readJson(join(out, 'optimum.json'));
    assert.deepEqual(j.settings, resolveOptions(OPTIMUM_OPTIONS, {}, 'theory optimum'));
    assertHelpMatches('optimum', await printed('optimum', '--help'), j.settings);
    // The run used them: N vertices, and the loss curve ends at a step within the steps allowed.
    assert.equal(j.eigenvalues.length, j.settings.vertices);
    assert.ok(j.steps <= j.settings.steps && j.lossCurve.length <= j.settings.curvePoints + 3);
    assert.ok(j.k <= j.settings.maxK);
  });

  test('bad flags: the error names the option, what it must be and what it got; nothing is written', async () => {
    const out = join(dir, 'bad-flags');
    const bad: [string[], RegExp][] = [
      [['optimum', '--vertice', '100'], /unknown option '--vertice' \(did you mean '--vertices'\?\)/],
      [['separability', '--max-kk', '4'], /unknown option '--max-kk' \(did you mean '--max-k'\?\)/],
      [['optimum', '--vertices', 'many'], /--vertices must be an integer ≥ 2, got "many" \(a string\)/],
      [['learned', '--k', 'all'], /--k must be a positive integer, or "auto", got "all" \(a string\)/],
      [['real', '--neighbors', '2.5'], /--neighbors must be a positive integer, got 2.5/],
      [
        ['connectivity', '--sigmas', '0.1,x'],
        /--sigmas must be a non-empty list of numbers in \(0, 1e100\], or null, got \[0.1,"x"\]/,
      ],
      [['optimum', '--vertices', '1'], /--vertices must be an integer ≥ 2, got 1/],
      [['separability', '--train-fraction', '1'], /--train-fraction must be a number in \(0, 1\), got 1/],
      [['connectivity', '--vertices', '5000'], /--vertices must be an integer in \[2, 4000\], got 5000/],
      [
        ['optimum', '--max-k', '700'],
        /theory optimum: maxK must be an integer in \[1, 599\] \(below vertices\), got 700/,
      ],
    ];
    for (const [argv, re] of bad) await assert.rejects(printed(...argv, '--out', out), re, argv.join(' '));
    assert.equal(existsSync(out), false);
  });

  test('extreme values: each is refused up front with the option, the valid range and why', async () => {
    const out = join(dir, 'extremes');
    const small = ['--vertices', '60', '--steps', '20'];
    const bad: [string[], RegExp][] = [
      // a negative number is a value, not a flag
      [['optimum', '--manifolds', '-1'], /--manifolds must be a positive integer, got -1$/],
      [['separability', '--seed', '-1'], /--seed must be a non-negative integer \(a seed\), got -1$/],
      [
        ['optimum', '--sigma', '1e308'],
        /--sigma must be a number in \(0, 1e100\] \(σ² and squared distances over σ² are float64\), got 1e\+308$/,
      ],
      [['learned', '--sigma', '1e308'], /--sigma must be a number in \(0, 1e100\]/],
      [['real', '--sigma', '1e308'], /--sigma must be a number in \(0, 1e100\]/],
      [['connectivity', '--sigmas', '0.5,1e308'], /--sigmas must be a non-empty list of numbers in \(0, 1e100\]/],
      [
        ['optimum', '--separation', '1e308'],
        /--separation must be a number in \[0, 1e100\] \(it scales the points' coordinates/,
      ],
      [['separability', '--curvature', '1e308'], /--curvature must be a number in \[0, 1e100\]/],
      // σ far below the points' spread: the log-weights would be garbage
      [
        ['optimum', ...small, '--separation', '1e15'],
        /augmentationGraph: sigma must be at least R\/1e6 = \S+ for points of radius R = \S+ about their centre \(the log-weights' error grows as 1e-16·\(R\/σ\)²; in the theory checks, a smaller separation or curvature also brings R down\), got 0\.5$/,
      ],
      [['optimum', ...small, '--sigma', '1e-9'], /augmentationGraph: sigma must be at least R\/1e6/],
      [
        ['optimum', ...small, '--manifolds', '1000000000000000'],
        /theory optimum: manifolds must be at most the 15 natural points \(⌈vertices\/copies⌉: each manifold needs one\), got 1000000000000000$/,
      ],
      [
        ['optimum', ...small, '--manifolds', '40', '--copies', '1'],
        /theory optimum: manifolds must be at most 29 with max-k at its default 2r \(below vertices = 60\), got 40$/,
      ],
      [
        ['optimum', ...small, '--copies', '1000000000000000'],
        /theory optimum: copies must be an integer in \[1, vertices = 60\]/,
      ],
      [
        ['optimum', ...small, '--ambient-dim', '1000000000000000'],
        /theory optimum: ambientDim 1000000000000000 needs about .* of memory \(8·d·\(4·.* points .*\), more than the .* allowed .*; use at most \d+ ambientDim, or fewer vertices$/,
      ],
      [
        ['optimum', ...small, '--init-scale', '1'],
        /spectralLossDescent: the loss diverged at step \d+: lower lr 0\.1 \(stable below about 1\/\(4·λ_max\(A\)\), 0\.25 on a normalized adjacency\) or initScale 1 \(F₀ᵀF₀ ≈ N·s²·I, N·s² = 60\.0\)$/,
      ],
      [
        ['optimum', ...small, '--init-scale', '1e200'],
        /spectralLossDescent: the loss is not finite at the start: lower initScale 1e\+200/,
      ],
      [
        ['separability', '--manifolds', '1'],
        /theory separability: manifolds must be at least 2 with labels manifold: the probe separates classes, and each manifold is one \(labels subcluster splits each into sub-clusters\), got 1$/,
      ],
      [
        ['separability', '--vertices', '80', '--manifolds', '1000000000000000'],
        /theory separability: manifolds must be at most 20 \(the ⌈vertices\/copies⌉ natural points: each manifold needs one\), got 1000000000000000$/,
      ],
      [
        ['separability', '--vertices', '80', '--copies', '1', '--manifolds', '30'],
        /theory separability: maxK must be below vertices = 80 \(its default is 3 × the 30 classes\): give --max-k, got 90$/,
      ],
      [
        ['connectivity', '--manifolds', '1'],
        /--manifolds must be an integer ≥ 2 \(conductance across manifolds needs two\), got 1$/,
      ],
    ];
    // (a RegExp is matched against String(error), "OptionError: …", so no ^)
    for (const [argv, re] of bad) await assert.rejects(printed(...argv, '--out', out), re, argv.join(' '));
    assert.equal(existsSync(out), false);
  });

  test('a vertex count no machine has: refused at once with the estimate, the limit and the sparse path', () => {
    const out = join(dir, 'huge');
    const r = specl('theory', 'optimum', '--vertices', '1000000', '--out', out);
    assert.equal(r.status, 1, r.stdout);
    assert.match(
      r.stderr,
      /^specl: theory optimum: vertices 1000000 needs about [\d.]+ TiB of memory \(5 dense N×N float64 matrices, 8·5·N² bytes \+ .*\), more than the [\d.]+ GiB allowed \(80 % of this machine's [\d.]+ GiB\); use at most \d+ vertices, or the sparse path for large graphs: specl theory separability --graph knn --eigs-method chebyshev/,
    );
    assert.equal(existsSync(out), false);
  });

  test('a big dense run says how much memory it will take before it starts', () => {
    const out = join(dir, 'big');
    // k = vertices is refused by the check after the notice, so nothing big runs here.
    const r = specl('theory', 'optimum', '--vertices', '5000', '--k', '5000', '--out', out);
    assert.equal(r.status, 1, r.stdout);
    const bytes = optimumMemory(4, 3).bytes(5000); // 8·(5·5000² + 3·5000·1250 + 4·5000·3) + 128 MiB ≈ 1.2 GiB
    assert.equal(bytes, 8 * 143_810_000 + 134_217_728);
    if (bytes <= defaultMemoryLimit()) {
      assert.match(
        r.stderr,
        new RegExp(
          `^theory optimum: about ${formatBytes(bytes).replace('.', '\\.')} of memory at its peak \\(${formatBytes(defaultMemoryLimit()).replace('.', '\\.')} allowed\\); its dense eigendecomposition takes time growing as N³\nspecl: theory optimum: k must be "auto" or an integer in \\[1, 4999\\]`,
        ),
      );
    } else assert.match(r.stderr, /^specl: theory optimum: vertices 5000 needs about/);
    const small = specl('theory', 'optimum', '--vertices', '100', '--k', '100', '--out', out);
    assert.match(small.stderr, /^specl: theory optimum: k must be/, 'no notice for a small run');
    assert.equal(existsSync(out), false);
  });
});
