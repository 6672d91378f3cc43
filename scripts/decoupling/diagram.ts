import { writeFileSync } from 'node:fs';
import { findPattern, PATTERNS } from '../../lib/patterns';
import { patternDiagrams } from '../docs';
import { CliError, type CliIo, EXIT } from './io';

/** The pattern named on the command line, or a one-line error listing the known ones. */
export function knownPattern(name: string): string {
  if (!findPattern(name))
    throw new CliError(`unknown pattern ${name}: known patterns are ${PATTERNS.map((p) => p.name).join(', ')}`, EXIT.usage);
  return name;
}

/** `decoupling diagram [pattern] [--out file]`: the Mermaid diagram(s) generated from the synthesized templates. */
export async function diagramCommand(options: { pattern?: string; out?: string }, io: CliIo): Promise<number> {
  const names = options.pattern ? [knownPattern(options.pattern)] : PATTERNS.map((p) => p.name);
  const diagrams = patternDiagrams();
  const text = names
    .map((name) => `%% ${name}: generated from the synthesized template by npx decoupling diagram\n${diagrams.get(name)}\n`)
    .join('\n');
  if (options.out) {
    writeFileSync(options.out, text);
    io.out.write(`wrote ${options.out} (${names.join(', ')}); render it with any Mermaid renderer, or read it in the guide\n`);
  } else io.out.write(text);
  return EXIT.ok;
}
