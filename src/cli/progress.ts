/**
 * A one-line progress bar for the terminal: redrawn in place on a TTY (at
 * most every 100 ms), printed as plain lines every 10 s otherwise (CI logs,
 * pipes), and always once more when it reaches 100 %.
 */

/** How a bar is drawn besides its label and total. */
export interface ProgressBarOptions {
  /**
   * Progress already done when the bar starts (a resumed run's step): the
   * ETA is paced by the progress made since, not by the whole count.
   */
  from?: number;
  /** The clock, in milliseconds (default `performance.now`); tests pass their own. */
  now?: () => number;
}

export class ProgressBar {
  #total: number | null;
  readonly #label: string;
  readonly #stream: NodeJS.WriteStream;
  readonly #from: number;
  readonly #now: () => number;
  readonly #start: number;
  #lastPlain = 0;
  #lastDraw = Number.NEGATIVE_INFINITY;
  /** A TTY line not drawn yet (throttled), drawn by done(). */
  #pending: string | null = null;

  /** `total` null: not known yet (see update). */
  constructor(
    label: string,
    total: number | null,
    stream: NodeJS.WriteStream = process.stderr,
    options: ProgressBarOptions = {},
  ) {
    this.#label = label;
    this.#total = total;
    this.#stream = stream;
    this.#from = options.from ?? 0;
    this.#now = options.now ?? (() => performance.now());
    this.#start = this.#now();
  }

  /**
   * Draws progress `done` of `total` (which may be re-planned) with fields such
   * as loss and images/s. A null `total` is not known yet (a time budget whose
   * steps are still being measured): the bar then shows the count but no
   * percentage and no ETA ("eta …"), rather than one computed from a guess.
   */
  update(done: number, fields: Record<string, string | number> = {}, total: number | null = this.#total): void {
    this.#total = total;
    const known = total !== null;
    const frac = known ? Math.min(1, total > 0 ? done / total : 1) : 0;
    const elapsed = (this.#now() - this.#start) / 1000;
    // Paced by what this bar has seen: a resumed run's earlier steps took no time here.
    const eta = known && done > this.#from ? (elapsed * (total - done)) / (done - this.#from) : Number.NaN;
    const extra = Object.entries(fields)
      .map(([k, v]) => `${k} ${typeof v === 'number' ? formatNumber(v) : v}`)
      .join('  ');
    const width = 24;
    const filled = Math.round(frac * width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const percent = known ? `${(frac * 100).toFixed(0).padStart(3)}%` : '   …';
    const line = `${this.#label} ${bar} ${percent}  ${extra}  eta ${known ? formatTime(eta) : '… (planning)'}`;
    const end = known && frac >= 1;
    if (this.#stream.isTTY) {
      if (elapsed - this.#lastDraw >= 0.1 || end) {
        this.#lastDraw = elapsed;
        this.#pending = null;
        this.#stream.write(`\r\x1b[2K${line}`);
      } else this.#pending = line;
    } else if (elapsed - this.#lastPlain >= 10 || end) {
      this.#lastPlain = elapsed;
      this.#stream.write(`${line}\n`);
    }
  }

  /** Ends the bar (the last state drawn, then a newline, on a TTY). */
  done(): void {
    if (!this.#stream.isTTY) return;
    if (this.#pending !== null) this.#stream.write(`\r\x1b[2K${this.#pending}`);
    this.#pending = null;
    this.#stream.write('\n');
  }
}

function formatNumber(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(4);
}

/** Seconds as m:ss (or h:mm:ss). */
export function formatTime(s: number): string {
  if (!Number.isFinite(s)) return '--:--';
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = String(t % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}
