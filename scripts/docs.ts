/**
 * `npm run docs`: renders the limits tables of the guides from lib/shared/limits.ts, between
 * `<!-- BEGIN limits:<name> -->` and `<!-- END limits:<name> -->` markers, so that no number in a
 * guide is typed by hand. `npm run docs -- --check` exits 1 when a guide is stale (the test suite
 * runs the same check).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { type DocumentedSetting, type Range, SNS_FACTS, SNS_SETTINGS, SQS_FACTS, SQS_SETTINGS } from '../lib/shared/limits';

/** The generated blocks of each guide: marker name, guide file, table rows and prose facts. */
export const TABLES: ReadonlyArray<{ name: string; file: string; settings: readonly DocumentedSetting[]; facts: readonly string[] }> = [
  { name: 'sqs-dlq', file: 'docs/patterns/sqs-dlq.md', settings: SQS_SETTINGS, facts: SQS_FACTS },
  { name: 'sns-fanout', file: 'docs/patterns/sns-fanout.md', settings: SNS_SETTINGS, facts: SNS_FACTS },
];

/** A guide with its generated blocks rendered: the limits table and the facts list. */
export function renderGuide(text: string, table: (typeof TABLES)[number]): string {
  const withTable = replaceBlock(text, table.name, renderTable(table.settings));
  return replaceBlock(withTable, table.name, table.facts.map((f) => `- ${f}`).join('\n'), 'facts');
}

const ROOT = path.join(__dirname, '..');

function number(n: number): string {
  return n.toLocaleString('en-US');
}

/** A value in its unit, with a friendlier equivalent for large seconds and bytes. */
export function formatValue(value: number, unit: string): string {
  if (unit === 's') {
    if (value >= 86_400 && value % 3600 === 0) {
      const days = value / 86_400;
      return `${number(value)} s (${Number.isInteger(days) ? days : days.toFixed(1)} ${days === 1 ? 'day' : 'days'})`;
    }
    if (value >= 3600 && value % 3600 === 0) return `${number(value)} s (${value / 3600} h)`;
    if (value >= 60 && value % 60 === 0) return `${number(value)} s (${value / 60} min)`;
    return `${number(value)} s`;
  }
  if (unit === 'bytes' && value >= 1024 && value % 1024 === 0) {
    return value >= 1024 * 1024 && value % (1024 * 1024) === 0
      ? `${number(value)} bytes (${value / (1024 * 1024)} MiB)`
      : `${number(value)} bytes (${value / 1024} KiB)`;
  }
  return `${number(value)} ${unit}`;
}

function formatRange(range: Range): string {
  return `${formatValue(range.min, range.unit)} to ${formatValue(range.max, range.unit)}`;
}

/** The Markdown table of a guide's settings. */
export function renderTable(settings: readonly DocumentedSetting[]): string {
  const rows = settings.map((s) =>
    [
      s.setting,
      `\`${s.prop}\``,
      formatRange(s.allowed),
      s.serviceDefault === undefined ? 'none' : formatValue(s.serviceDefault, s.allowed.unit),
      s.projectDefault === undefined ? 'none' : formatValue(s.projectDefault, s.allowed.unit),
      s.citation,
    ].join(' | '),
  );
  return [
    '| setting | prop | allowed (guarded at synth) | service default | this project | source |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r} |`),
  ].join('\n');
}

/** Replaces the marked block of `text`; throws when the markers are missing. */
export function replaceBlock(text: string, name: string, body: string, kind = 'limits'): string {
  const begin = `<!-- BEGIN ${kind}:${name} -->`;
  const end = `<!-- END ${kind}:${name} -->`;
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`missing ${begin} ... ${end} markers`);
  return `${text.slice(0, from + begin.length)}\n${body}\n${text.slice(to)}`;
}

function main(): void {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const table of TABLES) {
    const file = path.join(ROOT, table.file);
    const text = readFileSync(file, 'utf8');
    const next = renderGuide(text, table);
    if (next === text) continue;
    stale++;
    if (check) console.error(`${table.file}: generated limits are stale; run npm run docs`);
    else writeFileSync(file, next);
  }
  if (check && stale) process.exit(1);
  console.log(check ? 'docs: generated limits are current' : `docs: ${stale} guide(s) updated`);
}

if (require.main === module) main();
