import { withInterruption } from '../../scenarios';
import { runDemo } from '../demo';
import { knownPattern } from './diagram';
import { type CliIo, EXIT } from './io';

/**
 * `decoupling demo [pattern...]`: the scenarios on the local runtime, with a line per pattern as it
 * goes. Ctrl-C stops the running scenario between steps (its cleanups run), the others do not start
 * a step, and the exit code is 130.
 */
export async function demoCommand(options: { patterns: readonly string[] }, io: CliIo): Promise<number> {
  const patterns = options.patterns.map(knownPattern);
  const code = await withInterruption(io.signal, () => runDemo({ patterns, log: (line) => io.out.write(`${line}\n`), signal: io.signal }));
  return io.signal?.aborted ? EXIT.interrupted : code;
}
