/**
 * `specl serve [DIR…]`: the local dashboard over run and experiment folders
 * (src/dashboard). Runs until Ctrl-C.
 */

import { isDefaultHost, startDashboard } from '../dashboard/index.ts';
import { intIn, nonEmptyString, nullable, option } from '../options/index.ts';
import { type CommandSpec, parseCommand } from './option-flags.ts';

/** `specl serve`'s options, declared once. */
export const SERVE_COMMAND = {
  name: 'specl serve',
  usage: [
    'usage: specl serve [DIR…] [--port 7007] [--host 127.0.0.1] [--token T]',
    '  a read-only dashboard in your browser over the run and experiment folders under DIR… (default: runs):',
    '  runs list, live curves of runs that train, comparisons with seeds as mean ± sd bands, experiment pages,',
    "  a finished run's feature projection, and the figures and numbers of `specl theory … --out DIR` folders.",
    '  Only this machine can reach it unless --host says otherwise; then it needs an access token.',
  ].join('\n'),
  options: {
    port: option(intIn(0, 65535), 7007, 'the port to listen on (0: any free one)'),
    host: option(
      nonEmptyString,
      '127.0.0.1',
      'the address to listen on; any other than 127.0.0.1, localhost or ::1 lets other machines in, so it needs a token',
    ),
    token: option(
      nullable(nonEmptyString),
      null,
      'the access token every request must carry (a random one is made for a non-loopback --host when none is given)',
    ),
  },
} satisfies CommandSpec;

export async function serveCommand(argv: string[]): Promise<void> {
  const parsed = parseCommand<{ port: number; host: string; token: string | null }>(SERVE_COMMAND, argv, {
    allowPositionals: true,
  });
  if (!parsed) return;
  const o = parsed.resolve();
  const dirs = parsed.positionals.length > 0 ? parsed.positionals : ['runs'];
  if (!isDefaultHost(o.host))
    console.error(
      `specl serve: warning: listening on ${o.host}, not only this machine's loopback; ` +
        `anyone who can reach it and has the token can read these runs${o.token === null ? ' (a random token is made)' : ''}`,
    );
  const d = await startDashboard({ dirs, host: o.host, port: o.port, token: o.token });
  const runs = d.catalog.runs().length;
  const experiments = d.catalog.experiments().length;
  console.log(`specl serve: ${d.url}`);
  console.log(
    `  ${runs} run${runs === 1 ? '' : 's'} and ${experiments} experiment${experiments === 1 ? '' : 's'} under ${dirs.join(', ')}` +
      `${d.catalog.missing.length ? ` (not found yet: ${d.catalog.missing.join(', ')})` : ''}; Ctrl-C stops`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void d.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
