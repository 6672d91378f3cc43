import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { formatValue, renderChoosing, renderGuide, renderReadme, replaceBlock, TABLES } from '../scripts/docs';

describe('guides quote limits.ts, not retyped numbers', () => {
  test.each(TABLES.map((t) => [t.file, t] as const))('%s limits table and facts are current (npm run docs)', (_file, table) => {
    const text = readFileSync(path.join(__dirname, '..', table.file), 'utf8');
    expect(renderGuide(text, table)).toBe(text);
  });

  test('values are shown with their unit and a readable equivalent', () => {
    expect(formatValue(345_600, 's')).toBe('345,600 s (4 days)');
    expect(formatValue(43_200, 's')).toBe('43,200 s (12 h)');
    expect(formatValue(900, 's')).toBe('900 s (15 min)');
    expect(formatValue(20, 's')).toBe('20 s');
    expect(formatValue(262_144, 'bytes')).toBe('262,144 bytes (256 KiB)');
    expect(formatValue(1_048_576, 'bytes')).toBe('1,048,576 bytes (1 MiB)');
    expect(formatValue(1000, 'receives')).toBe('1,000 receives');
  });

  test('a guide without markers is an error', () => {
    expect(() => replaceBlock('# guide', 'some-pattern', 'x')).toThrow(
      'missing <!-- BEGIN limits:some-pattern --> ... <!-- END limits:some-pattern --> markers',
    );
  });
});

describe('the README tables come from the registry', () => {
  test('pattern and context tables are current (npm run docs)', () => {
    const text = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    expect(renderReadme(text)).toBe(text);
  });
});

// The decision guide covers every pattern: the project has it, a fork of one pattern does not.
(existsSync(path.join(__dirname, '..', 'docs/choosing.md')) ? describe : describe.skip)('the decision guide quotes limits.ts', () => {
  test('docs/choosing.md facts block is current (npm run docs)', () => {
    const text = readFileSync(path.join(__dirname, '..', 'docs/choosing.md'), 'utf8');
    expect(renderChoosing(text)).toBe(text);
  });
});
