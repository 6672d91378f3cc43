import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

// The local runtime grows by one module per emulated service; each stays readable on its own. The
// DynamoDB expression parser is the one exception: a grammar and its evaluator, read as one piece.
const LOCAL = path.join(__dirname, '..', '..', 'local');
const MAX_LINES = 400;
const EXEMPT = new Set(['dynamodb/expressions.ts']);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(file);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [file] : [];
  });
}

test(`no module of the local runtime is over ${MAX_LINES} lines, but the DynamoDB expression parser`, () => {
  const over = sources(LOCAL)
    .map((file) => ({
      file: path.relative(LOCAL, file).split(path.sep).join('/'),
      lines: readFileSync(file, 'utf8').trimEnd().split('\n').length,
    }))
    .filter(({ file, lines }) => !EXEMPT.has(file) && lines > MAX_LINES)
    .map(({ file, lines }) => `local/${file}: ${lines} lines`);
  expect(over).toEqual([]);
});
