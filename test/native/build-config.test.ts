/**
 * The addon's build configuration: Debian's libtorch is found by default, and
 * a missing libtorch stops the build with the package to install.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

const script = new URL('../../native/torch-config.mjs', import.meta.url).pathname;
const run = (field: string, env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [script, field], { encoding: 'utf8', env: { ...process.env, ...env } });

test('Debian libtorch: include dirs, libraries and the C++ ABI of the installed tree', () => {
  const inc = run('include', { SPECL_LIBTORCH: '' });
  assert.equal(inc.status, 0, inc.stderr);
  assert.match(inc.stdout, /\/usr\/include \/usr\/include\/torch\/csrc\/api\/include/);
  const libs = run('libs', { SPECL_LIBTORCH: '' });
  assert.match(libs.stdout, /-ltorch_cpu/);
  assert.match(libs.stdout, /-lc10/);
  const defs = run('defines', { SPECL_LIBTORCH: '' });
  assert.match(defs.stdout, /_GLIBCXX_USE_CXX11_ABI=1/); // Debian builds with the C++11 ABI
});

test('a missing libtorch tree names the package to install and the variable to set', () => {
  const r = run('include', { SPECL_LIBTORCH: '/nonexistent/libtorch' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /\/nonexistent\/libtorch/);
  assert.match(r.stderr, /apt-get install -y libtorch-dev libopenblas0-pthread/);
  assert.match(r.stderr, /SPECL_LIBTORCH/);
});
