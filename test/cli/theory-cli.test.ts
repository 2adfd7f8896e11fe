/**
 * `specl theory …` as a user runs it: real processes, small settings, the
 * JSON and SVG files read back. The printed numbers are re-derived from the
 * JSON's own raw data (eigenvalues, accuracies) by independent arithmetic.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';

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
    assert.match(r.stderr, /unknown check 'eigen'.*optimum, learned, separability, connectivity, real/);
    r = specl('theory', 'optimum', '--vertices', 'many', '--out', out);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /--vertices expects a positive integer, got 'many'/);
    r = specl('theory', 'separability', '--labels', 'digits', '--out', out);
    assert.match(r.stderr, /--labels expects one of manifold, subcluster, got 'digits'/);
    r = specl('theory', 'optimum', '--bogus', '1', '--out', out);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /bogus/);
    assert.equal(existsSync(out), false);
    r = specl('theory', '--help');
    assert.equal(r.status, 0);
    assert.match(r.stdout, /connectivity/);
  });
});
