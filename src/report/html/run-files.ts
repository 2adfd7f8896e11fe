/**
 * A run folder's files as the report reads them: strictly (a damaged file is
 * an error naming it, and the line), unlike the trainer's own reader, which
 * skips what a crash may have torn. Only the last line of metrics.jsonl may
 * be torn (appends are whole lines): a last line without its newline that
 * does not parse is left out and noted.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { KnnReport, MetricLine, PretrainSummary } from '../../train/index.ts';
import type { ProbeReport } from '../../train/run-evaluation.ts';

/** What a run folder holds, read back. */
export interface RunFiles {
  dir: string;
  config: Record<string, unknown>;
  metrics: MetricLine[];
  /** null while the run has none (unfinished). */
  summary: PretrainSummary | null;
  probe: ProbeReport | null;
  knn: KnnReport | null;
  /** Whether encoder.safetensors is there (the run finished). */
  hasEncoder: boolean;
  /** Whether a process holds the run's lock file (it may be training now). */
  locked: boolean;
  /** What the reader noticed (a torn last metrics line). */
  notes: string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A JSON object file; errors name the file. `optional` files that are absent give null. */
export function readJsonObject(path: string, o: { optional?: boolean } = {}): Record<string, unknown> | null {
  if (!existsSync(path)) {
    if (o.optional) return null;
    throw new Error(`${path}: not found`);
  }
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(v)) throw new Error(`${path}: expected a JSON object, got ${Array.isArray(v) ? 'an array' : typeof v}`);
  return v;
}

/**
 * The lines of a metrics.jsonl: each a JSON object with a `type` of step,
 * epoch or event and a numeric `step`. A line that is not is an error naming
 * the file and the line number; a torn last line (no newline after it) is
 * left out, with a note.
 */
export function readMetricsFile(path: string, notes: string[] = []): MetricLine[] {
  if (!existsSync(path)) throw new Error(`${path}: not found (a run folder holds config.json and metrics.jsonl)`);
  const text = readFileSync(path, 'utf8');
  const raw = text.split('\n');
  const out: MetricLine[] = [];
  raw.forEach((line, i) => {
    if (!line.trim()) return;
    const last = i === raw.length - 1; // no newline after it
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      if (last) {
        notes.push(`${path}: the last line (${i + 1}) is incomplete (a crash mid-write) and was left out`);
        return;
      }
      throw new Error(`${path}: line ${i + 1} is not valid JSON (${(e as Error).message})`);
    }
    if (!isObject(v) || !['step', 'epoch', 'event'].includes(v.type as string) || typeof v.step !== 'number')
      throw new Error(
        `${path}: line ${i + 1} is not a metrics line (expected an object with type step|epoch|event and a numeric step)`,
      );
    out.push(v as MetricLine);
  });
  return out;
}

/** Whether `dir` looks like a run folder (it has a config.json or a metrics.jsonl). */
export const isRunFolder = (dir: string): boolean =>
  existsSync(join(dir, 'config.json')) || existsSync(join(dir, 'metrics.jsonl'));

/** Reads the run folder `dir` (see {@link RunFiles}); config.json and metrics.jsonl must be there. */
export function readRunFiles(dir: string): RunFiles {
  const configPath = join(dir, 'config.json');
  if (!existsSync(configPath))
    throw new Error(
      `${dir}: not a complete run folder: ${configPath} is missing (a run folder holds config.json and metrics.jsonl)`,
    );
  const config = readJsonObject(configPath) as Record<string, unknown>;
  const notes: string[] = [];
  const metrics = readMetricsFile(join(dir, 'metrics.jsonl'), notes);
  const summary = readJsonObject(join(dir, 'summary.json'), { optional: true }) as PretrainSummary | null;
  const probe = readJsonObject(join(dir, 'probe.json'), { optional: true }) as ProbeReport | null;
  const knn = readJsonObject(join(dir, 'knn.json'), { optional: true }) as KnnReport | null;
  for (const [name, r] of [
    ['probe.json', probe],
    ['knn.json', knn],
  ] as const)
    if (r && !Array.isArray((r as { results?: unknown }).results))
      throw new Error(`${join(dir, name)}: expected a results array (the evaluation beside its baselines)`);
  const encoder = join(dir, 'encoder.safetensors');
  return {
    dir,
    config,
    metrics,
    summary,
    probe,
    knn,
    hasEncoder: existsSync(encoder) && statSync(encoder).isFile(),
    locked: existsSync(join(dir, 'lock')),
    notes,
  };
}
