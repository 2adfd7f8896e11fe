/**
 * For the commands whose flags are declared options (`specl augment`, `data
 * info`, `demo`, `probe`, `knn`), the default each `--help` line states is the
 * value the command resolves when the flag is not given, and a real run uses it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { AUGMENT_COMMAND } from '../../src/cli/augment.ts';
import { DATA_INFO_COMMAND } from '../../src/cli/data-info.ts';
import { DEMO_COMMAND } from '../../src/cli/demo.ts';
import { type CommandSpec, flagsOf } from '../../src/cli/option-flags.ts';
import { KNN_COMMAND, PROBE_COMMAND } from '../../src/cli/probe.ts';
import { DEFAULT_KNN } from '../../src/eval/index.ts';
import { resolve } from '../../src/options/index.ts';
import { literal, specl as run } from '../helpers/cli.ts';

const specl = (...args: string[]) => run(args);

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'specl-command-help-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** `--flag → default text` of a --help output. */
function helpDefaults(help: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of help.matchAll(/^ {2}--([a-z][\w-]*)[^\n]*(?:\n {3,}[^\n]*)?\(default: ([^\n]*)\)$/gm))
    out.set(m[1] as string, m[2] as string);
  return out;
}

/** Checks every flag's stated default against the resolved default; derived defaults are returned for a hand check. */
function checkHelp(args: string[], spec: CommandSpec, context: unknown): Map<string, string> {
  const r = specl(...args, '--help');
  assert.equal(r.status, 0, r.stderr);
  const stated = helpDefaults(r.stdout);
  const resolved = resolve<Record<string, unknown>>(spec.options, {}, { owner: spec.name, context });
  const derived = new Map<string, string>();
  for (const f of flagsOf(spec.options, { all: true })) {
    const text = stated.get(f.flag);
    assert.ok(text !== undefined, `${args.join(' ')} --help states the default of --${f.flag}`);
    if ((f.decl.default as { derived?: boolean } | null)?.derived) derived.set(f.key, text);
    else assert.deepEqual(literal(text), resolved[f.key], `--${f.flag}: help says "${text}"`);
  }
  return derived;
}

test('specl augment: each --help default is the value used; the preset follows the channels', () => {
  const derived = checkHelp(['augment'], AUGMENT_COMMAND, { channels: 1 });
  assert.deepEqual([...derived.keys()], ['preset']);
  const out = join(dir, 'views.png');
  const r = specl('augment', '--out', out);
  assert.equal(r.status, 0, r.stderr);
  // defaults: 8 MNIST training images, the mnist preset for 1-channel images
  assert.match(r.stdout, /wrote .*views\.png: 8 mnist images \(left\) and two views each, preset mnist/);
});

test('specl data info: each --help default is the value used', () => {
  assert.equal(checkHelp(['data', 'info'], DATA_INFO_COMMAND, {}).size, 0);
  const r = specl('data', 'info');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^mnist: 10 classes/, 'default dataset mnist, a table (json false)');
});

test('specl demo, probe and knn: each --help default is the value used', () => {
  assert.equal(checkHelp(['demo'], DEMO_COMMAND, {}).size, 0);
  assert.equal(checkHelp(['probe'], PROBE_COMMAND, {}).size, 0);
  assert.equal(checkHelp(['knn'], KNN_COMMAND, {}).size, 0);
  // the values the commands use without flags (independent of the declarations: the papers' values)
  assert.deepEqual(resolve(KNN_COMMAND.options, {}, { owner: 'knn' }), { k: 200, temperature: 0.1 });
  assert.deepEqual(DEFAULT_KNN, { k: 200, temperature: 0.1 });
  const usage = specl('knn');
  assert.equal(usage.status, 2, 'no run folder: usage and exit code 2');
  assert.match(usage.stdout, /usage: specl knn RUN_DIR/);
});
