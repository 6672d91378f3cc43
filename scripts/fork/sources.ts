/**
 * What the fork reads from source files: the project's file list, each file's imports (relative and
 * package), the names a module exports, and the strings that tie a test to one pattern. Plain text
 * scanning, enough for this project's style (ES imports, one statement per import).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';

/** Folders never copied: installs, build output, version control. */
const SKIPPED_DIRS = new Set(['node_modules', '.git', 'cdk.out', '.cdk.staging']);
const SKIPPED_FILE = /(\.d\.ts|\.tsbuildinfo)$/;

/** Every file of the project below `root`, as `/`-separated paths relative to it, sorted. */
export function listFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name) && !/^cdk\..*\.out$/.test(entry.name)) walk(rel);
      } else if (entry.isFile() && !SKIPPED_FILE.test(entry.name)) files.push(rel);
    }
  };
  walk('');
  return files.sort();
}

/** Whether a file is TypeScript or JavaScript source. */
export function isCode(file: string): boolean {
  return /\.(ts|js|cjs|mjs)$/.test(file);
}

/** One import of a module: where from, and which names (`*` for all, `default`, or named). */
export interface ImportRef {
  readonly specifier: string;
  readonly names: readonly string[];
}

const STATIC =
  /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?((?:[\w$]+\s*,\s*)?(?:\{[^}]*\}|\*\s+as\s+[\w$]+|\*|[\w$]+))\s+from\s+['"]([^'"]+)['"]/g;
const BARE = /(?:^|[\s;])import\s+['"]([^'"]+)['"]/g;
const CALLS = /(?:\brequire(?:\.resolve)?|\bimport)\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The source without block comments and whole-line `//` comments (so that examples in docs are not imports). */
export function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

/** The imports and re-exports of a source file, with the names each takes. */
export function importsOf(text: string): ImportRef[] {
  const code = stripComments(text);
  const refs: ImportRef[] = [];
  for (const [, clause, specifier] of code.matchAll(STATIC)) refs.push({ specifier, names: clauseNames(clause) });
  for (const [, specifier] of code.matchAll(BARE)) refs.push({ specifier, names: [] });
  for (const [, specifier] of code.matchAll(CALLS)) refs.push({ specifier, names: ['*'] });
  return refs;
}

function clauseNames(clause: string): string[] {
  const names: string[] = [];
  const braces = /\{([^}]*)\}/.exec(clause);
  const outside = clause.replace(/\{[^}]*\}/, '').trim();
  if (/\*/.test(outside)) names.push('*');
  else if (/^[\w$]+/.test(outside)) names.push('default');
  for (const part of braces?.[1].split(',') ?? []) {
    const name = part
      .trim()
      .replace(/^type\s+/, '')
      .split(/\s+as\s+/)[0]
      .trim();
    if (name) names.push(name);
  }
  return names;
}

const EXTENSIONS = ['', '.ts', '.js', '.cjs', '.mjs', '.json', '/index.ts', '/index.js'];

/** The project file a relative specifier of `from` names, or undefined when none exists. */
export function resolveRelative(from: string, specifier: string, files: ReadonlySet<string>): string | undefined {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  return EXTENSIONS.map((ext) => base + ext).find((candidate) => files.has(candidate));
}

/**
 * The npm package a bare specifier names (`@scope/name` or `name`), or undefined for relative paths,
 * Node.js built-ins and specifiers with a scheme (`node:fs`, a loader's `fauxqs-original:sqs`).
 */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || /^[a-z][\w+.-]*:/i.test(specifier)) return undefined;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  return builtinModules.includes(name) ? undefined : name;
}

/**
 * Package names a file refers to: its imports, plus quoted strings that name a package of `known`
 * (configuration such as jest's `transform` names packages in plain strings).
 */
export function packagesOf(text: string, known: ReadonlySet<string>): Set<string> {
  const found = new Set<string>();
  for (const ref of importsOf(text)) {
    const name = packageOf(ref.specifier);
    if (name) found.add(name);
  }
  for (const [, quoted] of text.matchAll(/['"`]((?:@[\w.-]+\/)?[\w.-]+)(?:\/[^'"`\s]*)?['"`]/g)) {
    if (known.has(quoted)) found.add(quoted);
  }
  return found;
}

/** Names a module declares and exports itself (`export class X`, `export const X`, `export { a, b as c }`). */
export function exportedNames(text: string): Set<string> {
  const code = stripComments(text);
  const names = new Set<string>();
  const declared =
    /(?:^|\n)\s*export\s+(?:declare\s+)?(?:default\s+)?(?:abstract\s+)?(?:async\s+)?(?:class|interface|type|const|let|var|function\*?|enum)\s+([\w$]+)/g;
  for (const [, name] of code.matchAll(declared)) names.add(name);
  for (const [, list] of code.matchAll(/(?:^|\n)\s*export\s+(?:type\s+)?\{([^}]*)\}(?!\s*from)/g)) {
    for (const part of list.split(',')) {
      const name = part
        .trim()
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/)
        .pop()
        ?.trim();
      if (name) names.add(name);
    }
  }
  return names;
}

/** Reads a project file as text. */
export function read(root: string, file: string): string {
  return readFileSync(path.join(root, file), 'utf8');
}

/** Handler entries a file names in strings (`'sqs-dlq/consumer.ts'`), as paths under `lambda/` that exist. */
export function handlerEntries(text: string, files: ReadonlySet<string>): string[] {
  const entries = new Set<string>();
  for (const [, entry] of text.matchAll(/['"`]([\w.-]+\/[\w./-]+\.ts)['"`]/g)) {
    if (files.has(`lambda/${entry}`)) entries.add(`lambda/${entry}`);
  }
  return [...entries];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whether a test names the pattern as a value (`'sqs-dlq'`, `'sqs-dlq/...'`): a scenario name, a CLI argument, a handler path. */
export function namesPattern(text: string, pattern: string): boolean {
  return new RegExp(`(['"\`])${escapeRegExp(pattern)}(\\1|/)`).test(text);
}

/** Whether a test names a context key (`webhookUrl`, as a word outside comments: a key it sets, or one it expects in a message). */
export function namesContextKey(text: string, key: string): boolean {
  return new RegExp(`\\b${escapeRegExp(key)}\\b`).test(stripComments(text));
}

/** Whether a test looks up the pattern's stack by its key in `STACK_IDS` (`STACK_IDS.sqsDlq`). */
export function namesStack(text: string, pattern: string): boolean {
  const key = escapeRegExp(pattern.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase()));
  return new RegExp(`STACK_IDS(\\.${key}\\b|\\[['"]${key}['"]\\])`).test(text);
}
