/**
 * The PyTorch side of a benchmark: a Python script in bench/reference/ kept
 * running for the whole benchmark, so that specl and reference runs can
 * alternate (A, B, A, B) without paying `import torch` and model construction
 * every time. Protocol: the script first prints `{"ready": true, …}` once torch
 * is imported, then answers one JSON request per stdin line with one JSON reply
 * per stdout line (`{"error": …}` on failure); everything else goes to stderr.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * Debian's python3-torch lives under the system Python; the first `python3`
 * on PATH may be another one without torch. SPECL_BENCH_PYTHON overrides.
 */
export const PYTHON = process.env.SPECL_BENCH_PYTHON ?? '/usr/bin/python3';

/**
 * With SPECL_BENCH_REFERENCE_MALLOC=specl the reference runs under the glibc
 * malloc settings the specl addon applies to itself at load
 * (native/src/runtime.cc), so a ratio isolates everything but the allocator.
 */
const referenceEnv = (): NodeJS.ProcessEnv =>
  process.env.SPECL_BENCH_REFERENCE_MALLOC === 'specl'
    ? {
        ...process.env,
        MALLOC_MMAP_THRESHOLD_: String(32 << 20),
        MALLOC_TRIM_THRESHOLD_: String(1 << 30),
        MALLOC_TOP_PAD_: String(64 << 20),
      }
    : process.env;

const REFERENCE_DIR = fileURLToPath(new URL('../reference/', import.meta.url));

export class Reference {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #lines: AsyncIterator<string>;
  readonly #script: string;
  #stderr = '';
  #exit: string | null = null;

  /** Starts `bench/reference/<script>` with `--threads <threads>`. */
  constructor(script: string, threads: number) {
    this.#script = script;
    this.#child = spawn(PYTHON, [`${REFERENCE_DIR}${script}`, '--threads', String(threads)], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: referenceEnv(),
    });
    this.#child.stderr.setEncoding('utf8');
    this.#child.stderr.on('data', (s: string) => {
      this.#stderr = (this.#stderr + s).slice(-4000);
    });
    this.#child.on('error', (e) => {
      this.#exit = e.message;
    });
    this.#child.on('exit', (code, signal) => {
      this.#exit = signal ? `killed by ${signal}` : `exit code ${code}`;
    });
    this.#lines = createInterface({ input: this.#child.stdout })[Symbol.asyncIterator]();
  }

  /**
   * Waits for the script's ready line (torch imported, threads set), so that
   * its start-up does not compete with the first timed specl run.
   */
  async ready(): Promise<{ torch: string; threads: number }> {
    return this.#read<{ torch: string; threads: number }>('start-up');
  }

  /** Sends one request and waits for its JSON reply. */
  async request<T extends object>(req: object): Promise<T> {
    if (this.#exit === null) this.#child.stdin.write(`${JSON.stringify(req)}\n`);
    return this.#read<T>(JSON.stringify(req));
  }

  async #read<T extends object>(what: string): Promise<T> {
    const next = await this.#lines.next();
    if (next.done) {
      const hint = /No module named 'torch'/.test(this.#stderr)
        ? `\nhint: install Debian's PyTorch (apt-get install python3-torch) or set SPECL_BENCH_PYTHON`
        : '';
      throw new Error(
        `reference ${this.#script} (${PYTHON}) stopped (${this.#exit ?? 'closed stdout'}) before answering ` +
          `${what}; its stderr:\n${this.#stderr}${hint}`,
      );
    }
    let reply: unknown;
    try {
      reply = JSON.parse(next.value);
    } catch {
      throw new Error(`reference ${this.#script} answered a line that is not JSON: ${next.value.slice(0, 200)}`);
    }
    if (typeof reply !== 'object' || reply === null) {
      throw new Error(`reference ${this.#script} answered ${next.value.slice(0, 200)}, expected a JSON object`);
    }
    if ('error' in reply) throw new Error(`reference ${this.#script} failed on ${what}: ${reply.error}`);
    return reply as T;
  }

  /** Closes stdin (the script exits at end of input) and waits for the process to end. */
  async close(): Promise<void> {
    if (this.#exit !== null) return;
    const ended = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    this.#child.stdin.end();
    await ended;
  }
}

/** Runs `fn` with a started, ready reference and always shuts the reference down. */
export async function withReference<T>(
  script: string,
  threads: number,
  fn: (ref: Reference) => Promise<T>,
  log?: (message: string) => void,
): Promise<T> {
  const ref = new Reference(script, threads);
  try {
    const info = await ref.ready();
    log?.(`reference ${script}: PyTorch ${info.torch}, ${info.threads} threads`);
    return await fn(ref);
  } finally {
    await ref.close();
  }
}

/** A reply field that must be a positive finite number. */
export function positive(reply: object, field: string, script: string): number {
  const v = (reply as Record<string, unknown>)[field];
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) {
    throw new Error(`reference ${script}: field '${field}' should be a positive number, got ${JSON.stringify(v)}`);
  }
  return v;
}
