import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PATTERNS } from '../../lib/patterns';
import { main } from '../../scripts/decoupling/cli';
import { capturedIo } from './captured-io';

const ROOT = path.join(__dirname, '..', '..');

/** The Mermaid text a guide embeds between its `diagram:<pattern>` markers, without the fences. */
function guideDiagram(pattern: string): string {
  const text = readFileSync(path.join(ROOT, 'docs/patterns', `${pattern}.md`), 'utf8');
  const block = new RegExp(
    `<!-- BEGIN diagram:${pattern} -->\\n\`\`\`mermaid\\n([\\s\\S]*?)\\n\`\`\`\\n<!-- END diagram:${pattern} -->`,
  ).exec(text);
  if (!block) throw new Error(`docs/patterns/${pattern}.md has no diagram block`);
  return block[1];
}

const NODE = /^\s+([A-Za-z0-9_]+)(\[|\(|>|\{)/;
const EDGE = /^\s+([A-Za-z0-9_]+) (?:--|-\.) .+ (?:-->|\.->) ([A-Za-z0-9_]+)$/;
const safe = (id: string) => id.replace(/[^A-Za-z0-9_]/g, '_');

/** The node lines of a flowchart, ids prefixed, indentation dropped. */
const nodeLines = (lines: readonly string[], prefix = '') => lines.filter((l) => NODE.test(l)).map((l) => `${prefix}${l.trim()}`);

describe('decoupling diagram', () => {
  test("a pattern: exactly its guide's diagram, on stdout and with --out", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'decoupling-diagram-'));
    try {
      const printed = capturedIo();
      expect(await main(['diagram', 'sqs-dlq'], printed.io)).toBe(0);
      expect(printed.out.join('')).toBe(`${guideDiagram('sqs-dlq')}\n`);
      const file = path.join(dir, 'sqs-dlq.mmd');
      const run = capturedIo();
      expect(await main(['diagram', 'sqs-dlq', '--out', file], run.io)).toBe(0);
      expect(run.err).toEqual([]);
      expect(readFileSync(file, 'utf8')).toBe(`${guideDiagram('sqs-dlq')}\n`);
      expect(run.out.join('')).toBe(`wrote ${file} (sqs-dlq); render it with any Mermaid renderer\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  test('no pattern: one Mermaid flowchart, a closed subgraph per pattern holding what its guide draws', async () => {
    const run = capturedIo();
    expect(await main(['diagram'], run.io)).toBe(0);
    expect(run.err).toEqual([]);
    const lines = run.out.join('').trimEnd().split('\n');
    expect(lines[0]).toBe('flowchart LR');
    expect(lines.filter((l) => /^\s*(flowchart|graph)\b/.test(l))).toHaveLength(1);

    // Subgraphs: one per pattern, in registry order, none nested, each closed.
    const subgraphs: Array<{ id: string; lines: string[] }> = [];
    let open: { id: string; lines: string[] } | undefined;
    for (const line of lines.slice(1)) {
      const start = /^\s+subgraph ([A-Za-z0-9_]+)\["[^"]+"\]$/.exec(line);
      if (start) {
        expect([line, open]).toEqual([line, undefined]);
        open = { id: start[1], lines: [] };
      } else if (line.trim() === 'end') {
        expect(open).toBeDefined();
        subgraphs.push(open as { id: string; lines: string[] });
        open = undefined;
      } else if (open) open.lines.push(line);
    }
    expect(open).toBeUndefined();
    expect(subgraphs.map((s) => s.id)).toEqual(PATTERNS.map((p) => safe(p.name)));

    // Each pattern's subgraph holds its guide's nodes, and its guide's edges are there, ids kept apart.
    for (const [i, pattern] of PATTERNS.entries()) {
      const guide = guideDiagram(pattern.name).split('\n');
      const prefix = `${safe(pattern.name)}__`;
      expect([pattern.name, subgraphs[i].lines.map((l) => l.trim())]).toEqual([pattern.name, nodeLines(guide, prefix)]);
      for (const edge of guide.filter((l) => EDGE.test(l))) {
        const [, from, to] = EDGE.exec(edge) as RegExpExecArray;
        const prefixed = edge
          .trim()
          .replace(new RegExp(`^${from} `), `${prefix}${from} `)
          .replace(new RegExp(` ${to}$`), ` ${prefix}${to}`);
        expect([pattern.name, lines.map((l) => l.trim())]).toEqual([pattern.name, expect.arrayContaining([prefixed])]);
      }
    }

    // Every node is declared once, and every edge joins declared nodes.
    const declared = lines.filter((l) => NODE.test(l)).map((l) => (NODE.exec(l) as RegExpExecArray)[1]);
    expect(new Set(declared).size).toBe(declared.length);
    const dangling = lines
      .filter((l) => EDGE.test(l))
      .flatMap((l) => (EDGE.exec(l) as RegExpExecArray).slice(1, 3))
      .filter((id) => !declared.includes(id));
    expect(dangling).toEqual([]);
  }, 60_000);
});
