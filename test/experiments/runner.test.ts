/**
 * The experiment runner end to end on a small real-MNIST fixture (1,000
 * training and 300 test images written as IDX here): an uninterrupted run;
 * a run SIGKILLed mid-cell and rerun, which finishes only the missing cells
 * and writes the same results.json; the emitted commands run one by one in
 * separate processes, then `collect`, which gives the same results again;
 * --jobs 2; --dry-run; and bad spec files.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadDataset } from '../../src/data/index.ts';
import {
  builtinExperiments,
  cellDir,
  type ExperimentResults,
  prepareExperiment,
  runExperiment,
  specFrom,
} from '../../src/experiments/index.ts';
import { idx } from '../data/idx-writer.ts';
import { specl } from '../helpers/cli.ts';

const root = new URL('../..', import.meta.url).pathname;
const bin = join(root, 'bin/specl.js');
/** A bound for each command on a slow, loaded machine. */
const LIMIT = 600_000;

let tmp: string;
let specPath: string;
let spec: ReturnType<typeof specFrom>;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'specl-experiment-'));
  // The first 1,000 training and 300 test images of MNIST, in the Fashion-MNIST IDX layout.
  const mnist = await loadDataset('mnist');
  const data = join(tmp, 'digits');
  mkdirSync(data);
  for (const [prefix, split, n] of [
    ['train', mnist.train, 1000],
    ['t10k', mnist.test, 300],
  ] as const) {
    const images = split.images.narrow(0, 0, n);
    const labels = split.labels.narrow(0, 0, n);
    writeFileSync(
      join(data, `${prefix}-images-idx3-ubyte`),
      idx([n, 28, 28], Uint8Array.from(images.data() as Uint8Array)),
    );
    writeFileSync(
      join(data, `${prefix}-labels-idx1-ubyte`),
      idx([n], Uint8Array.from(Array.from(labels.data() as BigInt64Array, Number))),
    );
    images.dispose();
    labels.dispose();
  }
  for (const s of [mnist.train, mnist.test]) for (const t of [s.images, s.labels]) t.dispose();
  const raw = {
    name: 'tiny',
    description: 'two methods and a reference, two seeds',
    base: {
      dataset: `fashion-mnist:${data}`,
      trainSize: 512,
      epochs: 2,
      encoder: { widths: [4, 8] },
      evaluate: false,
      monitor: { enabled: false },
      logEvery: 1,
      worker: false,
    },
    axes: [
      { name: 'method', values: ['spectral', 'pixels'] },
      { name: 'batch', key: 'batchSize', values: [64] },
    ],
    seeds: [0, 1],
    evaluation: { probe: true, knn: true },
    claims: [
      {
        text: 'spectral beats pixels',
        metric: 'probe',
        a: { method: 'spectral' },
        b: { method: 'pixels' },
        expect: 'a>b',
      },
    ],
  };
  specPath = join(tmp, 'tiny.json');
  writeFileSync(specPath, JSON.stringify(raw, null, 2));
  spec = specFrom(raw, specPath);
});
after(() => rmSync(tmp, { recursive: true, force: true }));

const readResults = (dir: string) => JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as ExperimentResults;

describe('specl experiment', () => {
  let reference: ExperimentResults;
  let referenceText: string;

  test('an uninterrupted run: every cell a run folder with cell.json, results.json over all of them', async () => {
    const dir = join(tmp, 'uninterrupted');
    prepareExperiment(dir, spec);
    const events: string[] = [];
    const out = await runExperiment(dir, {
      onEvent: (e) => events.push(`${e.type}${'cell' in e ? ` ${e.cell.id}` : ''}`),
    });
    assert.equal(out.interrupted, false);
    assert.deepEqual(out.failed, []);
    reference = out.results;
    referenceText = readFileSync(join(dir, 'results.json'), 'utf8');
    assert.deepEqual(reference.missing, []);
    assert.deepEqual(
      reference.cells.map((c) => c.id),
      [
        'method=spectral,batch=64,seed=0',
        'method=spectral,batch=64,seed=1',
        'method=pixels,batch=64,seed=0',
        'method=pixels,batch=64,seed=1',
      ],
    );
    // The trained cells are ordinary run folders (16 steps: 2 epochs of 512/64), the references are not.
    for (const c of reference.cells) {
      const cd = cellDir(dir, c.id);
      assert.ok(existsSync(join(cd, 'cell.json')));
      assert.equal(existsSync(join(cd, 'checkpoints')), c.kind === 'run', c.id);
      assert.equal(c.steps, c.kind === 'run' ? 16 : 0);
      for (const m of ['probe', 'knn'])
        assert.ok((c.metrics[m] as number) > 0.1 && (c.metrics[m] as number) <= 1, `${c.id} ${m}`);
    }
    // Raw pixels are the same features whatever the seed: the same probe.
    assert.equal(reference.cells[2]?.metrics.probe, reference.cells[3]?.metrics.probe);
    assert.equal(events.filter((e) => e.startsWith('cell-done')).length, 4);
    assert.equal(reference.claims[0]?.verdict === 'not measured', false);
    // `specl probe` works on a cell as on any run.
    const probe = specl(['probe', cellDir(dir, 'method=spectral,batch=64,seed=0')], LIMIT);
    assert.equal(probe.status, 0, probe.stderr);
    // A rerun does nothing and writes the same results.
    const again = await runExperiment(dir);
    assert.equal(readFileSync(join(dir, 'results.json'), 'utf8'), referenceText);
    assert.deepEqual(again.results, reference);
  });

  test('SIGKILLed mid-cell and rerun: only the missing cells run, and results.json is the same', async () => {
    assert.ok(reference, 'the uninterrupted run ran');
    const dir = join(tmp, 'killed');
    const second = cellDir(dir, 'method=spectral,batch=64,seed=1');
    const killed = await new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [bin, 'experiment', 'run', specPath, '--out', dir], {
        cwd: root,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr?.on('data', (d) => {
        stderr += d;
      });
      const bound = setTimeout(() => child.kill('SIGKILL'), LIMIT);
      const poll = setInterval(() => {
        const m = join(second, 'metrics.jsonl');
        // Past the first epoch's checkpoint of the second cell: a kill mid-cell that leaves a checkpoint.
        if (existsSync(m) && /"type":"step","step":1[0-6],/.test(readFileSync(m, 'utf8'))) child.kill('SIGKILL');
      }, 20);
      child.on('exit', (code, signal) => {
        clearInterval(poll);
        clearTimeout(bound);
        resolve({ code, signal, stderr });
      });
    });
    assert.equal(killed.signal, 'SIGKILL', `the run ended before the kill: ${killed.code}\n${killed.stderr}`);
    const first = join(cellDir(dir, 'method=spectral,batch=64,seed=0'), 'cell.json');
    const firstMtime = statSync(first).mtimeMs;
    assert.ok(!existsSync(join(second, 'cell.json')));
    const r = specl(['experiment', 'run', specPath, '--out', dir], LIMIT);
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /done before: method=spectral,batch=64,seed=0/);
    assert.match(readFileSync(join(second, 'metrics.jsonl'), 'utf8'), /"event":"resume"/, 'the killed cell resumed');
    assert.equal(statSync(first).mtimeMs, firstMtime, 'the finished cell was not run again');
    assert.equal(readFileSync(join(dir, 'results.json'), 'utf8'), referenceText);
    for (const f of ['results.md', 'figures/probe.svg', 'figures/knn.svg']) assert.ok(existsSync(join(dir, f)), f);
    assert.match(
      readFileSync(join(dir, 'results.md'), 'utf8'),
      /## Verdicts\n\n- spectral beats pixels: probe of method=spectral − method=pixels = /,
    );
  });

  test('the emitted commands, run one by one in separate processes, then collect: the same results', () => {
    assert.ok(reference, 'the uninterrupted run ran');
    const dir = join(tmp, 'emitted');
    const cmds = join(tmp, 'emitted-commands');
    const e = specl(['experiment', 'run', specPath, '--out', dir, '--emit-commands', cmds], LIMIT);
    assert.equal(e.status, 0, e.stderr);
    const lines = readFileSync(join(cmds, 'commands.txt'), 'utf8').trim().split('\n');
    assert.equal(lines.length, 4);
    const slurm = readFileSync(join(cmds, 'slurm.sh'), 'utf8');
    assert.match(slurm, /#SBATCH --array=0-3\n/);
    assert.match(slurm, /sed -n "\$\(\(SLURM_ARRAY_TASK_ID \+ 1\)\)p"/);
    assert.ok(!existsSync(join(dir, 'results.json')), 'nothing ran');
    // In reverse order, each in its own shell: the order cells finish in does not matter.
    for (const line of [...lines].reverse()) {
      const r = spawnSync('bash', ['-c', line], {
        cwd: root,
        encoding: 'utf8',
        timeout: LIMIT,
        env: { ...process.env, SPECL: `${process.execPath} ${bin}` },
      });
      assert.equal(r.status, 0, `${line}\n${r.stdout}\n${r.stderr}`);
    }
    const c = specl(['experiment', 'collect', dir], LIMIT);
    assert.equal(c.status, 0, c.stderr);
    assert.match(c.stdout, /4 of 4 cells finished/);
    assert.equal(readFileSync(join(dir, 'results.json'), 'utf8'), referenceText);
  });

  test('--jobs 2 runs the cells in two processes and finishes the grid, each as one process with its threads would', () => {
    const dir = join(tmp, 'jobs');
    const r = specl(['experiment', 'run', specPath, '--out', dir, '--jobs', '2'], LIMIT);
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    const res = readResults(dir);
    assert.deepEqual(res.missing, []);
    assert.equal(res.cells.length, 4);
    for (const c of res.cells) assert.ok(existsSync(join(dir, 'logs', `${c.id}.log`)), c.id);
    // Each job gets ⌊cores/2⌋ intra-op threads; another thread count rounds differently, and on a tiny
    // 16-step run that moves the kNN by several test images. The same grid run in one process with the
    // jobs' thread count gives the same figures exactly.
    const threads = String(Math.max(1, Math.floor(availableParallelism() / 2)));
    const seq = join(tmp, 'jobs-reference');
    const s = spawnSync(process.execPath, [bin, 'experiment', 'run', specPath, '--out', seq], {
      encoding: 'utf8',
      timeout: LIMIT,
      env: { ...process.env, SPECL_NUM_THREADS: threads },
    });
    assert.equal(s.status, 0, `${s.stdout}\n${s.stderr}`);
    const want = readResults(seq);
    for (const [i, c] of res.cells.entries()) assert.deepEqual(c.metrics, want.cells[i]?.metrics, c.id);
  });

  test('--dry-run lists the cells with estimates and trains nothing; a changed grid is refused in the same folder', () => {
    const dir = join(tmp, 'dry');
    const r = specl(['experiment', 'run', specPath, '--out', dir, '--dry-run'], LIMIT);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /method=spectral,batch=64,seed=0\s+spectral, batch 64\s+≈/);
    assert.match(r.stdout, /method=pixels,batch=64,seed=1\s+pixels\s+≈/);
    assert.match(r.stdout, /4 cells, ≈/);
    assert.ok(!existsSync(dir), 'a dry run writes nothing');
    // A folder that holds the grid (--emit-commands prepares it and trains nothing) refuses a changed one.
    const emitted = specl(
      ['experiment', 'run', specPath, '--out', dir, '--emit-commands', join(tmp, 'dry-cmds')],
      LIMIT,
    );
    assert.equal(emitted.status, 0, emitted.stderr);
    assert.ok(!existsSync(cellDir(dir, 'method=spectral,batch=64,seed=0')));
    const again = specl(['experiment', 'run', specPath, '--out', dir, '--dry-run'], LIMIT);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /4 cells in /);
    const changed = JSON.parse(readFileSync(specPath, 'utf8'));
    changed.seeds = [0, 1, 2];
    const other = join(tmp, 'changed.json');
    writeFileSync(other, JSON.stringify(changed));
    const refused = specl(['experiment', 'run', other, '--out', dir, '--dry-run'], LIMIT);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /holds another experiment \(tiny, or the same one with other settings\)/);
  });

  test('bad spec files and bad cell settings are refused, naming the file, field or cell', () => {
    const bad = join(tmp, 'bad.yaml');
    writeFileSync(bad, 'name: b\naxes:\n  - name: lr\n    key: optimizer.lr\n    values: [0.1, -1]\n');
    const r = specl(['experiment', 'run', bad, '--out', join(tmp, 'bad'), '--dry-run'], LIMIT);
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      /specl: experiment b, cell lr=-1,seed=0: pretrain: optimizer\.lr must be a finite number > 0, got -1/,
    );
    writeFileSync(bad, 'name: b\nseeds: [1, 1]\n');
    const s = specl(['experiment', 'run', bad, '--dry-run', '--out', join(tmp, 'bad2')], LIMIT);
    assert.match(
      s.stderr,
      new RegExp(`specl: ${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: seeds must be distinct seeds`),
    );
    const n = specl(['experiment', 'run', 'no-such-experiment'], LIMIT);
    const names = builtinExperiments().map((b) => b.name);
    assert.ok(
      n.stderr.includes(
        `no built-in experiment no-such-experiment (built in: ${names.join(', ')}; or give a .yaml/.json file)`,
      ),
      n.stderr,
    );
  });
});
