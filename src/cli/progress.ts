/**
 * A one-line progress bar for the terminal: redrawn in place on a TTY (at
 * most every 100 ms), printed as plain lines every 10 s otherwise (CI logs,
 * pipes), and always once more when it reaches 100 %.
 */
export class ProgressBar {
  #total: number;
  readonly #label: string;
  readonly #stream: NodeJS.WriteStream;
  readonly #start = performance.now();
  #lastPlain = 0;
  #lastDraw = Number.NEGATIVE_INFINITY;
  /** A TTY line not drawn yet (throttled), drawn by done(). */
  #pending: string | null = null;

  constructor(label: string, total: number, stream: NodeJS.WriteStream = process.stderr) {
    this.#label = label;
    this.#total = total;
    this.#stream = stream;
  }

  /** Draws progress `done` of `total` (which may be re-planned) with fields such as loss and images/s. */
  update(done: number, fields: Record<string, string | number> = {}, total = this.#total): void {
    this.#total = total;
    const frac = Math.min(1, this.#total > 0 ? done / this.#total : 1);
    const elapsed = (performance.now() - this.#start) / 1000;
    const eta = frac > 0 ? elapsed * (1 / frac - 1) : Number.NaN;
    const extra = Object.entries(fields)
      .map(([k, v]) => `${k} ${typeof v === 'number' ? formatNumber(v) : v}`)
      .join('  ');
    const width = 24;
    const filled = Math.round(frac * width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const line = `${this.#label} ${bar} ${(frac * 100).toFixed(0).padStart(3)}%  ${extra}  eta ${formatTime(eta)}`;
    if (this.#stream.isTTY) {
      if (elapsed - this.#lastDraw >= 0.1 || frac >= 1) {
        this.#lastDraw = elapsed;
        this.#pending = null;
        this.#stream.write(`\r\x1b[2K${line}`);
      } else this.#pending = line;
    } else if (elapsed - this.#lastPlain >= 10 || frac >= 1) {
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
