import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { documentFiles } from '../scripts/doc-numbers';

const ROOT = path.join(__dirname, '..');

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchors(file: string): Set<string> {
  const text = readFileSync(path.join(ROOT, file), 'utf8').replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1])));
}

describe('links between the docs lead somewhere', () => {
  test.each(documentFiles(ROOT))('%s: every relative link names an existing file and heading', (file) => {
    const text = readFileSync(path.join(ROOT, file), 'utf8').replace(/```[\s\S]*?```/g, '');
    const broken: string[] = [];
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1];
      if (/^[a-z]+:/.test(target)) continue; // https:, mailto:
      const [link, anchor] = target.split('#');
      const resolved = link === '' ? file : path.normalize(path.join(path.dirname(file), link));
      if (!existsSync(path.join(ROOT, resolved))) broken.push(`${target} (no file ${resolved})`);
      else if (anchor && resolved.endsWith('.md') && !anchors(resolved).has(anchor)) broken.push(`${target} (no heading #${anchor})`);
    }
    expect(broken).toEqual([]);
  });

  // The decision guide covers every pattern: the project has it, a fork of one pattern does not.
  const decisionGuide = existsSync(path.join(ROOT, 'docs/choosing.md')) ? test : test.skip;
  decisionGuide('the decision guide links every claim (each bullet, table row and paragraph) to a pattern guide', () => {
    const text = readFileSync(path.join(ROOT, 'docs/choosing.md'), 'utf8').replace(/```[\s\S]*?```/g, '');
    const unlinked = text
      .split(/^## /m)
      .slice(1)
      .flatMap((section) => claims(section.split('\n').slice(1)).map((claim) => `${section.split('\n')[0]}: ${claim}`))
      .filter((claim) => !/\]\(patterns\/[a-z0-9-]+\.md(#[a-z0-9-]+)?\)/.test(claim));
    expect(unlinked).toEqual([]);
  });

  test('claims: a bullet with its continuation lines, a table row (not the header), a paragraph', () => {
    const lines = ['intro line', 'goes on', '', '- one', '  more', '- two', '', '| h | h |', '|---|---|', '| a | b |', '', 'end'];
    expect(claims(lines)).toEqual(['intro line goes on', '- one more', '- two', '| a | b |', 'end']);
  });
});

/** The claims of a section's lines: each bullet (with its continuation lines), each table body row, each paragraph. */
function claims(lines: readonly string[]): string[] {
  const out: string[] = [];
  let current: string[] = [];
  const flush = () => {
    if (current.length) out.push(current.join(' '));
    current = [];
  };
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') flush();
    else if (line.startsWith('|')) {
      flush();
      const header = lines[i + 1]?.startsWith('|---');
      if (!header && !line.startsWith('|---')) out.push(line);
    } else if (/^\s*[-*] /.test(line)) {
      flush();
      current.push(line.trim());
    } else current.push(line.trim());
  }
  flush();
  return out;
}
