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
  decisionGuide('the decision guide links every claim to a pattern guide', () => {
    const text = readFileSync(path.join(ROOT, 'docs/choosing.md'), 'utf8').replace(/```[\s\S]*?```/g, '');
    for (const section of text.split(/^## /m).slice(1))
      expect([section.split('\n')[0], /\]\(patterns\//.test(section)]).toEqual([section.split('\n')[0], true]);
  });
});
