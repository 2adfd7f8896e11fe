/**
 * `specl theory block-transfer` against the closed form: with β > γ and
 * k = C + D − 1 the top k eigenvectors of the class × domain block graph are
 * the constant, domain and class directions when α > γ (a source-fitted
 * head transfers: 100 %), and the constant, domain and class×domain ones
 * when α < γ (the class×domain directions flip sign between the two
 * domains, so the head's best class on a target node is never its own: 0 %);
 * the gap λ_k − λ_{k+1} is |λ_class − λ_class×domain| from the eigenvalues
 * computed here by hand; the dense eigenvalues match the closed form; the
 * command writes its JSON and figures.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { blockTransferCheck } from '../../../src/experiments/theory/block-transfer.ts';
import { assertClose } from '../../helpers/close.ts';

const tmp = mkdtempSync(join(tmpdir(), 'specl-block-transfer-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('α > γ transfers perfectly, α < γ never; the gap and eigenvalues from the closed form', () => {
  const [C, D, rho, beta, gamma] = [3, 2, 1, 0.3, 0.05];
  const r = blockTransferCheck({ classes: C, domains: D, rho, beta, gamma, ratios: [0, 0.5, 0.8, 1.25, 2, 5] });
  assert.equal(r.settings.k, C + D - 1);
  for (const row of r.rows) {
    const alpha = row.ratio * gamma;
    const s = rho + (D - 1) * alpha + (C - 1) * beta + (C - 1) * (D - 1) * gamma;
    const cls = (rho - beta + (D - 1) * (alpha - gamma)) / s;
    const cross = (rho - alpha - beta + gamma) / s;
    assertClose(row.classValue, cls, { rtol: 1e-12 });
    assertClose(row.classDomainValue, cross, { rtol: 1e-12 });
    assertClose(row.gap, Math.abs(cls - cross), { rtol: 1e-9, atol: 1e-12 }, `gap at α/γ = ${row.ratio}`);
    assert.ok(row.eigenvalueError < 1e-12, `eigenvalues at α/γ = ${row.ratio}: ${row.eigenvalueError}`);
    assert.equal(row.sourceAccuracy, 1);
    assert.equal(row.accuracy, row.ratio > 1 ? 1 : 0, `target accuracy at α/γ = ${row.ratio}`);
  }
});

test('specl theory block-transfer writes its JSON and two figures', () => {
  const root = new URL('../../..', import.meta.url).pathname;
  const out = join(tmp, 'out');
  const r = spawnSync(
    process.execPath,
    [join(root, 'bin/specl.js'), 'theory', 'block-transfer', '--ratios', '0.5,2', '--out', out],
    { encoding: 'utf8', timeout: 120_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /predicted: 100 % wherever α > γ/);
  const j = JSON.parse(readFileSync(join(out, 'block-transfer.json'), 'utf8'));
  assert.deepEqual(
    j.rows.map((x: { accuracy: number }) => x.accuracy),
    [0, 1],
  );
  for (const f of ['block-transfer.svg', 'block-transfer-eigenvalues.svg']) assert.ok(existsSync(join(out, f)), f);
  const bad = spawnSync(process.execPath, [join(root, 'bin/specl.js'), 'theory', 'block-transfer', '--gamma', '0'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /gamma must be a finite number > 0, got 0/);
});
