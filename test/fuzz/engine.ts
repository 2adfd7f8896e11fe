/**
 * The fuzz suite's parent: writes the fixtures (in a child), then runs the cases in a
 * child process that reports each case as it begins and ends (test/fuzz/child.ts). A
 * child that dies (signal, exit 134, any exit mid-case) is an `abort` of the case it
 * was in; one silent past the time limit is killed, with its process group, and the
 * case is a `hang`. Either way a fresh child carries on from the next case.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDefect, KINDS, type Kind } from './outcome.ts';

const childPath = new URL('./child.ts', import.meta.url).pathname;
const root = new URL('../..', import.meta.url).pathname;

export interface FuzzOptions {
  seed: number;
  /** Cases `first` … `first + cases − 1`. */
  cases: number;
  first?: number;
  /** Share of the cases run on the command line instead of in process (default 0.05). */
  cliShare?: number;
  /** Per-case limits (ms): in process, and for a `specl` command (defaults 60 s and 180 s). */
  apiTimeoutMs?: number;
  cliTimeoutMs?: number;
  /** Keep each case's files (under the work folder, printed) instead of removing them. */
  keep?: boolean;
  /** Fixtures already written by `buildFixtures` (default: written here, in a child). */
  fixtures?: string;
  /** Called with each finished case. */
  onCase?: (r: CaseResult) => void;
}

export interface CaseResult {
  index: number;
  target: string;
  file: string;
  via: 'api' | 'cli';
  desc: string;
  kind: Kind;
  message: string;
  ms: number;
  dir: string;
}

export interface FuzzSummary {
  seed: number;
  cliShare: number;
  results: CaseResult[];
  counts: Record<Kind, number>;
  /** Cases by target and kind. */
  byTarget: Record<string, Partial<Record<Kind, number>>>;
  failures: CaseResult[];
  wallMs: number;
  work: string;
}

/** The command that reruns case `index` alone (with the same CLI share, so it takes the same path). */
export function reproduceCommand(seed: number, index: number, cliShare: number): string {
  return `node --import tsx scripts/fuzz.ts --seed ${seed} --cli-share ${cliShare} --case ${index} --keep`;
}

/** One line per failing case: what was mutated, what happened, and how to reproduce it. */
export function describeFailure(r: CaseResult, seed: number, cliShare: number): string {
  return (
    `case ${r.index} (seed ${seed}) ${r.target} ${r.file} via ${r.via}: ${r.desc}\n` +
    `  → ${r.kind}: ${r.message}\n  reproduce: ${reproduceCommand(seed, r.index, cliShare)}`
  );
}

function startChild(args: string[]): { child: ChildProcess; stderr: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', childPath, ...args], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true, // its own process group, so that a `specl` grandchild dies with it
  });
  let err = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (s: string) => {
    err = (err + s).slice(-8000);
  });
  return { child, stderr: () => err };
}

const killGroup = (child: ChildProcess): void => {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writes the fixtures with a child process (they need libtorch and sharp). */
async function prepare(fixtures: string): Promise<void> {
  const { child, stderr } = startChild(['--prepare', '--fixtures', fixtures]);
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => killGroup(child), 600_000);
    child.on('exit', (c, s) => {
      clearTimeout(timer);
      resolve(s ? -1 : c);
    });
  });
  if (code !== 0) throw new Error(`fuzz: writing the fixtures failed (exit ${code}): ${stderr()}`);
}

/** Runs the cases and returns every outcome with the counts and the wall time. */
export async function runFuzz(o: FuzzOptions): Promise<FuzzSummary> {
  const t0 = performance.now();
  const cliShare = o.cliShare ?? 0.05;
  const apiTimeout = o.apiTimeoutMs ?? 60_000;
  const cliTimeout = o.cliTimeoutMs ?? 180_000;
  const work = mkdtempSync(join(tmpdir(), 'specl-fuzz-'));
  const fixtures = o.fixtures ?? join(work, 'fixtures');
  const results: CaseResult[] = [];
  try {
    if (o.fixtures === undefined) await prepare(fixtures);
    const first = o.first ?? 0;
    const end = first + o.cases;
    let next = first;
    let attempt = 0;
    while (next < end) {
      const progress = join(work, `progress-${attempt++}.jsonl`);
      const { child, stderr } = startChild([
        '--fixtures',
        fixtures,
        '--seed',
        String(o.seed),
        '--from',
        String(next),
        '--to',
        String(end),
        '--progress',
        progress,
        '--work',
        join(work, 'cases'),
        '--cli-share',
        String(cliShare),
        '--cli-timeout',
        String(cliTimeout),
        ...(o.keep ? ['--keep'] : []),
      ]);
      let exited: { code: number | null; signal: string | null } | null = null;
      child.on('exit', (code, signal) => {
        exited = { code, signal };
      });
      let read = 0;
      // The case begun and not yet ended (a holder object: the closures below update it).
      const st: { open: (Omit<CaseResult, 'kind' | 'message' | 'ms'> & { at: number }) | null } = { open: null };
      let began = false;
      let killed = false;
      const finish = (kind: Kind, message: string, ms: number) => {
        if (!st.open) return;
        const { at: _at, ...rest } = st.open;
        const r: CaseResult = { ...rest, kind, message, ms };
        results.push(r);
        o.onCase?.(r);
        next = r.index + 1;
        st.open = null;
      };
      const drain = () => {
        if (!existsSync(progress)) return;
        const bytes = readFileSync(progress);
        const end = bytes.lastIndexOf(0x0a); // a line is complete once its newline is written
        if (end < read) return;
        const complete = bytes.toString('utf8', read, end).split('\n');
        read = end + 1;
        for (const line of complete) {
          const e = JSON.parse(line) as {
            i: number;
            phase: string;
            kind: Kind;
            message: string;
            ms: number;
          } & CaseResult;
          if (e.phase === 'begin') {
            began = true;
            st.open = {
              index: e.i,
              target: e.target,
              file: e.file,
              via: e.via,
              desc: e.desc,
              dir: e.dir,
              at: performance.now(),
            };
          } else finish(e.kind, e.message, e.ms);
        }
      };
      while (exited === null) {
        await sleep(100);
        drain();
        const current = st.open;
        if (current && exited === null) {
          const limit = current.via === 'cli' ? cliTimeout + 30_000 : apiTimeout;
          if (performance.now() - current.at > limit) {
            killed = true;
            killGroup(child);
            while (exited === null) await sleep(50);
            finish('hang', `no result after ${limit} ms (process killed)`, Math.round(performance.now() - current.at));
          }
        }
      }
      drain();
      const ex = exited as { code: number | null; signal: string | null };
      if (st.open !== null) {
        const o2 = st.open;
        finish(
          'abort',
          `the process died in this case: ${ex.signal ?? `exit code ${ex.code}`}; stderr: ${stderr().slice(-1500)}`,
          Math.round(performance.now() - o2.at),
        );
      } else if (killed) {
        // the hang is recorded; carry on from the next case
      } else if (ex.code !== 0 && !began) {
        throw new Error(`fuzz: the child failed before its first case (${ex.signal ?? ex.code}): ${stderr()}`);
      } else if (ex.code !== 0) {
        throw new Error(`fuzz: the child failed between cases (${ex.signal ?? ex.code}): ${stderr()}`);
      }
    }
  } finally {
    if (!o.keep) rmSync(work, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
  const counts = Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<Kind, number>;
  const byTarget: FuzzSummary['byTarget'] = {};
  for (const r of results) {
    counts[r.kind]++;
    const t = byTarget[r.target] ?? {};
    byTarget[r.target] = t;
    t[r.kind] = (t[r.kind] ?? 0) + 1;
  }
  return {
    seed: o.seed,
    cliShare,
    results,
    counts,
    byTarget,
    failures: results.filter((r) => isDefect(r.kind)),
    wallMs: performance.now() - t0,
    work,
  };
}

/** The summary as lines: cases, outcomes by kind and by target, wall time. */
export function formatSummary(s: FuzzSummary): string {
  const kinds = KINDS.map((k) => `${k} ${s.counts[k]}`).join(', ');
  const targets = Object.entries(s.byTarget)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(
      ([t, c]) =>
        `  ${t.padEnd(22)} ${KINDS.filter((k) => c[k])
          .map((k) => `${k} ${c[k]}`)
          .join(', ')}`,
    );
  const cli = s.results.filter((r) => r.via === 'cli').length;
  return [
    `fuzz seed ${s.seed}: ${s.results.length} cases (${cli} on the command line) in ${(s.wallMs / 1000).toFixed(1)} s`,
    `outcomes: ${kinds}`,
    ...targets,
  ].join('\n');
}
