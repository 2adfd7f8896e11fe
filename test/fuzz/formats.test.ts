/**
 * The fuzz suite, bounded for CI: a fixed seed and a fixed number of seeded mutations
 * of every format specl reads (test/fuzz/formats.ts), each loaded in a child process —
 * in process, and a share through `bin/specl.js` — where each must load or fail with an
 * Error naming the file: no native abort, no hang, no nameless message, no
 * TypeError/RangeError from our code. A failure prints the seed, the case index and
 * the command reproducing it. Any other seed, or more cases: scripts/fuzz.ts.
 *
 * Below it, the defects the fuzzer found, each pinned as a plain case.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runPretrainCli } from '../../src/cli/pretrain.ts';
import { type LabeledDataset, loadDataset } from '../../src/data/index.ts';
import { decodeSafetensors } from '../../src/tensor/index.ts';
import { loadRunConfig, loadRunEncoder, readSettingsFile, resume } from '../../src/train/index.ts';
import { describeFailure, formatSummary, runFuzz } from './engine.ts';
import { buildFixtures, type Fixtures } from './formats.ts';
import { classifyThrown } from './outcome.ts';

/** The CI form's seed and size: about a minute on the 2-core development machine (see the report in the log). */
const SEED = 20261203;
const CASES = 300;
const CLI_SHARE = 0.03;

let tmp: string;
let fx: Fixtures;
let data: LabeledDataset;
before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'specl-fuzz-test-'));
  fx = await buildFixtures(join(tmp, 'fixtures'));
  data = await loadDataset(`fashion-mnist:${fx.idxRaw}`);
});
after(() => {
  for (const s of [data.train, data.test]) for (const t of [s.images, s.labels]) t.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

test(`${CASES} seeded mutations (seed ${SEED}): each loads or fails naming its file`, {
  timeout: 900_000,
}, async () => {
  const s = await runFuzz({ seed: SEED, cases: CASES, cliShare: CLI_SHARE, fixtures: fx.root });
  console.log(formatSummary(s));
  assert.equal(s.results.length, CASES);
  assert.ok(s.counts.error > CASES / 2, 'most mutations must be caught, or they are too mild');
  assert.ok(
    s.results.some((r) => r.via === 'cli'),
    'some cases run on the command line',
  );
  assert.equal(s.failures.length, 0, `\n${s.failures.map((f) => describeFailure(f, SEED, CLI_SHARE)).join('\n')}`);
});

let n = 0;
/** A copy of a fixture folder with `file` (relative) replaced by `bytes`; returns the folder and the file's path. */
function damaged(base: string, file: string, bytes: string | Buffer): { dir: string; path: string } {
  const dir = join(tmp, `case-${n++}`);
  cpSync(base, dir, { recursive: true });
  const path = join(dir, file);
  writeFileSync(path, bytes);
  return { dir, path };
}

/** Runs `f` and asserts it throws an Error that names `file` (no TypeError/RangeError, no V8 wording), matching `re`. */
async function failsNaming(f: () => unknown, file: string, re: RegExp): Promise<void> {
  try {
    await f();
  } catch (e) {
    const c = classifyThrown(e, file);
    assert.equal(c.kind, 'error', c.message);
    assert.match((e as Error).message, re);
    return;
  }
  assert.fail(`no error for a damaged ${file}`);
}

const editJson = (path: string, edit: (o: Record<string, unknown>) => void): string => {
  const o = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  edit(o);
  return JSON.stringify(o, null, 2);
};
const deep = (d: number) => `${'['.repeat(d)}${']'.repeat(d)}`;

describe('defects the fuzzer found, pinned', () => {
  test('config.json with a bad encoder width: the error names config.json (was: ConvNet: widths must be …)', async () => {
    const text = editJson(join(fx.runDone, 'config.json'), (c) => {
      (c.encoder as Record<string, unknown>).widths = [null, 8];
    });
    const { dir, path } = damaged(fx.runDone, 'config.json', text);
    await failsNaming(() => loadRunEncoder(dir), path, /config\.json: pretrain: encoder\.widths must be/);
    rmSync(join(dir, 'encoder.safetensors'));
    await failsNaming(() => resume(dir, { data }), path, /config\.json: pretrain: encoder\.widths must be/);
  });

  test('config.json with a non-finite mean: the error names config.json (was: Normalize: mean must be …)', async () => {
    const text = readFileSync(join(fx.runDone, 'config.json'), 'utf8').replace(
      /"mean": \[\s*[\d.e-]+\s*\]/,
      '"mean": [1e400]',
    );
    assert.match(text, /1e400/);
    const { dir, path } = damaged(fx.runDone, 'config.json', text);
    await failsNaming(() => loadRunConfig(dir), path, /config\.json: pretrain: augment\.mean must be/);
  });

  test('config.json nested very deep: an error naming config.json, not a stack overflow', async () => {
    const text = editJson(join(fx.runDone, 'config.json'), (c) => {
      c.seed = '@DEEP@';
    }).replace('"@DEEP@"', deep(100_000));
    const { dir, path } = damaged(fx.runDone, 'config.json', text);
    await failsNaming(() => loadRunEncoder(dir), path, /config\.json/);
  });

  test('a settings file naming an unknown method: the error names the file (was: method.name must be …)', async () => {
    const yaml = readFileSync(join(fx.settings, 'run.yaml'), 'utf8').replace('name: spectral', 'name: 0x7fffffff');
    const { path } = damaged(fx.settings, 'run.yaml', yaml);
    await failsNaming(
      () => runPretrainCli(['--config', path, '--print-config']),
      path,
      /run\.yaml: method\.name must be one of/,
    );
  });

  test('a settings file with an unknown top-level group: the error names the file', async () => {
    const json = readFileSync(join(fx.settings, 'run.json'), 'utf8').replace('"method"', '"methd"');
    const { path } = damaged(fx.settings, 'run.json', json);
    await failsNaming(
      () => runPretrainCli(['--config', path, '--print-config']),
      path,
      /run\.json: pretrain: unknown option 'methd'/,
    );
  });

  test('YAML alias bombs, self-merging anchors and deep nesting: errors naming the file, not V8 errors', async () => {
    const base = readFileSync(join(fx.settings, 'run.yaml'), 'utf8');
    const bomb = ['a0: &a0 [x, x, x, x, x, x, x, x, x]'];
    for (let k = 1; k < 12; k++)
      bomb.push(
        `a${k}: &a${k} [${Array(9)
          .fill(`*a${k - 1}`)
          .join(', ')}]`,
      );
    for (const [what, text, re] of [
      ['alias bomb', `${base}${bomb.join('\n')}\n`, /run\.yaml: .*aliases/],
      ['self-merge', `a: &x\n  <<: *x\n${base}`, /run\.yaml: not valid settings: the value at 'a\.<<' contains itself/],
      ['deep list', `${base}deep: ${deep(50_000)}\n`, /run\.yaml.*nested too deep/],
    ] as const) {
      const { path } = damaged(fx.settings, 'run.yaml', text);
      await failsNaming(() => readSettingsFile(path), path, re);
      assert.ok(what);
    }
  });

  test('safetensors headers nested very deep: an error naming the file, not a stack overflow', async () => {
    const file = (header: string): Buffer => {
      const json = Buffer.from(header);
      const length = Buffer.alloc(8);
      length.writeBigUInt64LE(BigInt(json.length));
      return Buffer.concat([length, json, Buffer.alloc(4)]);
    };
    const d = deep(100_000);
    for (const header of [
      d,
      `{"a":${d}}`,
      `{"a":{"dtype":${d},"shape":[1],"data_offsets":[0,4]}}`,
      `{"a":{"dtype":"F32","shape":${d},"data_offsets":[0,4]}}`,
      `{"a":{"dtype":"F32","shape":[1],"data_offsets":${d}}}`,
      `{"__metadata__":${d}}`,
      `{"__metadata__":{"k":${d}}}`,
    ]) {
      await failsNaming(
        () => decodeSafetensors(file(header), 'deep.safetensors'),
        'deep.safetensors',
        /nested too deeply/,
      );
    }
  });

  test('config.json with its version key damaged is still checked: the error names config.json', async () => {
    const text = readFileSync(join(fx.runDone, 'config.json'), 'utf8')
      .replace('"version"', '"vers1on"')
      .replace('"name": "spectral"', '"name": "spectrum"');
    const { dir, path } = damaged(fx.runDone, 'config.json', text);
    await failsNaming(() => loadRunEncoder(dir), path, /config\.json: .*method\.name must be one of/);
  });

  test('config.json describing parts too large to allocate: the error names config.json (was: DefaultCPUAllocator: …)', async () => {
    const huge = editJson(join(fx.runStopped, 'config.json'), (c) => {
      (c.method as Record<string, unknown>).hiddenDim = 2 ** 32;
    });
    const a = damaged(fx.runStopped, 'config.json', huge);
    await failsNaming(() => resume(a.dir, { data }), a.path, /config\.json: .*can't allocate memory/);
    const wide = editJson(join(fx.runDone, 'config.json'), (c) => {
      (c.encoder as Record<string, unknown>).widths = [2 ** 31, 8];
    });
    const b = damaged(fx.runDone, 'config.json', wide);
    await failsNaming(() => loadRunEncoder(b.dir), b.path, /config\.json: .*can't allocate memory/);
  });

  test('trainer.json with a totalSteps the config does not plan: an error, not 2^53 steps of training', async () => {
    const step = join('checkpoints', fx.step, 'trainer.json');
    const text = editJson(join(fx.runStopped, step), (p) => {
      p.totalSteps = 2 ** 53 + 2;
    });
    const { dir, path } = damaged(fx.runStopped, step, text);
    // Bounded: were it to train, the signal stops it after 60 s (and the test fails: no error).
    await failsNaming(
      () => resume(dir, { data, signal: AbortSignal.timeout(60_000) }),
      path,
      /trainer\.json: field 'totalSteps' is 9007199254740994 but config\.json plans 1 epochs × 2 steps = 2/,
    );
  });

  test('a settings file whose dataset is missing or not a string: --print-config names the file', async () => {
    const json = readFileSync(join(fx.settings, 'run.json'), 'utf8');
    const a = damaged(fx.settings, 'run.json', json.replace('idx-raw', 'id x-raw'));
    await failsNaming(() => runPretrainCli(['--config', a.path, '--print-config']), a.path, /run\.json: .*not found/);
    const b = damaged(fx.settings, 'run.json', json.replace(/"dataset": "[^"]*"/, '"dataset": 5'));
    await failsNaming(
      () => runPretrainCli(['--config', b.path, '--print-config']),
      b.path,
      /run\.json: pretrain: dataset must be a non-empty string, got 5/,
    );
  });

  test('config.json without its dataset or encoder widths: an error naming config.json, not mnist or other weights', async () => {
    for (const [key, drop] of [
      ['dataset', (c: Record<string, unknown>) => delete c.dataset],
      ['encoder.widths', (c: Record<string, unknown>) => delete (c.encoder as Record<string, unknown>).widths],
    ] as const) {
      const { dir, path } = damaged(fx.runDone, 'config.json', editJson(join(fx.runDone, 'config.json'), drop));
      await failsNaming(
        () => loadRunConfig(dir),
        path,
        new RegExp(`config\\.json: ${key.replace('.', '\\.')} missing`),
      );
    }
  });

  test('trainer.json and latest.json values nested very deep: errors naming the file, not a stack overflow', async () => {
    const trainer = join('checkpoints', fx.step, 'trainer.json');
    const a = damaged(
      fx.runStopped,
      trainer,
      editJson(join(fx.runStopped, trainer), (p) => {
        p.seconds = '@DEEP@';
      }).replace('"@DEEP@"', deep(100_000)),
    );
    await failsNaming(
      () => resume(a.dir, { data }),
      a.path,
      /trainer\.json: field 'seconds' must be a number, got an array/,
    );
    const b = damaged(fx.runStopped, 'checkpoints/latest.json', `{"checkpoint": ${deep(100_000)}}`);
    // latest.json unusable: the run recovers from its complete step folder.
    const r = await resume(b.dir, { data });
    r.encoder.dispose();
    r.method.dispose();
  });

  test('config.json missing a setting: resume names the file and the key (was: Cannot read properties of undefined)', async () => {
    const text = editJson(join(fx.runStopped, 'config.json'), (c) => {
      delete (c.augment as Record<string, unknown>).preset;
    });
    const { dir, path } = damaged(fx.runStopped, 'config.json', text);
    await failsNaming(() => resume(dir, { data }), path, /config\.json: augment\.preset missing/);
  });

  test('config.json and the weights disagree: the error names both files', async () => {
    const text = editJson(join(fx.runDone, 'config.json'), (c) => {
      (c.encoder as Record<string, unknown>).widths = [5, 8];
    });
    const a = damaged(fx.runDone, 'config.json', text);
    await failsNaming(
      () => loadRunEncoder(a.dir),
      a.path,
      /encoder\.safetensors: .*do not fit the encoder described by .*config\.json:\n {2}shape mismatch/,
    );
    const b = damaged(fx.runStopped, 'config.json', text);
    await failsNaming(
      () => loadRunEncoder(b.dir),
      b.path,
      /model\.safetensors: .*do not fit the encoder described by .*config\.json:\n {2}shape mismatch/,
    );
    await failsNaming(
      () => resume(b.dir, { data }),
      b.path,
      /model\.safetensors: does not fit the parts described by .*config\.json: .*\n {2}shape mismatch/,
    );
  });
});
