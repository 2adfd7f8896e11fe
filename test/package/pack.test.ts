/**
 * The package as a project that depends on it gets it: `npm pack` (prepack
 * compiles dist/), the tarball's file list, an install into a fresh project
 * (which builds the addon from the shipped sources with node-gyp), then plain
 * `node` — no tsx — importing `specl` and every subpath of `exports`,
 * computing with a tensor, type-checking against the shipped .d.ts, and
 * `npx specl info`. Minutes: the install compiles the addon (≈2 min on 2 cores).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

const root = new URL('../..', import.meta.url).pathname;
const MINUTE = 60_000;

interface Pkg {
  name: string;
  version: string;
  license?: string;
  main: string;
  types: string;
  bin: Record<string, string>;
  engines?: Record<string, string>;
  exports: Record<string, { types: string; default: string }>;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}
interface LockEntry {
  dev?: boolean;
  [field: string]: unknown;
}
interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  integrity: string;
  files: { path: string }[];
}

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Pkg;
/** `specl`, `specl/tensor`, …: every entry point the package promises, read from package.json. */
const specifiers = Object.keys(pkg.exports).map((k) => pkg.name + k.slice(1));

// Children get a plain environment: no `--import tsx` through NODE_OPTIONS, no test-runner
// context, none of the npm lifecycle variables of an enclosing `npm test`.
const env: NodeJS.ProcessEnv = {};
for (const [k, v] of Object.entries(process.env)) {
  if (k === 'NODE_OPTIONS' || k === 'NODE_TEST_CONTEXT' || k === 'INIT_CWD') continue;
  if (k.startsWith('npm_lifecycle_') || k.startsWith('npm_package_')) continue;
  env[k] = v;
}

/** Runs a command to completion within `timeout` ms; fails the test with its output otherwise. */
function run(cmd: string, args: string[], cwd: string, timeout: number, hint = ''): string {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout, maxBuffer: 64 << 20 });
  const what = `\`${cmd} ${args.join(' ')}\` in ${cwd}`;
  assert.ok(!r.error, `${what}: ${r.error?.message}${hint}\n${r.stdout}\n${r.stderr}`);
  assert.equal(r.status, 0, `${what} exited ${r.status ?? r.signal}${hint}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

describe('the npm package', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'specl-pack-'));
  const app = join(tmp, 'app');
  let pack: PackResult;
  let installed = false;

  before(() => {
    // Lifecycle output (the prepack build) can precede the JSON on stdout.
    const out = run('npm', ['pack', '--json', '--pack-destination', tmp], root, 8 * MINUTE);
    const start = out.search(/^\[/m);
    assert.ok(start >= 0, `no JSON from npm pack:\n${out}`);
    pack = (JSON.parse(out.slice(start)) as PackResult[])[0];
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('the tarball holds the compiled library, its declarations, the addon sources and the CLI, nothing else', (t) => {
    const files = new Set(pack.files.map((f) => f.path));
    t.diagnostic(`${pack.filename}: ${files.size} files, ${pack.size} bytes (${pack.unpackedSize} unpacked)`);
    const has = (p: string) => assert.ok(files.has(p.replace(/^\.\//, '')), `${p} missing from the tarball`);
    for (const p of ['package.json', 'README.md', 'binding.gyp', 'native/build.mjs', 'native/torch-config.mjs']) has(p);
    has('dist/src/index.js');
    has('dist/src/index.d.ts');
    has(pkg.main);
    has(pkg.types);
    for (const p of Object.values(pkg.bin)) has(p);
    for (const e of Object.values(pkg.exports)) {
      has(e.types);
      has(e.default);
    }
    // Every source the addon build names (binding.gyp), and the headers they include.
    const gyp = readFileSync(join(root, 'binding.gyp'), 'utf8');
    const sources = [...gyp.matchAll(/"(native\/src\/[^"]+)"/g)].map((m) => m[1]);
    assert.ok(sources.length > 0, 'no sources found in binding.gyp');
    for (const s of sources) has(s);
    has('native/src/common.h');
    // Every module of the library with its declaration.
    const js = [...files].filter((p) => p.endsWith('.js') && p.startsWith('dist/'));
    assert.ok(js.length > 50, `only ${js.length} compiled modules`);
    for (const p of js) has(p.replace(/\.js$/, '.d.ts'));
    // Exactly what an installed package needs: no tests, benches, examples, fixtures, build outputs, TS sources.
    const allowed =
      /^(dist\/src\/.+\.(js|d\.ts)|native\/[^/]+\.mjs|native\/src\/[^/]+\.(cc|h)|bin\/[^/]+|binding\.gyp|package\.json|README\.md|LICENSE)$/;
    const stray = [...files].filter((p) => !allowed.test(p) || /\.test\.|(^|\/)fixtures?\//.test(p));
    assert.deepEqual(stray, [], 'files an installed package does not need');
  });

  it('installs into a fresh project, building the addon from the shipped sources', (t) => {
    mkdirSync(app);
    copyFileSync(join(tmp, pack.filename), join(app, pack.filename));
    // A lockfile holding the checkout's own resolved versions lets npm install offline from the
    // cache that `npm ci` in the checkout filled: without one, npm 11 asks the registry for full
    // package documents, which that cache does not hold.
    const spec = `file:${pack.filename}`;
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, LockEntry>;
    };
    const packages: Record<string, unknown> = {
      '': { name: 'app', dependencies: { [pkg.name]: spec } },
      [`node_modules/${pkg.name}`]: {
        version: pkg.version,
        resolved: spec,
        integrity: pack.integrity,
        hasInstallScript: true,
        license: pkg.license,
        dependencies: pkg.dependencies,
        optionalDependencies: pkg.optionalDependencies,
        peerDependencies: pkg.peerDependencies,
        bin: pkg.bin,
        engines: pkg.engines,
      },
    };
    // An entry without `resolved` (npm leaves it out at times) would send npm to the registry for
    // the package document; the registry's tarball address is what it would resolve to.
    const registry = (env.npm_config_registry ?? 'https://registry.npmjs.org/').replace(/\/?$/, '/');
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (path === '' || entry.dev) continue;
      const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
      const resolved =
        entry.resolved ??
        (entry.link ? undefined : `${registry}${name}/-/${name.split('/').pop()}-${entry.version}.tgz`);
      packages[path] = { ...entry, resolved };
    }
    // npm 11 warns about, and later npm versions skip, install scripts a project has not approved;
    // this is what `npm install-scripts approve specl` records for a tarball.
    const manifest = {
      name: 'app',
      private: true,
      type: 'module',
      dependencies: { [pkg.name]: spec },
      allowScripts: { [`file:${join(app, pack.filename)}`]: true },
    };
    writeFileSync(join(app, 'package.json'), JSON.stringify(manifest, null, 2));
    writeFileSync(join(app, 'package-lock.json'), JSON.stringify({ name: 'app', lockfileVersion: 3, packages }));
    const t0 = Date.now();
    run(
      'npm',
      ['ci', '--offline', '--no-audit', '--no-fund'],
      app,
      10 * MINUTE,
      '\n(ENOTCACHED: run `npm ci` in the checkout first, it fills the npm cache this install reads)',
    );
    t.diagnostic(`npm ci with the addon build: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    installed = true;
  });

  it('plain node imports specl and every subpath of exports, from dist, and computes with a tensor', () => {
    assert.ok(installed, 'the install failed');
    const script = `
      import assert from 'node:assert/strict';
      const dist = new URL('./node_modules/specl/dist/', import.meta.url).href;
      for (const s of ${JSON.stringify(specifiers)}) {
        assert.ok(import.meta.resolve(s).startsWith(dist), s + ' resolves to ' + import.meta.resolve(s));
        const m = await import(s);
        assert.ok(Object.keys(m).length > 0, s + ' exports nothing');
      }
      const { tensor } = await import('specl/tensor');
      assert.equal(tensor([1, 2, 3]).sum().item(), 6);
      assert.deepEqual(tensor([[1, 2], [3, 4]]).matmul(tensor([1, 1])).toArray(), [3, 7]);
      console.log('ok');
    `;
    writeFileSync(join(app, 'check.mjs'), script);
    assert.equal(run(process.execPath, ['check.mjs'], app, MINUTE).trim(), 'ok');
  });

  it('TypeScript type-checks a consumer against the shipped declarations', () => {
    assert.ok(installed, 'the install failed');
    const code = `import * as specl from 'specl';
import { type Tensor, tensor } from 'specl/tensor';
const t: Tensor = tensor([1, 2, 3]);
const n: number = t.sum().item();
const nn: typeof specl.nn = specl.nn;
console.log(n, nn);
`;
    writeFileSync(join(app, 'check-types.ts'), code);
    const config = {
      compilerOptions: {
        module: 'nodenext',
        moduleResolution: 'nodenext',
        target: 'es2022',
        strict: true,
        noEmit: true,
        skipLibCheck: false, // check the shipped .d.ts themselves
        typeRoots: [join(root, 'node_modules/@types')],
        types: ['node'],
      },
      files: ['check-types.ts'],
    };
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(config));
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    run(process.execPath, [tsc, '-p', app], app, 2 * MINUTE);
  });

  it('npx specl info runs the installed command', () => {
    assert.ok(installed, 'the install failed');
    const out = run('npx', ['--no', 'specl', 'info'], app, MINUTE);
    assert.match(out, /libtorch \d+\.\d+/);
    assert.match(out, /intra-op threads \d+/);
  });
});
