/**
 * The fuzz suite's child process (started by test/fuzz/engine.ts, never by hand):
 *
 *   --prepare --fixtures DIR                 write the valid fixtures into DIR
 *   --fixtures DIR --seed S --from I --to J --progress FILE --work DIR
 *     [--cli-share P] [--cli-timeout MS] [--keep]
 *                                            run cases I…J−1 of seed S
 *
 * Before a case it appends `{"i", "phase": "begin", …}` to the progress file and after
 * it `{"i", "phase": "end", "kind", …}`, each with a synchronous write, so that when the
 * process dies in native code (a signal, exit 134) or hangs, the parent knows which
 * case did it.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadDataset } from '../../src/data/index.ts';
import { buildFixtures, type Fixtures, mutateCase, planCase } from './formats.ts';
import { classifyCli, classifyThrown, type Kind } from './outcome.ts';

const root = new URL('../..', import.meta.url).pathname;

const { values } = parseArgs({
  options: {
    prepare: { type: 'boolean', default: false },
    fixtures: { type: 'string' },
    seed: { type: 'string', default: '0' },
    from: { type: 'string', default: '0' },
    to: { type: 'string', default: '0' },
    progress: { type: 'string' },
    work: { type: 'string' },
    'cli-share': { type: 'string', default: '0' },
    'cli-timeout': { type: 'string', default: '120000' },
    keep: { type: 'boolean', default: false },
  },
});

async function main(): Promise<void> {
  const fixturesDir = values.fixtures as string;
  if (values.prepare) {
    await buildFixtures(fixturesDir);
    return;
  }
  const fx = JSON.parse(readFileSync(join(fixturesDir, 'fixtures.json'), 'utf8')) as Fixtures;
  const progress = values.progress as string;
  const work = values.work as string;
  const seed = Number(values.seed);
  const cliShare = Number(values['cli-share']);
  const cliTimeout = Number(values['cli-timeout']);
  const data = await loadDataset(`fashion-mnist:${fx.idxRaw}`);
  const say = (o: object) => appendFileSync(progress, `${JSON.stringify(o)}\n`);
  for (let i = Number(values.from); i < Number(values.to); i++) {
    const c = planCase(seed, i, fx, cliShare);
    const dir = join(work, `case-${i}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    cpSync(c.target.base(fx), dir, { recursive: true });
    const file = join(dir, c.file);
    const m = mutateCase(c, readFileSync(file));
    writeFileSync(file, m.bytes);
    say({ i, phase: 'begin', target: c.target.name, file: c.file, via: c.via, desc: m.desc, dir });
    const t0 = performance.now();
    let out: { kind: Kind; message: string };
    if (c.via === 'cli') {
      const args = c.target.cli?.(dir, fx) as string[];
      const r = spawnSync(process.execPath, [join(root, 'bin/specl.js'), ...args], {
        cwd: root,
        encoding: 'utf8',
        timeout: cliTimeout,
        killSignal: 'SIGKILL',
      });
      const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
      out = classifyCli(
        { status: r.status, signal: timedOut ? null : r.signal, stderr: r.stderr ?? '', timedOut },
        file,
      );
    } else {
      try {
        await c.target.api({ dir, fx, data, rng: c.rng });
        out = { kind: 'ok', message: '' };
      } catch (e) {
        out = classifyThrown(e, file);
      }
    }
    say({
      i,
      phase: 'end',
      kind: out.kind,
      message: out.message.slice(0, 2000),
      ms: Math.round(performance.now() - t0),
    });
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
  }
  for (const t of [data.train.images, data.train.labels, data.test.images, data.test.labels]) t.dispose();
}

main().catch((e: unknown) => {
  // Outside any case (fixtures, start-up): the parent reports it as a harness failure.
  process.stderr.write(`fuzz child: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(3);
});
