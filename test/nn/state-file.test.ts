/**
 * Module and optimizer checkpoints as safetensors files: a model restored from
 * a file computes exactly what the saved one did; a training run resumed from
 * saved model + optimizer files continues bit for bit; the file is readable by
 * the independent stdlib-only reader under PyTorch's key names; bad files fail clearly.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ConvNet, Linear, loadModule, MLP, saveModule } from '../../src/nn/index.ts';
import { loadOptimizer, SGD, saveOptimizer, splitWeightDecay } from '../../src/optim/index.ts';
import { Generator, nnf, noGrad, randint, randn, type Tensor, tidy } from '../../src/tensor/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'specl-state-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const root = new URL('../..', import.meta.url).pathname;

const flat = (ts: Tensor[]) => ts.flatMap((t) => Array.from(t.double().data() as Float64Array));

test('a ConvNet restored from a safetensors file gives identical outputs (train and eval buffers too)', () => {
  const a = new ConvNet({ generator: new Generator(1) });
  const x = randn([8, 1, 28, 28], { generator: new Generator(2) });
  tidy(() => a.forward(x)); // one training forward: running stats move away from their init
  a.eval();
  const path = join(dir, 'convnet.safetensors');
  saveModule(path, a, { note: 'test' });
  const b = new ConvNet({ generator: new Generator(99) });
  b.eval();
  const before = tidy(() => b.forward(x).sub(a.forward(x)).abs().max().item());
  assert.ok(before > 1e-3, 'different seeds give different networks');
  const meta = loadModule(path, b);
  assert.equal(meta.note, 'test');
  assert.equal(
    tidy(() => b.forward(x).sub(a.forward(x)).abs().max().item()),
    0,
  );
  const sa = tidy(() => flat(Object.values(a.stateDict())));
  const sb = tidy(() => flat(Object.values(b.stateDict())));
  assert.deepEqual(sb, sa);
  a.dispose();
  b.dispose();
});

test('the file carries PyTorch key names, shapes and values for an independent reader', {
  skip: spawnSync('python3', ['--version']).status !== 0,
}, () => {
  const m = new MLP([6, 16, 4], { batchNorm: true, lastBatchNorm: true });
  const path = join(dir, 'mlp.safetensors');
  saveModule(path, m);
  const r = spawnSync('python3', [join(root, 'scripts/safetensors_ref.py'), 'read', path], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout) as { tensors: { name: string; dtype: string; shape: number[]; sum?: number }[] };
  const byName = new Map(summary.tensors.map((t) => [t.name, t]));
  // nn.Sequential(Linear, BatchNorm1d, ReLU, Linear, BatchNorm1d) in PyTorch names its entries so:
  const expected: [string, string, number[]][] = [
    ['0.weight', 'F32', [16, 6]],
    ['0.bias', 'F32', [16]],
    ['1.weight', 'F32', [16]],
    ['1.bias', 'F32', [16]],
    ['1.running_mean', 'F32', [16]],
    ['1.running_var', 'F32', [16]],
    ['1.num_batches_tracked', 'I64', []],
    ['3.weight', 'F32', [4, 16]],
    ['3.bias', 'F32', [4]],
    ['4.weight', 'F32', [4]],
    ['4.bias', 'F32', [4]],
    ['4.running_mean', 'F32', [4]],
    ['4.running_var', 'F32', [4]],
    ['4.num_batches_tracked', 'I64', []],
  ];
  assert.equal(byName.size, expected.length);
  for (const [name, dtype, shape] of expected) {
    const t = byName.get(name);
    assert.ok(t, `missing ${name}`);
    assert.equal(t.dtype, dtype, name);
    assert.deepEqual(t.shape, shape, name);
  }
  const w = tidy(() => (m.stateDict()['0.weight'] as Tensor).double().sum().item());
  assert.ok(Math.abs((byName.get('0.weight')?.sum ?? Number.NaN) - w) < 1e-5);
  m.dispose();
});

test('model + optimizer files resume training bit for bit', () => {
  const data = randn([64, 10], { generator: new Generator(3) }).keep();
  const labels = randint(0, 3, [64], { generator: new Generator(4) }).keep();
  const make = () => {
    const net = new MLP([10, 32, 3], { batchNorm: true });
    const opt = new SGD(splitWeightDecay(net, 5e-4), { lr: 0.1, momentum: 0.9, nesterov: true });
    return { net, opt };
  };
  const stepN = (net: MLP, opt: SGD, n: number, from: number) => {
    for (let s = from; s < from + n; s++) {
      tidy(() => {
        const idx = randint(0, 64, [16], { generator: new Generator(100 + s) });
        const loss = nnf.crossEntropy(net.forward(data.indexSelect(0, idx)), labels.indexSelect(0, idx));
        opt.zeroGrad();
        loss.backward();
        opt.step();
      });
    }
  };
  const a = make();
  stepN(a.net, a.opt, 3, 0);
  saveModule(join(dir, 'run.safetensors'), a.net);
  saveOptimizer(join(dir, 'run.optim.safetensors'), a.opt);
  stepN(a.net, a.opt, 3, 3);

  const b = make();
  loadModule(join(dir, 'run.safetensors'), b.net);
  loadOptimizer(join(dir, 'run.optim.safetensors'), b.opt);
  stepN(b.net, b.opt, 3, 3);
  const pa = tidy(() => flat(Object.values(a.net.stateDict())));
  const pb = tidy(() => flat(Object.values(b.net.stateDict())));
  assert.deepEqual(pb, pa);

  // Without the optimizer state (momentum lost) the runs differ: the check above can fail.
  const c = make();
  loadModule(join(dir, 'run.safetensors'), c.net);
  stepN(c.net, c.opt, 3, 3);
  const pc = tidy(() => flat(Object.values(c.net.stateDict())));
  assert.notDeepEqual(pc, pa);
  for (const r of [a, b, c]) {
    r.net.dispose();
    r.opt.dispose();
  }
  noGrad(() => {
    data.dispose();
    labels.dispose();
  });
});

test('bad checkpoint files give errors naming the file and the problem', () => {
  const mlp = new MLP([4, 3]);
  const conv = new ConvNet();
  const path = join(dir, 'mlp-only.safetensors');
  saveModule(path, mlp);
  assert.throws(
    () => loadModule(path, conv),
    (e: Error) => e.message.includes(path) && /missing/i.test(e.message) && e.message.includes('features.0.weight'),
  );
  const bytes = readFileSync(path);
  const cut = join(dir, 'truncated.safetensors');
  writeFileSync(cut, bytes.subarray(0, bytes.length - 5));
  assert.throws(
    () => loadModule(cut, mlp),
    (e: Error) => e.message.includes(cut) && /truncat|short|exceed/i.test(e.message),
  );
  const lin = new Linear(4, 3);
  const opt = new SGD(lin.parameters(), { lr: 0.1 });
  assert.throws(
    () => loadOptimizer(path, opt),
    (e: Error) => e.message.includes(path) && e.message.includes('specl.optimizer'),
  );
  for (const m of [mlp, conv, lin]) m.dispose();
});
