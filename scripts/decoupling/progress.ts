/** Where progress goes: a stream, and whether it is a terminal (a bar) or not (plain lines). */
export interface ProgressOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** How progress is shown: a bar redrawn in place on a terminal, plain lines elsewhere. */
export class Progress {
  private readonly started: number;
  private lastLine = 0;
  private lastMoved = -1;
  private drawn = false;

  public constructor(
    private readonly out: ProgressOutput,
    private readonly what: string,
    private readonly now: () => number = Date.now,
    /** Seconds between plain lines when nothing else changes. */
    private readonly plainEverySeconds = 5,
  ) {
    this.started = now();
  }

  /** Shows `done` out of `total` (total 0 or unknown shows counts only). */
  public update(done: number, total: number): void {
    const line = this.line(done, total);
    if (this.out.isTTY) {
      this.out.write(`\r${line}\x1b[K`);
      this.drawn = true;
      return;
    }
    const now = this.now();
    const finished = total > 0 && done >= total;
    if (done === this.lastMoved && now - this.lastLine < this.plainEverySeconds * 1000 && !finished) return;
    if (now - this.lastLine < 1000 && !finished && this.lastMoved >= 0) return;
    this.out.write(`${line}\n`);
    this.lastLine = now;
    this.lastMoved = done;
  }

  /** Ends the bar (a newline on a terminal) and prints a last line. */
  public finish(message: string): void {
    if (this.out.isTTY && this.drawn) this.out.write('\n');
    this.out.write(`${message}\n`);
  }

  /** One line: bar (terminal only), counts, rate and ETA. */
  public line(done: number, total: number): string {
    const seconds = Math.max((this.now() - this.started) / 1000, 0.001);
    const rate = done / seconds;
    const counts = total > 0 ? `${done}/${total} ${this.what}` : `${done} ${this.what}`;
    const eta =
      total > 0 && rate > 0 && done < total ? `ETA ${formatSeconds((total - done) / rate)}` : total > 0 && done >= total ? 'done' : 'ETA -';
    const text = `${counts}  ${rate.toFixed(1)}/s  ${eta}`;
    if (!this.out.isTTY || total <= 0) return text;
    const width = Math.max(10, Math.min(40, (this.out.columns ?? 80) - text.length - 4));
    const filled = Math.round((Math.min(done, total) / total) * width);
    return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${text}`;
  }
}

/** Seconds as `42 s`, `3 min 5 s` or `1 h 2 min`. */
export function formatSeconds(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
