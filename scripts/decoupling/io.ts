import type { ProgressOutput } from './progress';

/** The exit codes of `decoupling`, documented in `--help` and docs/operate.md. */
export const EXIT = {
  /** Done. */
  ok: 0,
  /** What the command did failed: a scenario step, a move task, a fork's check. */
  failed: 1,
  /** Bad arguments. */
  usage: 2,
  /** The target cannot be used: no credentials or region, stack or queue missing, access denied, a constraint. */
  target: 3,
  /** Interrupted (Ctrl-C); what was done so far is kept. */
  interrupted: 130,
} as const;

/** A failure the command reports as one line, with its exit code. */
export class CliError extends Error {
  public constructor(
    message: string,
    public readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Where a command writes, and how it learns it was interrupted. */
export interface CliIo {
  readonly out: { write(text: string): unknown };
  readonly err: { write(text: string): unknown };
  /** Where progress bars go (stderr, so stdout stays clean for pipes). */
  readonly progress: ProgressOutput;
  /** Aborted on SIGINT. */
  readonly signal?: AbortSignal;
  readonly now?: () => number;
}
