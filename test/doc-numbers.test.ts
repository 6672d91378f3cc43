import * as path from 'node:path';
import { documentedNumbers, fromLimits, limitNumbers, strayNumbers } from '../scripts/doc-numbers';

const ROOT = path.join(__dirname, '..');

describe('one source for every documented number', () => {
  test('every number the README and the guides state with a unit or as a price is a value of limits.ts', () => {
    // docs/benchmarks.md records measurements (npm run bench writes it), not documented limits.
    const stray = strayNumbers(ROOT, (n) => n.file === path.join('docs', 'benchmarks.md'));
    expect(stray.map((n) => `${n.file}:${n.line}: ${n.text}`)).toEqual([]);
  });

  test('the checker finds numbers in prose only, and converts units', () => {
    const text = [
      'Messages up to 256 KiB, kept 14 days; a typo says 15 days.',
      '<!-- BEGIN limits:x -->',
      'a generated 999 days',
      '<!-- END limits:x -->',
      '`code 17 days`, a link [a](b.md#5-days), USD 1 a key, USD 7.77 a thing.',
    ].join('\n');
    const found = documentedNumbers('guide.md', text);
    expect(found.map((n) => n.text)).toEqual(['256 KiB', '14 days', '15 days', 'USD 1', 'USD 7.77']);
    const known = limitNumbers();
    expect(found.map((n) => fromLimits(n, known))).toEqual([true, true, false, true, false]);
  });
});
