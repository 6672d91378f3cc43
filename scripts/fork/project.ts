/**
 * Writes a planned fork: its files, a package.json with the packages the fork's sources use, a
 * lockfile pruned from this project's by npm offline, `.ci/run` without the parts that only make
 * sense here, and a README for the one pattern.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { renderReadme } from '../docs';
import { ForkError, type ForkPlan } from './plan';
import { isCode, packagesOf } from './sources';

/**
 * Packages a fork's scripts and configs run by command (`tsc`, `biome`, `jest`, `cdk`, `tsx`) or load
 * by setting (`@types/*`), not by import; kept whenever this project has them.
 */
const TOOLING = ['aws-cdk', 'typescript', '@biomejs/biome', 'jest', '@swc/core', '@swc/jest', '@types/jest', '@types/node', 'tsx'];

/** The parts of this project's package.json a fork reads. */
export interface PackageJson {
  readonly name: string;
  readonly scripts?: Record<string, string>;
  readonly dependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
  readonly [key: string]: unknown;
}

interface Lockfile {
  readonly packages?: Record<string, { readonly peerDependencies?: Record<string, string> }>;
}

function readLockfile(root: string): Lockfile {
  const file = path.join(root, 'package-lock.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Lockfile) : {};
}

/** The text of a planned file: generated, or read from this project. */
export function textOf(plan: ForkPlan, root: string, file: string): string {
  return plan.files.get(file) ?? readFileSync(path.join(root, file), 'utf8');
}

/** An npm package name from a folder name (lower case, no leading dot or underscore), or the fallback. */
export function packageName(folder: string, fallback: string): string {
  const name = folder
    .toLowerCase()
    .replace(/[^a-z0-9._~-]+/g, '-')
    .replace(/^[._-]+/, '')
    .slice(0, 214);
  return name || fallback;
}

/**
 * The fork's package.json: this project's, with the fork's name, the pattern as description, the
 * scripts whose files the fork holds, and only the packages the fork's sources name (in the section
 * they had) plus the tooling.
 */
export function forkPackageJson(plan: ForkPlan, root: string, rootPackage: PackageJson, name: string): PackageJson {
  const known = new Set([...Object.keys(rootPackage.dependencies ?? {}), ...Object.keys(rootPackage.devDependencies ?? {})]);
  const used = new Set(TOOLING.filter((p) => known.has(p)));
  for (const file of plan.files.keys()) {
    if (!isCode(file) && !file.endsWith('.json')) continue;
    for (const pkg of packagesOf(textOf(plan, root, file), known)) used.add(pkg);
  }
  // Type-only imports of a package that ships no types (`aws-lambda`) are served by its @types package.
  for (const file of plan.files.keys()) {
    if (!isCode(file)) continue;
    for (const [, pkg] of textOf(plan, root, file).matchAll(/from\s+['"]((?:@[\w.-]+\/)?[\w.-]+)['"]/g)) {
      const types = `@types/${pkg.replace(/^@([^/]+)\//, '$1__')}`;
      if (known.has(types)) used.add(types);
    }
  }
  // Peer dependencies of what is kept, when this project lists them: an optional peer such as the
  // DynamoDB client of the Powertools idempotency utility is listed here for that package, not imported.
  const lock = readLockfile(root);
  for (let grown = true; grown; ) {
    grown = false;
    for (const pkg of [...used]) {
      for (const peer of Object.keys(lock.packages?.[`node_modules/${pkg}`]?.peerDependencies ?? {})) {
        if (known.has(peer) && !used.has(peer)) {
          used.add(peer);
          grown = true;
        }
      }
    }
  }
  const pick = (deps: Record<string, string> | undefined) =>
    deps && Object.fromEntries(Object.entries(deps).filter(([pkg]) => used.has(pkg)));
  const holds = (token: string) => [...plan.files.keys()].some((f) => f === token || f.startsWith(`${token.replace(/\/$/, '')}/`));
  const scripts = Object.fromEntries(
    Object.entries(rootPackage.scripts ?? {}).filter(([, command]) =>
      [
        ...command.matchAll(
          /(?:^|\s)((?:\.\/)?(?:scripts|test|lib|local|scenarios|bin|lambda|docs)\/[\w./-]+|[\w.-]+\.config\.(?:js|cjs|mjs|ts|json))/g,
        ),
      ]
        .map((m) => m[1].replace(/^\.\//, ''))
        .every(holds),
    ),
  );
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rootPackage)) {
    if (key === 'name') out.name = name;
    else if (key === 'description') continue;
    else if (key === 'scripts') out.scripts = scripts;
    else if (key === 'dependencies') out.dependencies = pick(rootPackage.dependencies);
    else if (key === 'devDependencies') out.devDependencies = pick(rootPackage.devDependencies);
    else out[key] = value;
    if (key === 'name') out.description = `${plan.pattern.title}: the ${plan.pattern.name} pattern of decoupling-patterns`;
  }
  return out as PackageJson;
}

/** `.ci/run` for a fork: this project's, without the regions marked `# BEGIN root-only` ... `# END root-only`. */
export function ciRunOf(source: string): string {
  return source.replace(/^[ \t]*# BEGIN root-only\b[\s\S]*?^[ \t]*# END root-only\b.*\n/gm, '');
}

/** Markdown with relative links to files the fork does not hold turned into plain text. */
export function withLocalLinks(markdown: string, file: string, holds: (file: string) => boolean): string {
  return markdown.replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (link, label: string, target: string) => {
    if (/^([a-z]+:|#)/i.test(target)) return link;
    const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(file), target.split('#')[0]));
    return holds(resolved) || holds(`${resolved.replace(/\/$/, '')}/`) ? link : label;
  });
}

const DEVELOPING: Record<string, string> = {
  build: 'type-checks the whole tree (`tsc`, no output)',
  lint: 'biome lint and format check (`npm run format` fixes)',
  test: 'the test suite, the local scenario included',
  demo: 'the scenario on the local runtime, with a summary',
  scenario: 'one scenario: `npm run scenario -- <pattern> [--target local\\|aws] [--stack-name NAME] [--region R]`',
  docs: "renders the guide's limits tables and this README's tables from the code (`-- --check` fails when stale)",
  synth: 'synthesizes quietly (`cdk synth -q`)',
};

/** The fork's README, from the template beside this file, its tables rendered from the fork's registry. */
export function readmeOf(plan: ForkPlan, pkg: PackageJson): string {
  const { pattern, reused } = plan;
  const template = readFileSync(path.join(__dirname, 'README.template.md'), 'utf8');
  const reuse = reused.length
    ? reused
        .map((r) =>
          r.whole
            ? `It reuses the ${r.name} pattern's constructs: \`lib/${r.name}/\` is that folder as it was (its stack is not registered here).`
            : `It reuses ${r.names.map((n) => `\`${n}\``).join(', ')} of the ${r.name} pattern: \`lib/${r.name}/\` holds only that, and its \`index.ts\` exports just it.`,
        )
        .join(' ')
    : 'It reuses no other pattern.';
  const commands = Object.keys(pkg.scripts ?? {})
    .filter((s) => s !== 'cdk' && s !== 'format')
    .map((s) => `| \`npm run ${s}\` | ${DEVELOPING[s] ?? `runs \`${pkg.scripts?.[s]}\``} |`);
  const values: Record<string, string> = {
    project: pkg.name,
    title: pattern.title,
    pattern: pattern.name,
    stackId: pattern.stackId,
    reuse,
    commands: ['| command | what it does |', '|---|---|', ...commands].join('\n'),
  };
  const text = template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    if (!(key in values)) throw new ForkError(`README.template.md: unknown placeholder {{${key}}}`);
    return values[key];
  });
  return renderReadme(text, [pattern]);
}

/** Options of {@link writeFork}. */
export interface WriteOptions {
  /**
   * Prune this project's lockfile for the fork with `npm install --package-lock-only --offline`.
   * @default true
   */
  readonly lockfile?: boolean;
}

/** Writes the planned fork into `dir` (new or empty). Returns the package.json written. */
export function writeFork(plan: ForkPlan, root: string, dir: string, options: WriteOptions = {}): PackageJson {
  const rootPackage = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as PackageJson;
  const pkg = forkPackageJson(plan, root, rootPackage, packageName(path.basename(path.resolve(dir)), plan.pattern.name));
  const holds = (f: string) =>
    plan.files.has(f) || f === 'README.md' || [...plan.files.keys()].some((k) => k.startsWith(f.endsWith('/') ? f : `${f}/`));
  const write = (file: string, text: string | Buffer, mode?: number) => {
    const target = path.join(dir, file);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, text, mode === undefined ? undefined : { mode });
  };
  for (const [file, generated] of plan.files) {
    const source = path.join(root, file);
    if (file === '.ci/run') write(file, ciRunOf(readFileSync(source, 'utf8')), 0o755);
    else if (file.endsWith('.md')) write(file, withLocalLinks(generated ?? readFileSync(source, 'utf8'), file, holds));
    else if (generated !== null) write(file, generated);
    else {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      copyFileSync(source, path.join(dir, file));
    }
  }
  write('package.json', `${JSON.stringify(pkg, null, 2)}\n`);
  write('README.md', withLocalLinks(readmeOf(plan, pkg), 'README.md', holds));
  if (options.lockfile !== false && existsSync(path.join(root, 'package-lock.json'))) {
    copyFileSync(path.join(root, 'package-lock.json'), path.join(dir, 'package-lock.json'));
    pruneLockfile(dir);
  }
  return pkg;
}

/**
 * Reduces the copied lockfile to the fork's package.json with npm itself, offline: every package the
 * fork keeps is already pinned (version, resolved URL, integrity), so npm only drops the others, and
 * `npm ci` in the fork installs the same versions as this project, from npm's cache when it has them.
 */
export function pruneLockfile(dir: string): void {
  const npmCli = process.env.npm_execpath;
  const [command, prefix] = npmCli && /npm-cli\.js$/.test(npmCli) ? [process.execPath, [npmCli]] : ['npm', []];
  const args = [
    ...prefix,
    'install',
    '--package-lock-only',
    '--offline',
    '--ignore-scripts',
    '--no-audit',
    '--no-fund',
    '--loglevel=error',
  ];
  const result = spawnSync(command, args, { cwd: dir, encoding: 'utf8', env: { ...process.env, npm_config_engine_strict: 'false' } });
  if (result.status !== 0) {
    const output = `${result.stderr ?? ''}${result.stdout ?? ''}${result.error?.message ?? ''}`.trim().split('\n').slice(-3).join(' | ');
    throw new ForkError(`npm could not prune the lockfile offline (${output}); in ${dir}, run npm install --package-lock-only`);
  }
}
