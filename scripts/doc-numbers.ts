/**
 * One source for every documented number: the numbers the README and the guides state with a unit
 * (sizes, durations, rates, counts of messages, prices...) must be values of `lib/shared/limits.ts`
 * (directly, or the same quantity in another unit: 262,144 bytes is 256 KiB, 1,209,600 s is 14 days).
 * Generated blocks, code and Mermaid diagrams are not prose and are skipped. `test/doc-numbers.test.ts`
 * fails on a number that is typed into a doc instead of coming from limits.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as limits from '../lib/shared/limits';

/** A number stated in a doc: where, what was written, and its value. */
export interface DocumentedNumber {
  readonly file: string;
  readonly line: number;
  readonly text: string;
  readonly value: number;
  readonly unit: string;
}

/** Units that make a number a documented quantity (lower case; plurals and abbreviations included). */
const UNITS = [
  'bytes',
  'byte',
  'kib',
  'kb',
  'mib',
  'mb',
  'gib',
  'gb',
  'tb',
  'ms',
  'milliseconds',
  's',
  'sec',
  'seconds',
  'second',
  'min',
  'minutes',
  'minute',
  'h',
  'hours',
  'hour',
  'days',
  'day',
  'weeks',
  'year',
  'years',
  'messages',
  'message',
  'requests',
  'request',
  'calls',
  'transactions',
  'tps',
  'receives',
  'retries',
  'attempts',
  'keys',
  'combinations',
  'records',
  'items',
  'invocations',
  'entries',
  'attributes',
  'characters',
  'vcpu',
  'rules',
  'states',
  'percent',
  '%',
];
const UNIT_PATTERN = UNITS.map((u) => u.replace(/[%]/g, '\\$&')).join('|');
// A number (with thousands separators or decimals), an optional hyphen or space, and a unit word.
// Single-letter units (s, h) only after a space, so that "429s" or "2h" in a name is not a duration.
const NUMBER_WITH_UNIT = new RegExp(
  `(?<![\\w.$-])(\\d{1,3}(?:,\\d{3})+|\\d+(?:\\.\\d+)?)(?:(?:\\s|-|\\u00a0)?(${UNIT_PATTERN.replace(/\|s\||\|h\|/g, '|')})|\\s(s|h))(?![\\w])`,
  'gi',
);
// A price: USD 1, USD 0.10, $0.40.
const PRICE = /(?:USD\s?|\$)(\d+(?:\.\d+)?)/g;

/** Every number of limits.ts (every numeric value, at any depth, of every export). */
export function limitNumbers(): Set<number> {
  const found = new Set<number>();
  const visit = (value: unknown) => {
    if (typeof value === 'number' && Number.isFinite(value)) found.add(Number(value.toFixed(6)));
    else if (Array.isArray(value)) for (const item of value) visit(item);
    else if (value !== null && typeof value === 'object') for (const inner of Object.values(value)) visit(inner);
  };
  for (const exported of Object.values(limits)) visit(exported);
  return found;
}

/** What a value in a unit may be in limits.ts: the same number, or the quantity in its base unit. */
const FACTORS: Record<string, readonly number[]> = {
  s: [1000],
  sec: [1000],
  second: [1000],
  seconds: [1000],
  kib: [1024],
  kb: [1024, 1000],
  mib: [1024 ** 2],
  mb: [1024 ** 2, 1000 ** 2],
  gib: [1024 ** 3],
  gb: [1024 ** 3, 1000 ** 3],
  tb: [1024 ** 4, 1000 ** 4],
  ms: [0.001],
  milliseconds: [0.001],
  min: [60],
  minute: [60],
  minutes: [60],
  h: [3600],
  hour: [3600],
  hours: [3600],
  day: [86_400],
  days: [86_400],
  weeks: [604_800],
  year: [365 * 86_400],
  years: [365 * 86_400],
  percent: [0.01],
  '%': [0.01],
};

/** Whether a documented number is a value of limits.ts, in its unit or converted to the base unit. */
export function fromLimits(n: DocumentedNumber, known: Set<number> = limitNumbers()): boolean {
  return [1, ...(FACTORS[n.unit] ?? [])].some((factor) => known.has(Number((n.value * factor).toFixed(6))));
}

/** Markdown with generated blocks, fenced code, inline code and link targets removed (lines kept). */
export function prose(markdown: string): string {
  const blank = (text: string) => text.replace(/[^\n]/g, ' ');
  return markdown
    .replace(/<!-- BEGIN ([\w:-]+) -->[\s\S]*?<!-- END \1 -->/g, blank)
    .replace(/```[\s\S]*?```/g, blank)
    .replace(/`[^`\n]*`/g, blank)
    .replace(/\]\([^)\n]*\)/g, blank);
}

/** The numbers a doc states with a unit or as a price, outside generated blocks and code. */
export function documentedNumbers(file: string, markdown: string): DocumentedNumber[] {
  const found: DocumentedNumber[] = [];
  const lines = prose(markdown).split('\n');
  for (const [i, line] of lines.entries()) {
    for (const m of line.matchAll(NUMBER_WITH_UNIT)) {
      found.push({ file, line: i + 1, text: m[0], value: Number(m[1].replace(/,/g, '')), unit: (m[2] ?? m[3]).toLowerCase() });
    }
    for (const m of line.matchAll(PRICE)) found.push({ file, line: i + 1, text: m[0], value: Number(m[1]), unit: 'USD' });
  }
  return found;
}

/** The docs whose numbers are checked: the README and every Markdown file under docs/. */
export function documentFiles(root: string): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? walk(path.join(dir, entry.name)) : entry.name.endsWith('.md') ? [path.join(dir, entry.name)] : [],
    );
  return ['README.md', ...walk('docs')];
}

/** Numbers stated in the docs that do not come from limits.ts. */
export function strayNumbers(root: string, exempt: (n: DocumentedNumber) => boolean = () => false): DocumentedNumber[] {
  const known = limitNumbers();
  return documentFiles(root)
    .flatMap((file) => documentedNumbers(file, readFileSync(path.join(root, file), 'utf8')))
    .filter((n) => !fromLimits(n, known) && !exempt(n));
}
