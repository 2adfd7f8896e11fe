/**
 * A run's folder on disk:
 *   config.json      everything needed to rerun it (seed included)
 *   metrics.jsonl    one JSON line per logged step and per epoch
 *   checkpoints/     latest.json → step-NNNNNNN/{model,optimizer}.safetensors + trainer.json
 *   encoder.safetensors, summary.json   at the end
 *   probe.json, knn.json   the evaluation beside its baselines (specl probe / knn / demo)
 * Every file is written to a temporary name and renamed; metrics lines are
 * appended whole, and a resumed run first drops lines past its checkpoint.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic-write.ts';

export interface MetricLine {
  type: 'step' | 'epoch' | 'event';
  step: number;
  [field: string]: unknown;
}

export class RunFolder {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
  }
  get configPath(): string {
    return join(this.dir, 'config.json');
  }
  get metricsPath(): string {
    return join(this.dir, 'metrics.jsonl');
  }
  get checkpointsDir(): string {
    return join(this.dir, 'checkpoints');
  }
  get summaryPath(): string {
    return join(this.dir, 'summary.json');
  }
  get encoderPath(): string {
    return join(this.dir, 'encoder.safetensors');
  }
  get probePath(): string {
    return join(this.dir, 'probe.json');
  }
  get knnPath(): string {
    return join(this.dir, 'knn.json');
  }

  /** Creates the folder for a new run; refuses one that already holds a run. */
  create(config: object): void {
    if (existsSync(this.configPath))
      throw new Error(
        `${this.dir}: already holds a run (config.json); pass --resume to continue it or choose another --out`,
      );
    mkdirSync(this.checkpointsDir, { recursive: true });
    writeJsonAtomic(this.configPath, config);
    writeFileSync(this.metricsPath, '');
  }

  /** The config of an existing run. */
  readConfig<T>(): T {
    if (!existsSync(this.configPath)) throw new Error(`${this.dir}: not a specl run folder (no config.json)`);
    try {
      return JSON.parse(readFileSync(this.configPath, 'utf8')) as T;
    } catch (e) {
      throw new Error(`${this.configPath}: not valid JSON (${(e as Error).message})`);
    }
  }

  /** Appends one metrics line (a single write, so a crash never leaves half a line behind a good one). */
  log(line: MetricLine): void {
    appendFileSync(this.metricsPath, `${JSON.stringify(line)}\n`);
  }

  /** Every metrics line (a torn last line from a crash is skipped). */
  readMetrics(): MetricLine[] {
    if (!existsSync(this.metricsPath)) return [];
    const out: MetricLine[] = [];
    for (const raw of readFileSync(this.metricsPath, 'utf8').split('\n')) {
      if (!raw.trim()) continue;
      try {
        out.push(JSON.parse(raw) as MetricLine);
      } catch {
        // only the last line can be torn (appends are whole lines); skip it
      }
    }
    return out;
  }

  /** Keeps the metrics lines up to `step` (those the checkpoint being resumed had seen). */
  truncateMetrics(step: number): void {
    const keep = this.readMetrics().filter((l) => l.step <= step);
    writeFileAtomic(this.metricsPath, keep.map((l) => `${JSON.stringify(l)}\n`).join(''));
  }

  writeSummary(summary: object): void {
    writeJsonAtomic(this.summaryPath, summary);
  }

  /** summary.json, or null while the run has none (unfinished). */
  readSummary<T>(): T | null {
    if (!existsSync(this.summaryPath)) return null;
    try {
      return JSON.parse(readFileSync(this.summaryPath, 'utf8')) as T;
    } catch (e) {
      throw new Error(`${this.summaryPath}: not valid JSON (${(e as Error).message})`);
    }
  }

  /** Writes probe.json (the linear probe beside its baselines). */
  writeProbe(report: object): void {
    writeJsonAtomic(this.probePath, report);
  }

  /** Writes knn.json (the kNN beside its baselines). */
  writeKnn(report: object): void {
    writeJsonAtomic(this.knnPath, report);
  }

  /**
   * Sets fields of summary.json's `evaluation` (`linearProbe`, `knn`),
   * keeping the others (null when never measured). Returns false, writing
   * nothing, when the run has no summary.json yet.
   */
  updateEvaluation(fields: Record<string, number>): boolean {
    const summary = this.readSummary<{ evaluation?: Record<string, number | null> | null }>();
    if (summary === null) return false;
    const evaluation = { linearProbe: null, knn: null, ...(summary.evaluation ?? {}), ...fields };
    this.writeSummary({ ...summary, evaluation });
    return true;
  }
}
