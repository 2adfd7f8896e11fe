/**
 * Every option of `specl pretrain` settable in one place: `--help` states the
 * defaults the code uses, `--set` overrides with typed values and clear
 * errors, `--config` files (YAML and a run's own config.json), and
 * `--print-config`, as a user runs them (real processes, real MNIST).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { METHOD_NAMES } from '../../src/methods/index.ts';
import { literal, specl as run } from '../helpers/cli.ts';

const root = new URL('../..', import.meta.url).pathname;
const specl = (...args: string[]) => run(args);

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'specl-config-cli-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** The resolved config `--print-config` prints for these arguments. */
function printed(...args: string[]): Record<string, unknown> {
  const r = specl('pretrain', ...args, '--print-config');
  assert.equal(r.status, 0, r.stderr);
  return parse(r.stdout) as Record<string, unknown>;
}

const at = (o: unknown, key: string): unknown =>
  key.split('.').reduce<unknown>((x, k) => (x as Record<string, unknown> | undefined)?.[k], o);

/** `key → default text` of the "Every option" list of `pretrain --help`. */
function helpDefaults(help: string): Map<string, string> {
  const out = new Map<string, string>();
  const section = help.slice(help.indexOf('Every option'));
  // a key at the start of a line (2 spaces), its text possibly on the next line, ending "(default: …)"
  const re = /^ {2}([a-zA-Z][\w.]*)(?:\s+|\n\s+)[^\n]*\(default: ([^\n]*)\)$/gm;
  for (const m of section.matchAll(re)) out.set(m[1] as string, m[2] as string);
  return out;
}

/** What a help text's default says the value is, for a ConvNet on MNIST; undefined for a rule checked by hand. */
function expectedFromHelp(text: string): unknown {
  const byScale = /^(.+) on the ConvNet, (.+) on ResNet-18$/.exec(text);
  if (byScale) return literal(byScale[1] as string);
  const convnetWidths = /^([\d,]+) for the ConvNet, none for ResNet-18$/.exec(text);
  if (convnetWidths) return literal(convnetWidths[1] as string);
  if (/^(the |10, or none)/.test(text) || /mnist for 1-channel/.test(text)) return undefined;
  return literal(text);
}

describe('pretrain --help states the defaults the code uses', () => {
  for (const method of METHOD_NAMES) {
    test(`${method}: every option's help default equals its --print-config value`, () => {
      const help = specl('pretrain', '--method', method, '--help');
      assert.equal(help.status, 0, help.stderr);
      const defaults = helpDefaults(help.stdout);
      const config = printed('--method', method);
      const methodKeys = Object.keys(config.method as object).map((k) => `method.${k}`);
      for (const key of methodKeys) assert.ok(defaults.has(key), `${method}: --help lists ${key}`);
      assert.ok(defaults.size >= 28, `--help lists every option (${defaults.size})`);
      let compared = 0;
      for (const [key, text] of defaults) {
        const want = expectedFromHelp(text);
        if (want === undefined) continue;
        if (key === 'method.name') continue; // the default method; --method picked this one
        assert.deepEqual(at(config, key), want, `${method}: ${key} — help says "${text}"`);
        compared++;
      }
      assert.ok(compared >= 15, `${compared} literal defaults compared`);
      // the rules, by hand from the papers' recipes: lr = baseLr·B/256
      const recipes: Record<string, [string, number, number, number]> = {
        spectral: ['sgd', 0.03, 5e-4, 128],
        simclr: ['lars', 0.3, 1e-6, 256],
        mocov2: ['sgd', 0.03, 5e-4, 256],
        byol: ['lars', 0.2, 1.5e-6, 256],
        simsiam: ['sgd', 0.03, 5e-4, 256],
        swav: ['lars', 0.6, 1e-6, 256],
        barlowtwins: ['lars', 0.2, 1.5e-6, 256],
        vicreg: ['lars', 0.2, 1e-6, 256],
        supervised: ['sgd', 0.1, 5e-4, 256],
        dann: ['sgd', 0.1, 5e-4, 256],
      };
      const [opt, baseLr, wd, batch] = recipes[method] as [string, number, number, number];
      assert.equal(at(config, 'batchSize'), batch);
      assert.equal(at(config, 'optimizer.name'), opt);
      assert.equal(at(config, 'optimizer.lr'), (baseLr * batch) / 256);
      assert.equal(at(config, 'optimizer.weightDecay'), wd);
      assert.equal(at(config, 'epochs'), 10);
      assert.equal(at(config, 'augment.preset'), 'mnist');
      assert.deepEqual(at(config, 'augment.mean'), [0.1307]);
    });
  }
});

describe('--set, --config and --print-config', () => {
  test('--set reaches nested keys, typed by the declaration; shorthands and --set write one value', () => {
    const c = printed(
      '--method',
      'mocov2',
      '--set',
      'method.queueSize=1024',
      '--set',
      'method.symmetric=true',
      '--set',
      'encoder.widths=[16,32,64]',
      '--set',
      'augment.preset=gaussian',
      '--set',
      'augment.sigma=0.3',
      '--lr',
      '0.2',
      '--minutes',
      '2',
    );
    assert.equal(at(c, 'method.queueSize'), 1024);
    assert.equal(at(c, 'method.symmetric'), true);
    assert.deepEqual(at(c, 'encoder.widths'), [16, 32, 64]);
    assert.equal(at(c, 'augment.preset'), 'gaussian');
    assert.equal(at(c, 'optimizer.lr'), 0.2);
    assert.equal(at(c, 'epochs'), null, 'minutes given: no epochs');
    assert.equal(at(c, 'minutes'), 2);
    const later = printed('--lr', '0.2', '--set', 'optimizer.lr=0.5');
    assert.equal(at(later, 'optimizer.lr'), 0.5, '--set applies after the flags');
  });

  test('bad overrides: the key, what was expected and what was given, with a suggestion for typos', () => {
    const cases: [string[], RegExp][] = [
      [['--set', 'method.muu=10'], /--set method\.muu: unknown option 'method\.muu' \(did you mean 'method\.mu'\?\)/],
      [['--set', 'method.mu=ten'], /method\.mu must be a finite number > 0, got "ten" \(a string\)/],
      [['--set', 'method.mu=-1'], /method\.mu must be a finite number > 0, got -1/],
      [['--set', 'optimizer.warmupFraction=1'], /optimizer\.warmupFraction must be a number in \[0, 1\), got 1/],
      [['--set', 'batchSize=1'], /batchSize must be an integer ≥ 2, got 1/],
      [['--set', 'monitor.enabled=maybe'], /monitor\.enabled must be true or false, got "maybe"/],
      [
        ['--set', 'encoder.widths=16,x'],
        /encoder\.widths must be a non-empty list of positive integers, or null, got \[16,"x"\]/,
      ],
      [['--set', 'mu'], /--set expects KEY=VALUE/],
      [['--method', 'vicreg', '--set', 'method.mu=1'], /unknown option 'method\.mu'/],
      [['--lr', 'fast'], /--lr must be a finite number > 0, got "fast" \(a string\)/],
      [['--lrr', '0.1'], /unknown option '--lrr' \(did you mean '--lr'\?\)/],
      [
        ['--method', 'spectrl'],
        /^specl: --method must be one of .*got "spectrl" \(a string\) \(did you mean 'spectral'\?\)/,
      ],
    ];
    for (const [args, re] of cases) {
      const r = specl('pretrain', ...args, '--print-config');
      assert.equal(r.status, 1, `${args.join(' ')}: ${r.stdout}`);
      assert.match(r.stderr, re, args.join(' '));
    }
  });

  test('a YAML config file: its values, overridden by --set; a bad file is named with its line', () => {
    const file = join(dir, 'run.yaml');
    writeFileSync(
      file,
      [
        '# Barlow Twins, a quick try',
        'method:',
        '  name: barlowtwins',
        '  lambda: 0.01',
        'trainSize: 512',
        'epochs: 1',
        'batchSize: 64',
        'monitor: { enabled: false }',
        '',
      ].join('\n'),
    );
    const c = printed('--config', file, '--set', 'batchSize=32');
    assert.equal(at(c, 'method.name'), 'barlowtwins');
    assert.equal(at(c, 'method.lambda'), 0.01);
    assert.equal(at(c, 'method.hiddenDim'), 512, 'the rest from the declarations');
    assert.equal(at(c, 'batchSize'), 32);
    assert.equal(at(c, 'optimizer.lr'), (0.2 * 32) / 256, "the recipe's lr follows the batch");
    const typed = join(dir, 'typed.yaml');
    writeFileSync(typed, 'batchSize: "128"\n');
    let r = specl('pretrain', '--config', typed, '--print-config');
    assert.match(
      r.stderr,
      new RegExp(`${typed}: pretrain: batchSize must be an integer ≥ 2, got "128" \\(a string\\)`),
    );
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'method:\n  name: spectral\n   mu: 2\n');
    r = specl('pretrain', '--config', broken, '--print-config');
    assert.match(
      r.stderr,
      new RegExp(`${broken}:2:9: not valid YAML or JSON: Nested mappings are not allowed in compact mappings\n`),
    );
    const unknown = join(dir, 'unknown.yaml');
    writeFileSync(unknown, 'optimizer:\n  learningRate: 0.1\n');
    r = specl('pretrain', '--config', unknown, '--print-config');
    assert.match(r.stderr, /unknown option 'optimizer\.learningRate'/);
    r = specl('pretrain', '--config', join(dir, 'missing.yaml'), '--print-config');
    assert.match(r.stderr, /missing\.yaml: cannot read the settings file \(no such file\)/);
  });

  test('a wrong-shaped config file: the file, the key, what was expected and what it holds', () => {
    const groups = (key: string, first: string) => `${key} must be a mapping of its options \\(${key}\\.${first}, `;
    const cases: [string, string, string][] = [
      ['string-number', 'batchSize: "128"\n', 'batchSize must be an integer ≥ 2, got "128" \\(a string\\)'],
      ['null-encoder', 'encoder: null\n', `${groups('encoder', 'name')}.*\\), got null`],
      ['number-encoder', 'encoder: 5\n', `${groups('encoder', 'name')}.*\\), got 5`],
      ['list-optimizer', 'optimizer: []\n', `${groups('optimizer', 'name')}.*\\), got \\[\\]`],
      ['null-method', 'method: null\n', `${groups('method', 'name')}.*\\), got null`],
      ['string-augment', 'augment: x\n', `${groups('augment', 'preset')}.*\\), got "x" \\(a string\\)`],
      [
        'misspelled',
        'epoch: -1\n',
        "unknown option 'epoch' \\(did you mean 'epochs'\\?\\); known: method, .*, epochs, .*",
      ],
      ['negative-epochs', 'epochs: -1\n', 'epochs must be a positive integer, or null, got -1'],
      ['string-version', 'version: "2"\n', 'version must be 1 or 2 .*, got "2" \\(a string\\)'],
    ];
    for (const [name, text, expected] of cases) {
      const file = join(dir, `${name}.yaml`);
      writeFileSync(file, text);
      const r = specl('pretrain', '--config', file, '--print-config');
      assert.equal(r.status, 1, `${name}: ${r.stdout}`);
      assert.match(r.stderr, new RegExp(`^specl: ${file}: pretrain: ${expected}\n$`), name);
    }
    const list = join(dir, 'list.yaml');
    writeFileSync(list, '- 1\n- 2\n');
    const r = specl('pretrain', '--config', list, '--print-config');
    assert.match(
      r.stderr,
      new RegExp(
        `^specl: ${list}: a settings file must hold a mapping of option names to values, got a list \\[1,2\\]\n$`,
      ),
    );
  });

  test('--config RUN/config.json reruns a run to identical weights; --print-config of it prints it back', () => {
    const first = join(dir, 'first');
    const args = ['--dataset', 'mnist', '--train-size', '512', '--epochs', '1', '--widths', '8,16'];
    let r = specl('pretrain', ...args, '--set', 'method.mu=2', '--no-monitor', '--no-evaluate', '--out', first);
    assert.equal(r.status, 0, r.stderr);
    const config = JSON.parse(readFileSync(join(first, 'config.json'), 'utf8'));
    assert.equal(config.method.mu, 2);
    assert.deepEqual(printed('--config', join(first, 'config.json')), config, 'resolves to itself');
    const second = join(dir, 'second');
    r = specl('pretrain', '--config', join(first, 'config.json'), '--out', second);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(join(second, 'encoder.safetensors')));
    assert.ok(
      readFileSync(join(first, 'encoder.safetensors')).equals(readFileSync(join(second, 'encoder.safetensors'))),
      'the same weights, byte for byte',
    );
  });

  test('the example config file in examples/ resolves to what its comments say', () => {
    const c = printed('--config', join(root, 'examples/barlow-twins.yaml'));
    assert.equal(at(c, 'method.name'), 'barlowtwins');
    assert.equal(at(c, 'method.lambda'), 0.0051);
    assert.equal(at(c, 'dataset'), 'fashion-mnist');
    assert.deepEqual(at(c, 'augment.mean'), [0.286], "Fashion-MNIST's statistics");
    assert.equal(at(c, 'optimizer.lr'), 0.2, 'lr 0.2 × 256/256');
    assert.equal(at(c, 'epochs'), null);
  });

  test('--resume takes no other settings', () => {
    const r = specl('pretrain', '--resume', join(dir, 'first'), '--lr', '0.1');
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      /--resume continues a run with its own config\.json; it takes no other settings \(got --lr\)/,
    );
  });
});
