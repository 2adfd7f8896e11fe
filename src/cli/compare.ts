/** `specl compare RUN…`: one table of several runs' summaries (and probe results where present). */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { PretrainConfig, PretrainSummary } from '../train/index.ts';
import { formatTime } from './progress.ts';
import { formatTable, pct } from './table.ts';

function readJson<T>(path: string): T {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}

export function compareCommand(argv: string[]): void {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { help: { type: 'boolean', default: false } },
  });
  if (values.help || positionals.length === 0) {
    console.log(
      'usage: specl compare RUN_DIR…   a table of the runs: method, dataset, steps, time, images/s, linear probe, kNN',
    );
    if (!values.help) process.exitCode = 2;
    return;
  }
  const rows = positionals.map((dir) => {
    const configPath = join(dir, 'config.json');
    if (!existsSync(configPath)) throw new Error(`${dir}: not a specl run folder (no config.json)`);
    const config = readJson<PretrainConfig>(configPath);
    const summaryPath = join(dir, 'summary.json');
    if (!existsSync(summaryPath)) return [dir, config.method.name, config.dataset, 'unfinished', '', '', '', ''];
    const s = readJson<PretrainSummary>(summaryPath);
    return [
      dir,
      s.method,
      s.dataset,
      String(s.steps),
      formatTime(s.seconds),
      String(Math.round(s.imagesPerSecond)),
      pct(s.evaluation?.linearProbe),
      pct(s.evaluation?.knn),
    ];
  });
  console.log(formatTable(['run', 'method', 'dataset', 'steps', 'time', 'img/s', 'linear probe', 'kNN'], rows));
}
