/**
 * `specl report DIR [--out FILE]`: one self-contained HTML file of a run, an
 * experiment or a `specl theory` output folder (src/report/html), written
 * atomically; it opens offline in any browser, with JavaScript on or off.
 */
import { resolve } from 'node:path';
import { nonEmptyString, nullable, option } from '../options/index.ts';
import { REPORT_OPTIONS, writeReport } from '../report/html/index.ts';
import { type CommandSpec, parseCommand } from './option-flags.ts';

/** `specl report`'s options, declared once. */
export const REPORT_COMMAND = {
  name: 'specl report',
  usage: [
    'usage: specl report RUN_OR_EXPERIMENT_OR_THEORY_DIR [--out report.html] [--projection 2000]',
    '  writes one HTML file that opens offline anywhere (no server, nothing fetched; figures readable with',
    '  JavaScript off): a run’s config, curves, monitors, evaluation tables and feature projection; an',
    '  experiment’s tables, figures and verdicts with every cell’s run; a theory folder’s figures and numbers',
  ].join('\n'),
  options: {
    out: option(nullable(nonEmptyString), null, 'the HTML file to write; none: report.html inside the folder'),
    projection: REPORT_OPTIONS.projection,
    interactive: REPORT_OPTIONS.interactive,
  },
} satisfies CommandSpec;

export async function reportCommand(argv: string[]): Promise<void> {
  const parsed = parseCommand<{ out: string | null; projection: number; interactive: boolean }>(REPORT_COMMAND, argv, {
    allowPositionals: true,
  });
  if (!parsed) return;
  if (parsed.positionals.length !== 1) {
    console.error(
      `specl report: give one folder (a run, an experiment or a theory output folder); got ${parsed.positionals.length}\n` +
        'specl report --help for the options',
    );
    process.exitCode = 2;
    return;
  }
  const dir = parsed.positionals[0] as string;
  const o = parsed.resolve();
  const r = await writeReport(dir, {
    out: o.out ?? undefined,
    projection: o.projection,
    interactive: o.interactive,
    onNote: (n) => process.stderr.write(`report: ${n}\n`),
  });
  console.log(`wrote ${resolve(r.path)} (${r.kind} report, ${(r.bytes / 1024).toFixed(0)} KiB)`);
}
