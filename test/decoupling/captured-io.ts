import type { CliIo } from '../../scripts/decoupling/io';

/** An io for one command run that keeps what it writes: to stdout, to stderr and as progress (a terminal when `tty`). */
export function capturedIo(tty = false) {
  const out: string[] = [];
  const err: string[] = [];
  const progress: string[] = [];
  const io: CliIo = {
    out: { write: (s: string) => out.push(s) },
    err: { write: (s: string) => err.push(s) },
    progress: { write: (s: string) => progress.push(s), isTTY: tty, columns: 100 },
  };
  return { io, out, err, progress };
}
