/**
 * Which files a fork of one pattern holds, decided from the pattern registry and the sources alone:
 *
 * - the pattern's own folders (`lib/<p>/`, `lambda/<p>/`, `containers/<p>/`, `test/<p>/`,
 *   `scenarios/<p>.ts`, `test/scenarios/<p>.test.ts`, `docs/patterns/<p>.md`), which must be complete;
 * - what it reuses of other patterns (its registry entry's `reuses`): only the files that define what
 *   it imports from a reused pattern's index.ts, with a generated index.ts exporting just those, and
 *   the handlers those files name; the reused pattern's stack is not registered in the fork;
 * - what knows no pattern and must come along: `lib/shared/`, `lambda/shared/`, `local/`, `bin/`,
 *   `lib/app.ts`, a `lib/patterns.ts` listing that pattern alone, the test helpers and setup files,
 *   the whole-app, docs and registry tests, the scenario CLI, demo and docs scripts, the configs;
 * - what knows no pattern and comes along when it applies: other tests, scenario helpers, scripts.
 *   A file applies when its relative imports resolve in the fork and, for a test, when it names no
 *   other pattern (`'sqs-dlq'`, a handler entry `'sqs-dlq/consumer.ts'`) nor a context key the fork
 *   does not read. What does not apply is listed with the reason.
 */
import * as path from 'node:path';
import type { PatternDefinition } from '../../lib/shared/pattern';
import {
  exportedNames,
  handlerEntries,
  importsOf,
  isCode,
  listFiles,
  namesContextKey,
  namesPattern,
  namesStack,
  read,
  resolveRelative,
} from './sources';

/** A fork that cannot be made: the project's sources do not line up with its registry. */
export class ForkError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'ForkError';
  }
}

/** What a fork takes of one pattern it reuses. */
export interface ReusedPart {
  /** The reused pattern's folder name. */
  readonly name: string;
  /** Names imported from its index.ts; empty when the whole folder is taken. */
  readonly names: readonly string[];
  /** True when the whole folder comes along (a namespace import, or a name index.ts defines itself). */
  readonly whole: boolean;
}

/** The files of a fork and where each comes from. */
export interface ForkPlan {
  readonly pattern: PatternDefinition;
  readonly reused: readonly ReusedPart[];
  /** Fork-relative path to its text when generated or rewritten, or `null` when copied as is. */
  readonly files: ReadonlyMap<string, string | null>;
  /** Files that know no pattern but do not apply to this fork, with the reason. */
  readonly left: ReadonlyArray<{ readonly file: string; readonly reason: string }>;
}

/** Files at the project root that every fork takes (besides the generated package.json, lockfile and README). */
const ROOT_FILES =
  /^(cdk\.json|cdk\.context\.json|tsconfig\.json|biome\.json|\.gitignore|\.npmrc|\.nvmrc|[\w.-]+\.config\.(js|cjs|mjs|ts|json))$/;

/** Files that know no pattern and must be in every fork: a problem in one fails the fork. */
function required(file: string): boolean {
  return (
    /^(lib\/shared|lambda\/shared|local|bin)\//.test(file) ||
    /^lib\/[^/]+\.ts$/.test(file) ||
    (/^test\/[^/]+\.(js|cjs|mjs|ts)$/.test(file) && !file.endsWith('.test.ts')) || // helpers and jest setup files
    ROOT_FILES.test(file) ||
    [
      'test/app.test.ts',
      'test/docs.test.ts',
      'test/registry.test.ts',
      'scenarios/index.ts',
      'scenarios/scenario.ts',
      'scripts/scenario.ts',
      'scripts/demo.ts',
      'scripts/docs.ts',
      'docs/local-runtime.md',
      '.ci/run',
    ].includes(file)
  );
}

/** Files that know no pattern and come along when they apply. */
function optional(file: string): boolean {
  return /^(test|scenarios|scripts|docs)\//.test(file) && !never(file);
}

/**
 * What a fork never takes: the fork tool itself (and the command that runs it), the bench (it measures
 * the whole project), generated files, and the decision guide (it compares every pattern).
 */
function never(file: string): boolean {
  return /^(scripts\/fork(\.ts|\/)|scripts\/decoupling\/new\.ts$|scripts\/bench|test\/fork\.test\.ts$|docs\/benchmarks\.md$|docs\/choosing\.md$)/.test(
    file,
  );
}

/** The pattern that owns a file by the fixed folder layout, if any. */
export function ownerOf(file: string, patterns: readonly PatternDefinition[]): string | undefined {
  return patterns.find(({ name }) => {
    const owned = [
      `lib/${name}/`,
      `lambda/${name}/`,
      `containers/${name}/`,
      `test/${name}/`,
      `scenarios/${name}/`,
      `docs/patterns/${name}/`,
    ];
    return (
      owned.some((prefix) => file.startsWith(prefix)) ||
      file === `scenarios/${name}.ts` ||
      file === `docs/patterns/${name}.md` ||
      (file.startsWith(`test/scenarios/${name}.`) && file.endsWith('.test.ts'))
    );
  })?.name;
}

/** The patterns a pattern reuses, directly or through another reused pattern. */
function reuseClosure(pattern: PatternDefinition, patterns: readonly PatternDefinition[]): PatternDefinition[] {
  const found: PatternDefinition[] = [];
  const visit = (p: PatternDefinition) => {
    for (const name of p.reuses) {
      const reused = patterns.find((q) => q.name === name);
      if (!reused) throw new ForkError(`${p.name} reuses ${name}, which is not a registered pattern (lib/patterns.ts)`);
      if (reused === pattern || found.includes(reused)) continue;
      found.push(reused);
      visit(reused);
    }
  };
  visit(pattern);
  return found;
}

/**
 * Plans the fork of `name`: every file and where it comes from. Throws {@link ForkError} when the
 * pattern's own files or the shared ones would not work in the fork.
 */
export function planFork(name: string, root: string, patterns: readonly PatternDefinition[]): ForkPlan {
  const pattern = patterns.find((p) => p.name === name);
  if (!pattern) throw new ForkError(`unknown pattern ${name}`);
  const all = listFiles(root);
  const exists = new Set(all);
  const reusedPatterns = reuseClosure(pattern, patterns);
  const reusedNames = new Set(reusedPatterns.map((p) => p.name));
  const texts = new Map<string, string>();
  const text = (file: string) => {
    const cached = texts.get(file);
    if (cached !== undefined) return cached;
    const t = read(root, file);
    texts.set(file, t);
    return t;
  };

  const selected = new Map<string, string | null>();
  for (const file of all) {
    const owner = ownerOf(file, patterns);
    if (owner === name || (!owner && !never(file) && required(file))) selected.set(file, null);
  }

  selected.set('lib/patterns.ts', registryOf(text('lib/patterns.ts'), name));
  const source = (file: string) => selected.get(file) ?? text(file);

  // Follow relative imports: helpers that know no pattern become needed, and imports of reused
  // patterns take the files that define what is imported.
  const needed = new Map<string, Set<string>>(reusedPatterns.map((p) => [p.name, new Set<string>()]));
  const whole = new Set<string>();
  const problems: string[] = [];
  const queue = [...selected.keys()].filter(isCode);
  const take = (file: string) => {
    if (selected.has(file)) return;
    selected.set(file, null);
    if (isCode(file)) queue.push(file);
  };
  const takeWhole = (reused: string) => {
    whole.add(reused);
    for (const file of all) {
      if ([`lib/${reused}/`, `lambda/${reused}/`, `containers/${reused}/`].some((prefix) => file.startsWith(prefix))) take(file);
    }
  };
  const exportsOf = new Map<string, Map<string, string>>();
  const definingFiles = (reused: string): Map<string, string> => {
    let map = exportsOf.get(reused);
    if (!map) {
      map = new Map();
      for (const file of all.filter((f) => f.startsWith(`lib/${reused}/`) && f.endsWith('.ts') && f !== `lib/${reused}/index.ts`)) {
        for (const exported of exportedNames(text(file))) map.set(exported, file);
      }
      exportsOf.set(reused, map);
    }
    return map;
  };
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    const owner = ownerOf(file, patterns);
    for (const ref of importsOf(source(file))) {
      if (!ref.specifier.startsWith('.')) continue;
      const target = resolveRelative(file, ref.specifier, exists);
      const targetOwner = target && ownerOf(target, patterns);
      if (!target || targetOwner === name) continue;
      if (!targetOwner) {
        if (!never(target)) take(target); // a helper that knows no pattern, now needed by what must work
        continue;
      }
      if (targetOwner === owner && target !== `lib/${owner}/index.ts`) {
        take(target);
        continue;
      }
      if (!reusedNames.has(targetOwner)) {
        problems.push(`${file} imports ${ref.specifier}, but ${name} does not list ${targetOwner} in its reuses (lib/${name}/index.ts)`);
        continue;
      }
      if (whole.has(targetOwner)) continue;
      if (target !== `lib/${targetOwner}/index.ts`) {
        take(target);
        continue;
      }
      const names = needed.get(targetOwner) as Set<string>;
      for (const n of ref.names) names.add(n);
      const defining = definingFiles(targetOwner);
      if (ref.names.some((n) => !defining.has(n))) takeWhole(targetOwner);
      else for (const n of ref.names) take(defining.get(n) as string);
    }
    if (owner && reusedNames.has(owner)) {
      for (const entry of handlerEntries(text(file), exists)) take(entry);
      if (text(file).includes(`containers/${owner}`)) for (const f of all.filter((f) => f.startsWith(`containers/${owner}/`))) take(f);
    }
  }
  const reused: ReusedPart[] = reusedPatterns
    .filter((p) => whole.has(p.name) || (needed.get(p.name)?.size ?? 0) > 0)
    .map((p) => ({ name: p.name, names: whole.has(p.name) ? [] : [...(needed.get(p.name) ?? [])].sort(), whole: whole.has(p.name) }));
  for (const part of reused.filter((r) => !r.whole)) {
    selected.set(`lib/${part.name}/index.ts`, reusedIndex(part, name, definingFiles(part.name)));
  }

  for (const declared of pattern.reuses.filter((r) => !reused.some((part) => part.name === r))) {
    problems.push(`lib/${name}/index.ts lists ${declared} in reuses, but nothing of ${name} imports lib/${declared}/`);
  }

  // Which names each generated index exports (all that its modules export), for checking named imports against it.
  const generatedExports = new Map<string, Set<string>>();
  for (const part of reused.filter((r) => !r.whole)) {
    const modules = new Set(part.names.map((n) => definingFiles(part.name).get(n) as string));
    generatedExports.set(`lib/${part.name}/index.ts`, new Set([...modules].flatMap((m) => [...exportedNames(text(m))])));
  }

  const foreign = patterns.filter((p) => p.name !== name);
  const ownKeys = new Set(['profile', 'alarmEmail', ...pattern.contextKeys.map((k) => k.name)]);
  const foreignKeys = [...new Set(foreign.flatMap((p) => p.contextKeys.map((k) => k.name)))].filter((k) => !ownKeys.has(k));

  /** Why a file would not work in the fork, or undefined when it would. */
  const whyNot = (file: string, present: (f: string) => boolean): string | undefined => {
    if (!isCode(file)) return undefined;
    const code = source(file);
    for (const ref of importsOf(code)) {
      if (!ref.specifier.startsWith('.')) continue;
      const target = resolveRelative(file, ref.specifier, exists);
      if (!target) continue; // not a file of this project (a path inside generated code, say)
      if (!present(target)) return `imports ${ref.specifier}, which the fork does not hold`;
      const limited = generatedExports.get(target);
      const missing = ref.names.filter((n) => limited && !limited.has(n));
      if (missing.length) return `imports ${missing.join(', ')} from ${ref.specifier}, which ${name} does not reuse`;
    }
    if (!file.startsWith('test/')) return undefined;
    const entry = handlerEntries(code, exists).find((e) => !present(e));
    if (entry) return `names the handler ${entry.slice('lambda/'.length)}, which the fork does not hold`;
    const other = foreign.find((p) => namesPattern(code, p.name));
    if (other) return `names the pattern ${other.name}`;
    const stack = foreign.find((p) => namesStack(code, p.name));
    if (stack) return `builds the stack of ${stack.name}, which the fork does not register`;
    const keys = foreignKeys.filter((k) => namesContextKey(code, k));
    if (keys.length) return `sets context keys the fork does not read: ${keys.join(', ')}`;
    return undefined;
  };

  for (const file of [...selected.keys()]) {
    const reason = whyNot(file, (f) => selected.has(f));
    if (reason) problems.push(`${file} ${reason}`);
  }
  if (problems.length) throw new ForkError(`cannot fork ${name}:\n  ${problems.join('\n  ')}`);

  // Files that come along when they apply, until no more drop out: a test of a helper that does not
  // apply does not apply either.
  const candidates = new Set(
    all.filter((file) => {
      const owner = ownerOf(file, patterns);
      if (owner) return reusedNames.has(owner) && file.startsWith(`test/${owner}/`) && !file.includes('/__snapshots__/');
      return !selected.has(file) && optional(file);
    }),
  );
  const left: Array<{ file: string; reason: string }> = [];
  for (let changed = true; changed; ) {
    changed = false;
    for (const file of candidates) {
      const reason = whyNot(file, (f) => selected.has(f) || candidates.has(f));
      if (!reason) continue;
      candidates.delete(file);
      left.push({ file, reason });
      changed = true;
    }
  }
  for (const file of candidates) selected.set(file, null);
  // Snapshots of the reused patterns' tests that came along.
  for (const file of all) {
    const snapshot = /^(test\/.+)\/__snapshots__\/([^/]+)\.snap$/.exec(file);
    if (snapshot && !selected.has(file) && selected.has(`${snapshot[1]}/${snapshot[2]}`)) selected.set(file, null);
  }

  const nonPatternLeft = left.filter((l) => !ownerOf(l.file, patterns)).sort((a, b) => a.file.localeCompare(b.file));
  return { pattern, reused, files: new Map([...selected].sort(([a], [b]) => a.localeCompare(b))), left: nonPatternLeft };
}

/** The index.ts of a reused pattern in a fork: only what the forked pattern imports, and no stack. */
function reusedIndex(part: ReusedPart, forked: string, defining: ReadonlyMap<string, string>): string {
  const modules = [...new Set(part.names.map((n) => defining.get(n) as string))]
    .map((file) => `./${path.posix.basename(file, '.ts')}`)
    .sort();
  return [
    `// What ${forked} reuses of the ${part.name} pattern of decoupling-patterns: ${part.names.join(', ')}.`,
    `// The ${part.name} pattern itself (its stack, handlers, tests and guide) is not part of this project.`,
    ...modules.map((m) => `export * from '${m}';`),
    '',
  ].join('\n');
}

/**
 * `lib/patterns.ts` with only the forked pattern registered: the other patterns' imports removed and
 * the list reduced to that one entry; everything else in the file is kept.
 */
export function registryOf(source: string, name: string): string {
  const imports = [...source.matchAll(/^import \{ pattern as ([\w$]+) \} from '\.\/([\w-]+)';\n/gm)];
  const own = imports.find(([, , folder]) => folder === name);
  const list = /(export const PATTERNS\b[^=]*=\s*)\[[^\]]*\]/;
  if (!own || !list.test(source)) {
    throw new ForkError(`lib/patterns.ts: expected "import { pattern as x } from './${name}';" and "export const PATTERNS = [...]"`);
  }
  let out = source;
  for (const [line, , folder] of imports) if (folder !== name) out = out.replace(line, '');
  return out.replace(list, `$1[${own[1]}]`);
}
