/**
 * Run and experiment folders for the dashboard's tests and bench, written
 * in the formats specl writes them (src/train/run-folder.ts,
 * src/experiments/runner.ts), and a client for the server over a real
 * socket that sets any Host header it is told to.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';

export interface FakeRun {
  method?: string;
  dataset?: string;
  seed?: number;
  batchSize?: number;
  /** Logged steps (one line each). */
  steps?: number;
  /** The loss at step s (default a decaying curve with noise from the seed). */
  loss?: (s: number) => number;
  finished?: boolean;
  /** Extra fields merged into config.json. */
  config?: Record<string, unknown>;
  /** Lines appended after the step lines. */
  events?: Record<string, unknown>[];
}

/** The config.json of a run, in the shape specl writes (abridged to what the dashboard reads and groups by). */
export function fakeConfig(r: FakeRun): Record<string, unknown> {
  return {
    version: 2,
    method: { name: r.method ?? 'spectral', mu: 1, hiddenDim: 512, outDim: 128 },
    dataset: r.dataset ?? 'mnist',
    trainSize: null,
    encoder: { name: 'convnet', widths: [8, 16, 32], channelsLast: true, inChannels: 1 },
    batchSize: r.batchSize ?? 64,
    epochs: 1,
    optimizer: { name: 'sgd', lr: 0.015, weightDecay: 0.0005, momentum: 0.9, warmupFraction: 0.0125 },
    seed: r.seed ?? 0,
    logEvery: 1,
    ...r.config,
  };
}

/** A deterministic wobble in [−1, 1] from (seed, step). */
const wobble = (seed: number, s: number) =>
  Math.sin(s * 12.9898 + seed * 78.233) * 0.5 + Math.sin(s * 0.37 + seed) * 0.5;

/** The metrics line of step `s` of a fake run. */
export function stepLine(r: FakeRun, s: number): string {
  const seed = r.seed ?? 0;
  const loss = r.loss ? r.loss(s) : -1 - 0.6 * (1 - Math.exp(-s / 300)) + 0.05 * wobble(seed, s);
  return JSON.stringify({
    type: 'step',
    step: s,
    epoch: 0,
    loss,
    part1: loss - 0.2,
    part2: 0.2,
    lr: 0.015 * (1 - s / 20_000),
    spread: 0.99,
    seconds: s * 0.05,
  });
}

/** Writes a run folder at `dir` and returns its metrics text. */
export function writeRun(dir: string, r: FakeRun = {}): string {
  mkdirSync(join(dir, 'checkpoints'), { recursive: true });
  writeFileSync(join(dir, 'config.json'), `${JSON.stringify(fakeConfig(r), null, 2)}\n`);
  const steps = r.steps ?? 20;
  const lines: string[] = [];
  for (let s = 1; s <= steps; s++) lines.push(stepLine(r, s));
  lines.push(
    JSON.stringify({
      type: 'epoch',
      step: steps,
      epoch: 0,
      knn: 0.5 + 0.01 * (r.seed ?? 0),
      spread: 0.99,
      collapsed: false,
      seconds: steps * 0.05,
    }),
  );
  for (const e of r.events ?? []) lines.push(JSON.stringify(e));
  const text = lines.map((l) => `${l}\n`).join('');
  writeFileSync(join(dir, 'metrics.jsonl'), text);
  if (r.finished ?? true)
    writeFileSync(
      join(dir, 'summary.json'),
      JSON.stringify({
        method: r.method ?? 'spectral',
        dataset: r.dataset ?? 'mnist',
        steps,
        epochs: 1,
        seconds: steps * 0.05,
        imagesPerSecond: 1280,
        finalLoss: -1.5,
        evaluation: null,
      }),
    );
  return text;
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * One HTTP request to 127.0.0.1:`port` (or `o.address`) with the raw target
 * `path` sent as it is (no normalization) and any Host header; bounded by
 * `timeoutMs`.
 */
export function get(
  port: number,
  path: string,
  o: { host?: string; method?: string; headers?: Record<string, string>; address?: string; timeoutMs?: number } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: o.address ?? '127.0.0.1',
        port,
        path,
        method: o.method ?? 'GET',
        headers: { Host: o.host ?? `127.0.0.1:${port}`, ...o.headers },
        timeout: o.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer in ${o.timeoutMs ?? 10_000} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** Waits until `f` holds (polled every `everyMs`), or fails after `timeoutMs` naming `what`. */
export async function until(what: string, f: () => boolean | Promise<boolean>, timeoutMs = 20_000, everyMs = 50) {
  const t0 = Date.now();
  for (;;) {
    if (await f()) return;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
