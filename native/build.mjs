#!/usr/bin/env node
// Builds the addon with node-gyp, offline: Node's own headers are used when the
// machine has them (Debian's nodejs ships /usr/include/node), so node-gyp never
// tries to download a header tarball.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const args = ['rebuild', '-j', 'max'];
const headerRoot = dirname(dirname(process.execPath)); // /usr for /usr/bin/node
if (!process.env.npm_config_nodedir && existsSync(join(headerRoot, 'include', 'node', 'node_api.h'))) {
  args.push(`--nodedir=${headerRoot}`);
}

// npm puts its bundled node-gyp on PATH for lifecycle scripts; fall back to resolving it.
let gyp = 'node-gyp';
const probe = spawnSync(gyp, ['--version'], { stdio: 'ignore' });
if (probe.error) {
  const npmDir = join(dirname(dirname(process.execPath)), 'lib', 'node_modules', 'npm');
  const candidate = join(npmDir, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  try {
    gyp = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    gyp = candidate;
  }
  args.unshift(gyp);
  gyp = process.execPath;
}
const res = spawnSync(gyp, args, { stdio: 'inherit' });
process.exit(res.status ?? 1);
