import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

// The local runtime grows by one module per emulated service; each stays readable on its own. The
// DynamoDB expression parser is the one exception: a grammar and its evaluator, read as one piece.
const LOCAL = path.join(__dirname, '..', '..', 'local');
const MAX_LINES = 400;
const EXEMPT = new Set(['dynamodb/expressions.ts']);
/** The runtime's sources: TypeScript, and the ES and CommonJS modules that run outside it (the fauxqs launcher and its layers). */
const SOURCE = /\.(ts|mjs|cjs)$/;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(file);
    return SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts') ? [file] : [];
  });
}

test('the scan reaches every kind of source: TypeScript, ES modules and CommonJS modules', () => {
  const kinds = new Set(sources(LOCAL).map((file) => path.extname(file)));
  expect([...kinds].sort()).toEqual(['.cjs', '.mjs', '.ts']);
});

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
