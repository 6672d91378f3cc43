import { writeFileSync } from 'node:fs';
import { findPattern, PATTERNS } from '../../lib/patterns';
import { diagramOf, mermaid } from '../diagrams';
import { patternDiagrams, synthesizeStacks } from '../docs';
import { CliError, type CliIo, EXIT } from './io';

/** The pattern named on the command line, or a one-line error listing the known ones. */
export function knownPattern(name: string): string {
  if (!findPattern(name))
    throw new CliError(`unknown pattern ${name}: known patterns are ${PATTERNS.map((p) => p.name).join(', ')}`, EXIT.usage);
  return name;
}

type Stacks = ReadonlyArray<{ stackName: string; template: unknown }>;

/**
 * Every pattern in one Mermaid flowchart: a subgraph per pattern, titled with its name and title,
 * each drawn as its guide draws it. Node ids are prefixed with the pattern's name, so that the
 * templates' logical ids (and each diagram's `alarms` node) stay apart.
 */
export function allPatternsDiagram(stacks: Stacks): string {
  const all: ReturnType<typeof diagramOf> = { nodes: [], edges: [] };
  const groups = PATTERNS.map((p) => {
    const stack = stacks.find((s) => s.stackName === p.stackId);
    if (!stack) throw new Error(`no synthesized stack ${p.stackId} for ${p.name}`);
    const prefixed = (id: string) => `${p.name}__${id}`;
    const diagram = diagramOf(stack.template as Parameters<typeof diagramOf>[0]);
    all.nodes.push(...diagram.nodes.map((n) => ({ ...n, id: prefixed(n.id) })));
    all.edges.push(...diagram.edges.map((e) => ({ ...e, from: prefixed(e.from), to: prefixed(e.to) })));
    return { id: p.name, title: `${p.name}: ${p.title}`, nodes: diagram.nodes.map((n) => prefixed(n.id)) };
  });
  return mermaid(all, groups);
}

/**
 * `decoupling diagram [pattern] [--out file]`: from the sandbox synthesis (no bundling, no costs),
 * a pattern's diagram exactly as its guide embeds it, or with no pattern one flowchart of every
 * pattern, a subgraph each.
 */
export async function diagramCommand(options: { pattern?: string; out?: string }, io: CliIo): Promise<number> {
  const name = options.pattern === undefined ? undefined : knownPattern(options.pattern);
  // A pattern's stack stands alone: build only it when one pattern is asked for.
  const stacks = synthesizeStacks('sandbox', name ? [findPattern(name)?.stackId as string] : undefined);
  const text = `${name ? patternDiagrams(stacks).get(name) : allPatternsDiagram(stacks)}\n`;
  if (options.out) {
    writeFileSync(options.out, text);
    io.out.write(`wrote ${options.out} (${name ?? `every pattern, a subgraph each`}); render it with any Mermaid renderer\n`);
  } else io.out.write(text);
  return EXIT.ok;
}
