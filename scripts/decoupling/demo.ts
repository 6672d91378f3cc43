import { runDemo } from '../demo';
import { knownPattern } from './diagram';
import type { CliIo } from './io';

/** `decoupling demo [pattern...]`: the scenarios on the local runtime, with a line per pattern as it goes. */
export async function demoCommand(options: { patterns: readonly string[] }, io: CliIo): Promise<number> {
  const patterns = options.patterns.map(knownPattern);
  return runDemo({ patterns, log: (line) => io.out.write(`${line}\n`) });
}
