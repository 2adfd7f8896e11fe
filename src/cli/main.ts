/** The `specl` command line. */
import { parseArgs } from 'node:util';
import { augment } from './augment.ts';
import { compareCommand } from './compare.ts';
import { dataInfo } from './data-info.ts';
import { demo } from './demo.ts';
import { experimentCommand } from './experiment.ts';
import { info } from './info.ts';
import { pretrainCommand } from './pretrain.ts';
import { knnCommand, probeCommand } from './probe.ts';
import { reportCommand } from './report.ts';
import { serveCommand } from './serve.ts';
import { theoryCommand } from './theory.ts';

const COMMANDS: Record<string, { run: (argv: string[]) => Promise<void> | void; help: string }> = {
  demo: { run: demo, help: 'pretrain spectral on unlabeled MNIST (≈4 min), then linear probe and kNN vs baselines' },
  pretrain: {
    run: pretrainCommand,
    help: 'pretrain an encoder: --method spectral|simclr|… --dataset … (--resume DIR)',
  },
  probe: {
    run: probeCommand,
    help: 'linear probe of a run (and label efficiency) beside raw pixels and a random encoder',
  },
  knn: { run: knnCommand, help: 'weighted kNN accuracy of a run beside raw pixels and a random encoder' },
  compare: { run: compareCommand, help: 'a table of several runs' },
  report: { run: reportCommand, help: 'one self-contained HTML report of a run, experiment or theory folder' },
  experiment: {
    run: experimentCommand,
    help: "the talk's experiments as grids of runs × seeds: list | run NAME|FILE | show | collect DIR",
  },
  theory: {
    run: theoryCommand,
    help: "the talk's theorems checked numerically: optimum | learned | separability | connectivity | real",
  },
  serve: { run: serveCommand, help: 'a local dashboard in the browser: runs, live curves, comparisons, experiments' },
  info: { run: info, help: 'libtorch version, threads, devices and build configuration' },
  data: { run: data, help: 'data info --dataset NAME: counts per class and pixel statistics' },
  augment: { run: augment, help: 'write a PNG grid of images and two augmented views of each' },
};

/** `specl data <subcommand>`. */
async function data(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub === 'info') return dataInfo(rest);
  if (sub === undefined || sub === '--help' || sub === '-h') {
    console.log('usage: specl data info [--dataset NAME] [--json]   (specl data info --help for the names)');
    return;
  }
  throw new Error(`data: unknown subcommand '${sub}' (expected: info)`);
}

function usage(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.help}`);
  return `usage: specl <command> [options]\n\ncommands:\n${rows.join('\n')}\n\nspecl <command> --help for its options`;
}

async function main(argv: string[]): Promise<void> {
  const { positionals } = parseArgs({ args: argv.slice(0, 1), allowPositionals: true, strict: false });
  const name = positionals[0];
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    console.error(`specl: unknown command '${name}'\n\n${usage()}`);
    process.exitCode = 2;
    return;
  }
  await cmd.run(argv.slice(1));
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(`specl: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
