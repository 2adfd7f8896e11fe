#!/usr/bin/env node
// Locates the libtorch tree the addon links against and prints one gyp field.
// Default: Debian's libtorch-dev (headers in /usr/include, libraries in the
// multiarch dir). SPECL_LIBTORCH=<dir> selects another tree (libtorch 2.x,
// CUDA builds, or `python3 -c "import torch, os; print(os.path.dirname(torch.__file__))"`).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const INSTALL_HINT =
  'specl needs libtorch. On Debian/Ubuntu run:\n' +
  '  sudo apt-get install -y libtorch-dev libopenblas0-pthread\n' +
  'or point SPECL_LIBTORCH at a libtorch tree (a folder with include/ and lib/, ' +
  'for example the torch folder inside a PyTorch installation).';

function fail(msg) {
  process.stderr.write(`\n[specl] ${msg}\n${INSTALL_HINT}\n\n`);
  process.exit(1);
}

function multiarchLibDir() {
  for (const dir of ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib']) {
    if (existsSync(join(dir, 'libtorch_cpu.so'))) return dir;
  }
  return null;
}

function locate() {
  const root = process.env.SPECL_LIBTORCH;
  if (root) {
    const include = join(root, 'include');
    const lib = join(root, 'lib');
    if (!existsSync(join(include, 'ATen', 'ATen.h'))) fail(`SPECL_LIBTORCH=${root}: ${include}/ATen/ATen.h not found.`);
    if (!existsSync(join(lib, 'libtorch_cpu.so'))) fail(`SPECL_LIBTORCH=${root}: ${lib}/libtorch_cpu.so not found.`);
    return { include, lib, rpath: true };
  }
  const lib = multiarchLibDir();
  if (!existsSync('/usr/include/ATen/ATen.h') || !lib) fail('libtorch headers or libraries were not found.');
  return { include: '/usr/include', lib, rpath: false };
}

const t = locate();
const has = (name) => existsSync(join(t.lib, `lib${name}.so`));
const field = process.argv[2];

// Wheels built before PyTorch 2.7 use the pre-C++11 std::string ABI; we must match it.
function cxx11Abi() {
  try {
    const syms = execFileSync('nm', ['-D', '--defined-only', join(t.lib, 'libc10.so')], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    return syms.includes('__cxx11') ? 1 : 0;
  } catch {
    return 1;
  }
}

switch (field) {
  case 'include':
    console.log([t.include, join(t.include, 'torch', 'csrc', 'api', 'include')].join(' '));
    break;
  case 'libs': {
    const libs = ['c10', 'torch_cpu', 'torch'];
    for (const extra of ['c10_cuda', 'torch_cuda', 'torch_cuda_cu', 'torch_cuda_cpp']) if (has(extra)) libs.push(extra);
    const flags = [`-L${t.lib}`, '-Wl,--no-as-needed', ...libs.map((l) => `-l${l}`), '-Wl,--as-needed'];
    if (t.rpath) flags.push(`-Wl,-rpath,${t.lib}`);
    console.log(flags.join(' '));
    break;
  }
  case 'defines': {
    const defs = [`_GLIBCXX_USE_CXX11_ABI=${cxx11Abi()}`];
    if (has('torch_cuda') || has('c10_cuda')) defs.push('SPECL_WITH_CUDA=1');
    console.log(defs.join(' '));
    break;
  }
  default:
    fail(`torch-config: unknown field ${field}`);
}
