/**
 * `npm run docs`: renders the limits tables of the guides from lib/shared/limits.ts, between
 * `<!-- BEGIN limits:<name> -->` and `<!-- END limits:<name> -->` markers, so that no number in a
 * guide is typed by hand, and the README's pattern and context tables from the pattern registry. `npm run docs -- --check` exits 1 when a guide is stale (the test suite
 * runs the same check).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildApp } from '../lib/app';
import { PATTERNS } from '../lib/patterns';
import { contextKeys } from '../lib/shared/context';
import type { DocumentedSetting, Range } from '../lib/shared/limits';
import type { PatternDefinition } from '../lib/shared/pattern';
import { CHOOSING_FACTS } from './choosing-facts';
import { type IdleCostLine, idleCosts, renderCostTable, totalText } from './costs';
import { diagramsOf } from './diagrams';

/** The generated blocks of each guide (one per pattern): marker name, guide file, table rows and prose facts. */
export const TABLES: ReadonlyArray<{ name: string; file: string; settings: readonly DocumentedSetting[]; facts: readonly string[] }> =
  PATTERNS.map((p) => ({ name: p.name, file: `docs/patterns/${p.name}.md`, ...p.guide }));

/** What a guide's generated blocks are made of beyond limits.ts: from the synthesized templates. */
export interface GuideParts {
  /** The architecture diagram (Mermaid), from the default (sandbox) synthesis. */
  readonly diagram?: string;
  /** The idle-cost table, from both profiles' syntheses. */
  readonly costs?: string;
}

/**
 * A guide with its generated blocks rendered: the limits table, the facts list and, when given, the
 * architecture diagram and the idle-cost table (both from the synthesized templates).
 */
export function renderGuide(text: string, table: (typeof TABLES)[number], parts: GuideParts = {}): string {
  let out = replaceBlock(text, table.name, renderTable(table.settings));
  out = replaceBlock(out, table.name, table.facts.map((f) => `- ${f}`).join('\n'), 'facts');
  if (parts.diagram !== undefined) out = replaceBlock(out, table.name, `\`\`\`mermaid\n${parts.diagram}\n\`\`\``, 'diagram');
  if (parts.costs !== undefined) out = replaceBlock(out, table.name, parts.costs, 'costs');
  return out;
}

/**
 * The context of each profile's synthesis that the guides' generated parts come from: the default
 * (sandbox), and production as it is usually deployed, with an alarm e-mail (which adds an alarm).
 */
export const PROFILE_CONTEXTS = {
  sandbox: {},
  production: { profile: 'production', alarmEmail: 'ops@example.com' },
} as const;

/** The stacks of the app synthesized as `cdk synth` does for a profile (without bundling, with path metadata). */
export function synthesizeStacks(
  profile: 'sandbox' | 'production',
  stacks?: readonly string[],
): Array<{ stackName: string; template: unknown }> {
  const outdir = mkdtempSync(path.join(tmpdir(), 'decoupling-docs-'));
  const previous = process.env.CDK_VALIDATION;
  process.env.CDK_VALIDATION = 'false';
  try {
    const cdkJson = JSON.parse(readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
    const context = {
      ...cdkJson.context,
      'aws:cdk:bundling-stacks': [],
      'aws:cdk:enable-path-metadata': true,
      ...PROFILE_CONTEXTS[profile],
    };
    return buildApp({ context, outdir, nag: false, stacks })
      .synth()
      .stacks.map((s) => ({ stackName: s.stackName, template: s.template }));
  } finally {
    if (previous === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = previous;
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** A pattern's generated guide parts and its idle-cost lines in each profile. */
export interface PatternParts extends GuideParts {
  readonly sandboxCosts: readonly IdleCostLine[];
  readonly productionCosts: readonly IdleCostLine[];
}

/** Every pattern's generated parts, by name, from the sandbox and production syntheses. */
export function patternParts(
  sandbox: ReadonlyArray<{ stackName: string; template: unknown }>,
  production: ReadonlyArray<{ stackName: string; template: unknown }>,
): Map<string, PatternParts> {
  const diagrams = patternDiagrams(sandbox);
  const templateOf = (stacks: typeof sandbox, stackId: string) => stacks.find((s) => s.stackName === stackId)?.template as never;
  return new Map(
    PATTERNS.map((p) => {
      const sandboxCosts = idleCosts(templateOf(sandbox, p.stackId));
      const productionCosts = idleCosts(templateOf(production, p.stackId));
      return [
        p.name,
        { diagram: diagrams.get(p.name), costs: renderCostTable(sandboxCosts, productionCosts), sandboxCosts, productionCosts },
      ];
    }),
  );
}

/**
 * The diagram of each pattern, by name, from the sandbox (default) synthesis: what its guide embeds
 * and `npx decoupling diagram <pattern>` prints. A pattern whose stack is not in `sandbox` has none.
 */
export function patternDiagrams(sandbox: ReadonlyArray<{ stackName: string; template: unknown }>): Map<string, string> {
  const diagrams = diagramsOf(sandbox);
  return new Map(
    PATTERNS.flatMap((p) => {
      const diagram = diagrams.get(p.stackId);
      return diagram === undefined ? [] : [[p.name, diagram] as const];
    }),
  );
}

/** The README's idle-cost summary: one row per pattern, the totals of its guide's table. */
export function renderCostSummary(parts: ReadonlyMap<string, PatternParts>): string {
  return [
    '| pattern | sandbox, idle, per month | production (with alarmEmail), idle, per month |',
    '|---|---|---|',
    ...PATTERNS.map((p) => {
      const part = parts.get(p.name);
      return `| [${p.name}](docs/patterns/${p.name}.md#cost-while-idle) | ${totalText(part?.sandboxCosts ?? [])} | ${totalText(part?.productionCosts ?? [])} |`;
    }),
  ].join('\n');
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

/** The README's pattern table and context table, rendered from the registry (or the given patterns) and their context keys. */
export function renderReadme(text: string, registered: readonly PatternDefinition[] = PATTERNS): string {
  const patterns = [
    '| pattern | stack | guide |',
    '|---|---|---|',
    ...registered.map((p) => `| ${p.title} | \`${p.stackId}\` | [docs/patterns/${p.name}.md](docs/patterns/${p.name}.md) |`),
  ].join('\n');
  const context = [
    '| context key | values | effect |',
    '|---|---|---|',
    ...contextKeys(registered).map((k) => `| \`${k.name}\` | ${k.allowed.replace(/\|/g, '\\|')} | ${k.description} |`),
  ].join('\n');
  return replaceBlock(replaceBlock(text, 'patterns', patterns, 'readme'), 'context', context, 'readme');
}

/** The decision guide (docs/choosing.md) with its numbers rendered from limits.ts (`CHOOSING_FACTS`). */
export function renderChoosing(text: string): string {
  return replaceBlock(text, 'choosing', CHOOSING_FACTS.map((f) => `- ${f}`).join('\n'), 'facts');
}

/** Every generated file: its path and how to render it from its current text. */
export function generatedFiles(
  parts: ReadonlyMap<string, PatternParts>,
): ReadonlyArray<{ file: string; render: (text: string) => string }> {
  const files = [
    ...TABLES.map((table) => ({ file: table.file, render: (text: string) => renderGuide(text, table, parts.get(table.name)) })),
    // A fork's README has no cost summary (its guide has the table).
    {
      file: 'README.md',
      render: (text: string) =>
        text.includes('<!-- BEGIN readme:costs -->')
          ? replaceBlock(renderReadme(text), 'costs', renderCostSummary(parts), 'readme')
          : renderReadme(text),
    },
  ];
  // The decision guide covers every pattern: the project has it, a fork does not.
  if (existsSync(path.join(ROOT, 'docs/choosing.md'))) {
    files.push({
      file: 'docs/choosing.md',
      render: renderChoosing,
    });
  }
  return files;
}

function main(): void {
  const check = process.argv.includes('--check');
  let stale = 0;
  const parts = patternParts(synthesizeStacks('sandbox'), synthesizeStacks('production'));
  for (const generated of generatedFiles(parts)) {
    const file = path.join(ROOT, generated.file);
    const text = readFileSync(file, 'utf8');
    const next = generated.render(text);
    if (next === text) continue;
    stale++;
    if (check) console.error(`${generated.file}: generated parts are stale; run npm run docs`);
    else writeFileSync(file, next);
  }
  if (check && stale) process.exit(1);
  console.log(check ? 'docs: generated parts are current' : `docs: ${stale} file(s) updated`);
}

if (require.main === module) main();
