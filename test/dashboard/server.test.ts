/**
 * The dashboard server's defences over real sockets on loopback: path
 * traversal (plain, percent-encoded, absolute, symlinks out of a run folder)
 * is refused and leaks nothing; a wrong Host header is refused (DNS
 * rebinding); `specl serve` binds 127.0.0.1 by default; any other `--host`
 * warns and refuses every request without the token; the API is read-only;
 * every response carries the security headers and none a CORS header; the
 * series API never sends more points than asked, keeping the extremes.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SERVE_COMMAND } from '../../src/cli/serve.ts';
import { type Dashboard, startDashboard } from '../../src/dashboard/index.ts';
import { resolve } from '../../src/options/index.ts';
import { literal } from '../helpers/cli.ts';
import { get, type Reply, until, writeRun } from './fixtures.ts';

const repo = new URL('../..', import.meta.url).pathname;
const bin = join(repo, 'bin/specl.js');
const root = mkdtempSync(join(tmpdir(), 'specl-dashboard-server-'));
const runs = join(root, 'runs');
const outside = join(root, 'outside');
const SECRET = 'SECRET-MARKER-7f3a';

let d: Dashboard;
let runId = '';
let experimentId = '';
const children: ChildProcess[] = [];

before(async () => {
  mkdirSync(outside, { recursive: true });
  writeFileSync(join(outside, 'secret.json'), JSON.stringify({ secret: SECRET, finalLoss: 123 }));
  writeFileSync(join(outside, 'secret.svg'), `<svg xmlns="http://www.w3.org/2000/svg"><text>${SECRET}</text></svg>`);
  writeRun(join(outside, 'foreign-run'), { config: { note: SECRET } });
  // a run whose summary.json is a symlink out of its folder
  const run = join(runs, 'a');
  writeRun(run, { finished: false });
  symlinkSync(join(outside, 'secret.json'), join(run, 'summary.json'));
  symlinkSync(join(outside, 'secret.json'), join(run, 'probe.json'));
  // a run folder that is itself a symlink to a folder outside: not indexed
  symlinkSync(join(outside, 'foreign-run'), join(runs, 'linked'));
  // an experiment with one real figure and one symlinked out
  const exp = join(runs, 'exp');
  mkdirSync(join(exp, 'figures'), { recursive: true });
  writeFileSync(
    join(exp, 'experiment.json'),
    JSON.stringify({
      version: 1,
      spec: { name: 'tiny', description: 'a test' },
      cells: [{ id: 'k=2,seed=0', labels: { k: '2' }, seed: 0, kind: 'run' }],
    }),
  );
  writeFileSync(join(exp, 'figures', 'probe.svg'), '<svg xmlns="http://www.w3.org/2000/svg"><text>probe</text></svg>');
  symlinkSync(join(outside, 'secret.svg'), join(exp, 'figures', 'leak.svg'));
  writeRun(join(exp, 'cells', 'k=2,seed=0'), {});
  d = await startDashboard({ dirs: [runs], port: 0 });
  const list = JSON.parse((await get(d.port, '/api/runs')).body) as {
    runs: { id: string; name: string }[];
    experiments: { id: string }[];
  };
  runId = list.runs.find((r) => r.name === 'runs/a')?.id ?? '';
  experimentId = list.experiments[0]?.id ?? '';
  assert.ok(runId && experimentId);
});

after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await d?.close();
  rmSync(root, { recursive: true, force: true });
});

const noLeak = (r: Reply, what: string) => assert.ok(!r.body.includes(SECRET), `${what}: the outside file leaked`);

describe('dashboard server', () => {
  test('the index: runs found recursively, the symlinked run folder not followed, ids only', async () => {
    const r = await get(d.port, '/api/runs');
    assert.equal(r.status, 200);
    const list = JSON.parse(r.body) as { runs: { id: string; name: string; cell: string | null }[] };
    assert.deepEqual(list.runs.map((x) => x.name).sort(), ['runs/a', 'runs/exp/cells/k=2,seed=0']);
    for (const x of list.runs) assert.match(x.id, /^[0-9a-f]{12}$/);
    assert.ok(!r.body.includes(root), 'no absolute path reaches the browser');
    noLeak(r, 'the list');
  });

  test('traversal is refused: .., percent-encoded, absolute, backslashes, and no route reads a path from the request', async () => {
    const targets = [
      '/../../etc/passwd',
      '/api/runs/../../../etc/passwd',
      `/api/runs/${runId}/../../outside/secret.json`,
      '/api/runs/%2e%2e/%2e%2e/etc/passwd',
      '/api/runs/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd',
      `/api/experiments/${experimentId}/figures/..%2f..%2f..%2foutside%2fsecret.svg`,
      `/api/experiments/${experimentId}/figures/%2e%2e%2fexperiment.json`,
      `/api/experiments/${experimentId}/figures/..\\..\\outside\\secret.svg`,
      '/etc/passwd',
      '//etc/passwd',
      `${outside}/secret.json`,
      `/api/runs/${outside}/secret.json`,
      `/api/runs/${runId}/series/../../../../outside/secret.json`,
      `/api/experiments/${experimentId}/figures/${encodeURIComponent(join(outside, 'secret.svg'))}`,
      'http://127.0.0.1/../outside/secret.json',
    ];
    for (const t of targets) {
      const r = await get(d.port, t);
      assert.ok(r.status === 400 || r.status === 404, `${t}: got ${r.status}`);
      noLeak(r, t);
    }
  });

  test('symlinks out of a run folder read as absent; a symlinked figure is neither listed nor served', async () => {
    const r = await get(d.port, `/api/runs/${runId}`);
    assert.equal(r.status, 200);
    noLeak(r, 'the run');
    const run = JSON.parse(r.body) as { summary: unknown; probeReport: unknown; finalLoss: unknown; status: string };
    assert.equal(run.summary, null);
    assert.equal(run.probeReport, null);
    assert.equal(run.finalLoss, null);
    assert.equal(run.status, 'interrupted', 'the outside summary.json does not make it finished');
    const e = await get(d.port, `/api/experiments/${experimentId}`);
    assert.deepEqual((JSON.parse(e.body) as { figures: string[] }).figures, ['probe.svg']);
    const leak = await get(d.port, `/api/experiments/${experimentId}/figures/leak.svg`);
    assert.equal(leak.status, 404);
    noLeak(leak, 'the symlinked figure');
    const ok = await get(d.port, `/api/experiments/${experimentId}/figures/probe.svg`);
    assert.equal(ok.status, 200);
    assert.match(String(ok.headers['content-type']), /^image\/svg\+xml/);
    assert.match(String(ok.headers['content-security-policy']), /default-src 'none'.*sandbox/);
  });

  test('a wrong Host header is refused (DNS rebinding); loopback names are accepted', async () => {
    for (const host of ['evil.example', `evil.example:${d.port}`, `127.0.0.1:${d.port + 1}`, `192.168.1.1:${d.port}`]) {
      const r = await get(d.port, '/api/runs', { host });
      assert.equal(r.status, 421, `Host ${JSON.stringify(host)}: got ${r.status}`);
      assert.ok(!r.body.includes('runs/a'));
    }
    // no Host header at all (HTTP/1.0)
    const bare = await new Promise<string>((resolve, reject) => {
      const sock = connect(d.port, '127.0.0.1', () => sock.end('GET /api/runs HTTP/1.0\r\n\r\n'));
      let text = '';
      sock.setTimeout(10_000, () => sock.destroy(new Error('no answer')));
      sock.on('data', (b) => {
        text += b.toString();
      });
      sock.on('end', () => resolve(text));
      sock.on('error', reject);
    });
    assert.match(bare, /^HTTP\/1\.[01] 421/);
    for (const host of [`127.0.0.1:${d.port}`, `localhost:${d.port}`, `LOCALHOST:${d.port}`, `[::1]:${d.port}`])
      assert.equal((await get(d.port, '/api/runs', { host })).status, 200, host);
  });

  test('read-only: methods other than GET and HEAD get 405; no response carries CORS headers', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const r = await get(d.port, '/api/runs', { method, headers: { Origin: 'http://evil.example' } });
      assert.equal(r.status, 405, method);
      assert.equal(r.headers.allow, 'GET, HEAD');
    }
    const head = await get(d.port, '/api/runs', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    for (const path of ['/', '/api/runs', `/api/runs/${runId}`, '/nope', '/api/runs/000000000000']) {
      const r = await get(d.port, path, { headers: { Origin: 'http://evil.example' } });
      for (const h of Object.keys(r.headers)) assert.ok(!h.startsWith('access-control-'), `${path}: ${h}`);
    }
  });

  test('every response carries the CSP, nosniff, frame denial and no-referrer; the page script runs by nonce only', async () => {
    const paths = [
      '/',
      '/api/runs',
      `/api/runs/${runId}/series?max=50`,
      '/nope',
      `/api/experiments/${experimentId}/figures/probe.svg`,
    ];
    for (const path of paths) {
      const r = await get(d.port, path);
      assert.match(String(r.headers['content-security-policy']), /default-src 'none'/, path);
      assert.match(String(r.headers['content-security-policy']), /frame-ancestors 'none'/, path);
      assert.equal(r.headers['x-content-type-options'], 'nosniff', path);
      assert.equal(r.headers['x-frame-options'], 'DENY', path);
      assert.equal(r.headers['referrer-policy'], 'no-referrer', path);
    }
    const a = await get(d.port, '/');
    const b = await get(d.port, '/');
    const nonce = /script-src 'nonce-([^']+)'/.exec(String(a.headers['content-security-policy']))?.[1];
    assert.ok(nonce, 'a script nonce');
    assert.notEqual(nonce, /script-src 'nonce-([^']+)'/.exec(String(b.headers['content-security-policy']))?.[1]);
    assert.ok(a.body.includes(`<script nonce="${nonce}">`));
    assert.equal((a.body.match(/<script/g) ?? []).length, 1, 'one script, inlined');
    assert.ok(!/<script[^>]+src=/.test(a.body), 'nothing loaded from elsewhere');
    const csp = String(a.headers['content-security-policy']);
    assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'), csp);
  });

  test('series: a 10,000-step run asked for 500 points gets at most 500 per curve, its global min and max among them', async () => {
    const dir = join(runs, 'long');
    // a spike up and a dip down at steps the buckets do not favour
    writeRun(dir, { steps: 10_000, loss: (s) => (s === 4321 ? 50 : s === 7777 ? -60 : Math.sin(s / 100)) });
    d.catalog.scan();
    const list = JSON.parse((await get(d.port, '/api/runs')).body) as { runs: { id: string; name: string }[] };
    const id = list.runs.find((r) => r.name === 'runs/long')?.id;
    const r = await get(d.port, `/api/runs/${id}/series?max=500`);
    assert.equal(r.status, 200);
    const s = JSON.parse(r.body) as {
      lines: number;
      series: Record<string, { x: number[]; y: number[]; points: number }>;
    };
    assert.equal(s.lines, 10_001);
    for (const [name, c] of Object.entries(s.series)) {
      assert.ok(c.x.length <= 500, `${name}: ${c.x.length} points`);
      assert.equal(c.x.length, c.y.length);
    }
    const loss = s.series.loss as { x: number[]; y: number[]; points: number };
    assert.equal(loss.points, 10_000);
    assert.ok(loss.x.length > 400, 'the budget is used');
    assert.equal(Math.max(...loss.y), 50);
    assert.equal(Math.min(...loss.y), -60);
    assert.equal(loss.x[loss.y.indexOf(50)], 4321);
    assert.equal(loss.x[0], 1);
    assert.equal(loss.x[loss.x.length - 1], 10_000);
    for (const bad of ['0', '1', '-5', '2.5', 'x', '1000000'])
      assert.equal((await get(d.port, `/api/runs/${id}/series?max=${bad}`)).status, 400, bad);
  });
});

/** `specl serve ARGS…` as a user runs it; resolves with the URL it printed and its stderr so far. */
async function serve(args: string[]): Promise<{ child: ChildProcess; url: URL; stderr: () => string }> {
  const child = spawn(process.execPath, [bin, 'serve', ...args], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (b: Buffer) => {
    out += b.toString();
  });
  child.stderr?.on('data', (b: Buffer) => {
    err += b.toString();
  });
  await until('specl serve to print its URL', () => /http:\/\/\S+/.test(out) || child.exitCode !== null, 90_000);
  const m = /http:\/\/\S+/.exec(out);
  assert.ok(m, `specl serve printed no URL (exit ${child.exitCode}): ${out}${err}`);
  return { child, url: new URL(m[0]), stderr: () => err };
}

const stopped = (c: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (c.exitCode !== null) return resolve(c.exitCode);
    const t = setTimeout(() => c.kill('SIGKILL'), 20_000);
    c.once('exit', (code) => {
      clearTimeout(t);
      resolve(code);
    });
    c.kill('SIGINT');
  });

describe('specl serve', () => {
  test('each --help default is the value the command resolves', () => {
    const help = spawnSync(process.execPath, [bin, 'serve', '--help'], {
      cwd: repo,
      encoding: 'utf8',
      timeout: 90_000,
    });
    assert.equal(help.status, 0, help.stderr);
    const resolved = resolve<Record<string, unknown>>(SERVE_COMMAND.options, {}, { owner: 'serve' });
    const stated = new Map(
      [...help.stdout.matchAll(/^ {2}--([a-z]+) .*\(default: ([^)]*)\)$/gm)].map((m) => [m[1], m[2]]),
    );
    assert.deepEqual([...stated.keys()].sort(), ['host', 'port', 'token']);
    for (const [flag, text] of stated) assert.deepEqual(literal(text as string), resolved[flag], `--${flag}`);
  });

  test('binds 127.0.0.1 by default, needs no token there, and stops on Ctrl-C', async () => {
    const s = await serve([runs, '--port', '0']);
    assert.equal(s.url.hostname, '127.0.0.1');
    assert.equal(s.url.search, '', 'no token on loopback');
    assert.ok(!/warning/.test(s.stderr()));
    const port = Number(s.url.port);
    const r = await get(port, '/api/runs');
    assert.equal(r.status, 200);
    // the listening socket is loopback's: a connection to another local address is not answered
    const d2 = await startDashboard({ dirs: [runs], port: 0 });
    assert.equal((d2.server.address() as AddressInfo).address, '127.0.0.1');
    await d2.close();
    await assert.rejects(get(port, '/api/runs', { address: '127.0.0.2', host: `127.0.0.1:${port}`, timeoutMs: 3000 }));
    assert.equal(await stopped(s.child), 0);
  });

  for (const host of ['127.0.0.2', '0.0.0.0'])
    test(`--host ${host}: a warning, a random token in the URL, every request without it refused`, async () => {
      const s = await serve([runs, '--port', '0', '--host', host]);
      assert.match(s.stderr(), /warning: listening on/);
      const token = s.url.searchParams.get('token');
      assert.ok(token && token.length >= 20, 'a random token');
      const port = Number(s.url.port);
      const address = host === '0.0.0.0' ? '127.0.0.1' : host;
      const hostHeader = `${address}:${port}`;
      const paths = [
        '/',
        '/api/runs',
        `/api/runs/${runId}`,
        `/api/runs/${runId}/series`,
        `/api/runs/${runId}/events`,
        '/nope',
      ];
      for (const path of paths) {
        const r = await get(port, path, { address, host: hostHeader });
        assert.equal(r.status, 401, `${path} without the token: ${r.status}`);
        assert.ok(!r.body.includes('runs/a'));
        const wrong = await get(port, path, { address, host: hostHeader, headers: { Authorization: 'Bearer nope' } });
        assert.equal(wrong.status, 403, `${path} with a wrong token: ${wrong.status}`);
      }
      assert.equal((await get(port, '/', { address, host: hostHeader, method: 'POST' })).status, 401);
      // with it: by header, by the printed URL (which moves it into a cookie), then by the cookie
      const bearer = await get(port, '/api/runs', {
        address,
        host: hostHeader,
        headers: { Authorization: `Bearer ${token}` },
      });
      assert.equal(bearer.status, 200);
      const first = await get(port, `/?token=${encodeURIComponent(token)}`, { address, host: hostHeader });
      assert.equal(first.status, 303);
      assert.equal(first.headers.location, '/');
      const cookie = String(first.headers['set-cookie']).split(';')[0] as string;
      assert.match(String(first.headers['set-cookie']), /HttpOnly; SameSite=Strict/);
      const page = await get(port, '/', { address, host: hostHeader, headers: { Cookie: cookie } });
      assert.equal(page.status, 200);
      assert.match(page.body, /<main id="app">/);
      // the token does not open the door to another Host
      const rebound = await get(port, '/api/runs', {
        address,
        host: `evil.example:${port}`,
        headers: { Cookie: cookie },
      });
      assert.equal(rebound.status, 421);
      assert.equal(await stopped(s.child), 0);
    });

  test('--token given on loopback is required too; --port is checked by its declaration', async () => {
    const s = await serve([runs, '--port', '0', '--token', 'sesame-open-42']);
    const port = Number(s.url.port);
    assert.equal(s.url.searchParams.get('token'), 'sesame-open-42');
    assert.equal((await get(port, '/api/runs')).status, 401);
    assert.equal((await get(port, '/api/runs?token=sesame-open-42')).status, 200);
    assert.equal(await stopped(s.child), 0);
    const bad = spawn(process.execPath, [bin, 'serve', '--port', '70000'], {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(bad);
    let err = '';
    bad.stderr?.on('data', (b: Buffer) => {
      err += b.toString();
    });
    const code = await new Promise<number | null>((resolve) => bad.once('exit', resolve));
    assert.equal(code, 1);
    assert.match(err, /--port must be an integer in \[0, 65535\], got 70000/);
  });
});
