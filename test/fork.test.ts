import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PATTERNS } from '../lib/patterns';
import { parseArgs, UsageError } from '../scripts/fork';
import { ForkError, type ForkPlan, ownerOf, planFork, registryOf } from '../scripts/fork/plan';
import { ciRunOf, forkPackageJson, type PackageJson, packageName, textOf, withLocalLinks, writeFork } from '../scripts/fork/project';
import { importsOf, isCode, listFiles, packageOf } from '../scripts/fork/sources';
import { errorOf } from './helpers';

const ROOT = path.join(__dirname, '..');
const ROOT_PACKAGE = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as PackageJson;
const plans = new Map(PATTERNS.map((p) => [p.name, planFork(p.name, ROOT, PATTERNS)]));
const plan = (name: string) => plans.get(name) as ForkPlan;
const files = (name: string) => [...plan(name).files.keys()];
const ALL_FILES = listFiles(ROOT);

describe.each(PATTERNS.map((p) => [p.name, p] as const))('the fork of %s', (name, pattern) => {
  test('what it reuses is registered here', () => {
    for (const reused of pattern.reuses) expect(PATTERNS.map((p) => p.name)).toContain(reused);
  });

  test("holds the pattern's own folders, whole, and of other patterns only what it reuses", () => {
    const held = files(name);
    const owned = (owner: string) => held.filter((f) => ownerOf(f, PATTERNS) === owner);
    expect(owned(name)).toEqual(ALL_FILES.filter((f) => ownerOf(f, PATTERNS) === name));
    const reused = new Set(plan(name).reused.map((r) => r.name));
    for (const file of held) {
      const owner = ownerOf(file, PATTERNS);
      expect([file, owner === undefined || owner === name || reused.has(owner)]).toEqual([file, true]);
    }
  });

  test('holds what knows no pattern and must work: app, registry, helpers, setup, local runtime, scripts, configs', () => {
    const held = new Set(files(name));
    for (const file of [
      'bin/app.ts',
      'lib/app.ts',
      'lib/patterns.ts',
      'lib/shared/pattern.ts',
      'lambda/shared/env.ts',
      'local/runtime.ts',
      'local/services/index.ts',
      'scenarios/index.ts',
      'scripts/scenario.ts',
      'scripts/demo.ts',
      'scripts/docs.ts',
      'test/helpers.ts',
      'test/setup-env.js',
      'test/asset-hash-serializer.js',
      'test/app.test.ts',
      'test/docs.test.ts',
      'test/registry.test.ts',
      `test/scenarios/${name}.test.ts`,
      `docs/patterns/${name}.md`,
      'docs/local-runtime.md',
      'cdk.json',
      'tsconfig.json',
      'biome.json',
      'jest.config.js',
      '.gitignore',
      '.npmrc',
      '.nvmrc',
      '.ci/run',
    ]) {
      expect([file, held.has(file)]).toEqual([file, true]);
    }
    for (const file of ['scripts/fork.ts', 'scripts/bench.ts', 'test/fork.test.ts', 'docs/benchmarks.md', 'README.md', 'package.json']) {
      expect([file, held.has(file)]).toEqual([file, false]);
    }
  });

  test('lib/patterns.ts registers this pattern alone', () => {
    const registry = textOf(plan(name), ROOT, 'lib/patterns.ts');
    expect([...registry.matchAll(/from '\.\/([\w-]+)'/g)].map((m) => m[1])).toEqual([name]);
    expect(registry).toMatch(/export const PATTERNS: readonly PatternDefinition\[\] = \[\w+\];/);
  });

  test('every relative import of a project file resolves in the fork', () => {
    const held = plan(name).files;
    for (const file of [...held.keys()].filter(isCode)) {
      for (const ref of importsOf(textOf(plan(name), ROOT, file))) {
        if (!ref.specifier.startsWith('.')) continue;
        const base = path.posix.normalize(path.posix.join(path.posix.dirname(file), ref.specifier));
        const candidates = ['', '.ts', '.js', '.cjs', '.mjs', '.json', '/index.ts', '/index.js'].map((ext) => base + ext);
        if (!candidates.some((c) => ALL_FILES.includes(c))) continue; // no file of the project: a path inside generated code
        expect([file, ref.specifier, candidates.some((c) => held.has(c))]).toEqual([file, ref.specifier, true]);
      }
    }
  });

  test('package.json lists every package the code imports, at the versions of this project, and the scripts whose files it holds', () => {
    const pkg = forkPackageJson(plan(name), ROOT, ROOT_PACKAGE, name);
    const listed = { ...pkg.dependencies, ...pkg.devDependencies };
    for (const [dep, version] of Object.entries(pkg.dependencies ?? {}))
      expect([dep, version]).toEqual([dep, ROOT_PACKAGE.dependencies?.[dep]]);
    for (const [dep, version] of Object.entries(pkg.devDependencies ?? {})) {
      expect([dep, version]).toEqual([dep, ROOT_PACKAGE.devDependencies?.[dep]]);
    }
    for (const file of files(name).filter(isCode)) {
      for (const ref of importsOf(textOf(plan(name), ROOT, file))) {
        const imported = packageOf(ref.specifier);
        if (!imported || builtinModules.includes(imported)) continue;
        const types = `@types/${imported.replace(/^@([^/]+)\//, '$1__')}`;
        expect([file, imported, imported in listed || types in listed]).toEqual([file, imported, true]);
      }
    }
    for (const tool of ['aws-cdk', 'typescript', '@biomejs/biome', 'jest', 'tsx']) expect(listed).toHaveProperty([tool]);
    expect(Object.keys(pkg.scripts ?? {})).toEqual(expect.arrayContaining(['build', 'lint', 'test', 'docs', 'scenario', 'demo']));
    expect(Object.keys(pkg.scripts ?? {})).not.toContain('fork');
    expect(Object.keys(pkg.scripts ?? {})).not.toContain('bench');
    expect(pkg.name).toBe(name);
    expect(pkg.engines).toEqual(ROOT_PACKAGE.engines);
  });
});

describe('what a fork takes of a reused pattern', () => {
  test('sns-fanout takes QueueWithDeadLetter of sqs-dlq, not its stack, handlers or guide', () => {
    const held = files('sns-fanout');
    expect(plan('sns-fanout').reused).toEqual([
      { name: 'sqs-dlq', names: ['QueueWithDeadLetter', 'QueueWithDeadLetterProps'], whole: false },
    ]);
    expect(held.filter((f) => ownerOf(f, PATTERNS) === 'sqs-dlq')).toEqual([
      'lib/sqs-dlq/index.ts',
      'lib/sqs-dlq/queue-with-dead-letter.ts',
      'test/sqs-dlq/queue-with-dead-letter.test.ts',
    ]);
    const index = textOf(plan('sns-fanout'), ROOT, 'lib/sqs-dlq/index.ts');
    expect(index).toContain("export * from './queue-with-dead-letter';");
    expect(index).not.toMatch(/sqs-dlq-stack|backlog-worker|queue-consumer|export const pattern/);
  });

  test('a pattern that reuses nothing takes nothing of another pattern', () => {
    expect(plan('sqs-dlq').reused).toEqual([]);
    expect(files('sqs-dlq').filter((f) => ![undefined, 'sqs-dlq'].includes(ownerOf(f, PATTERNS)))).toEqual([]);
  });

  test('a test that names another pattern or sets its context keys stays behind, with the reason', () => {
    expect(plan('sns-fanout').left).toEqual(
      expect.arrayContaining([
        {
          file: 'test/shared/context.test.ts',
          reason: expect.stringMatching(/^sets context keys the fork does not read: .*backlogWorker/),
        },
      ]),
    );
    expect(plan('sqs-dlq').left).toEqual(
      expect.arrayContaining([
        { file: 'test/shared/context.test.ts', reason: expect.stringMatching(/^sets context keys the fork does not read: .*webhookUrl/) },
      ]),
    );
  });

  test('reuses and imports must agree: either way round, the fork fails naming the file', () => {
    const withoutReuse = PATTERNS.map((p) => (p.name === 'sns-fanout' ? { ...p, reuses: [] } : p));
    expect(errorOf(() => planFork('sns-fanout', ROOT, withoutReuse))).toContain(
      'lib/sns-fanout/sns-fanout-stack.ts imports ../sqs-dlq, but sns-fanout does not list sqs-dlq in its reuses (lib/sns-fanout/index.ts)',
    );
    const declaredOnly = PATTERNS.map((p) => (p.name === 'sqs-dlq' ? { ...p, reuses: ['sns-fanout'] } : p));
    expect(errorOf(() => planFork('sqs-dlq', ROOT, declaredOnly))).toContain(
      'lib/sqs-dlq/index.ts lists sns-fanout in reuses, but nothing of sqs-dlq imports lib/sns-fanout/',
    );
    expect(() => planFork('nope', ROOT, PATTERNS)).toThrow(ForkError);
  });
});

describe('generated and rewritten files', () => {
  test('the registry keeps one import and one entry', () => {
    const source = [
      "import type { PatternDefinition } from './shared/pattern';",
      "import { pattern as a } from './a-b';",
      "import { pattern as c } from './c';",
      '',
      'export const PATTERNS: readonly PatternDefinition[] = [',
      '  a,',
      '  c,',
      '];',
      'export const OTHER = 1;',
      '',
    ].join('\n');
    expect(registryOf(source, 'c')).toBe(
      [
        "import type { PatternDefinition } from './shared/pattern';",
        "import { pattern as c } from './c';",
        '',
        'export const PATTERNS: readonly PatternDefinition[] = [c];',
        'export const OTHER = 1;',
        '',
      ].join('\n'),
    );
    expect(() => registryOf('export const PATTERNS = [];', 'c')).toThrow(ForkError);
  });

  test('.ci/run loses its root-only regions and keeps every other stage', () => {
    const source = readFileSync(path.join(ROOT, '.ci/run'), 'utf8');
    const fork = ciRunOf(source);
    expect(source).toContain('# BEGIN root-only');
    expect(fork).not.toMatch(/# (BEGIN|END) root-only|forks\(\)|FULL_FORK|STAGES\+=\(forks\)/);
    expect(fork).toContain('suite() {');
    expect(fork).toContain('node24() {');
    expect(fork).toContain('STAGES+=(node24)');
  });

  test('links to what the fork does not hold become plain text', () => {
    const holds = (f: string) => ['docs/local-runtime.md', 'README.md'].includes(f);
    expect(
      withLocalLinks(
        '[runtime](../local-runtime.md) [sqs](sqs-dlq.md#x) [aws](https://aws.amazon.com) [top](#top)',
        'docs/patterns/p.md',
        holds,
      ),
    ).toBe('[runtime](../local-runtime.md) sqs [aws](https://aws.amazon.com) [top](#top)');
  });

  test('the package name comes from the folder', () => {
    expect(packageName('My Orders', 'x')).toBe('my-orders');
    expect(packageName('.hidden_', 'x')).toBe('hidden_');
    expect(packageName('...', 'sqs-dlq')).toBe('sqs-dlq');
  });
});

describe('writing a fork (without the npm lockfile step)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'decoupling-fork-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const target = path.join(dir, 'orders-fanout');
  const pkg = writeFork(plan('sns-fanout'), ROOT, target, { lockfile: false });

  test('every planned file, package.json and the README are written', () => {
    for (const file of plan('sns-fanout').files.keys()) expect([file, statSync(path.join(target, file)).isFile()]).toEqual([file, true]);
    expect(JSON.parse(readFileSync(path.join(target, 'package.json'), 'utf8'))).toEqual(pkg);
    expect(pkg.name).toBe('orders-fanout');
    expect(statSync(path.join(target, '.ci/run')).mode & 0o111).not.toBe(0);
  });

  test('the README says what the pattern is, gives the two commands, deploy and destroy, and links that resolve', () => {
    const readme = readFileSync(path.join(target, 'README.md'), 'utf8');
    for (const expected of [
      '# orders-fanout',
      'npm ci && npx cdk synth',
      'npm test',
      'npx cdk deploy Decoupling-SnsFanout',
      'npx cdk destroy Decoupling-SnsFanout',
      'npm run scenario -- sns-fanout --target aws',
      '[docs/patterns/sns-fanout.md](docs/patterns/sns-fanout.md)',
      '[docs/local-runtime.md](docs/local-runtime.md)',
      '`QueueWithDeadLetter`, `QueueWithDeadLetterProps` of the sqs-dlq pattern',
      '| `webhookUrl` |',
    ]) {
      expect([expected, readme.includes(expected)]).toEqual([expected, true]);
    }
    expect(readme).not.toMatch(/\{\{|\| `backlogWorker` \||sqs-dlq\.md/);
    for (const [, link] of readme.matchAll(/\]\(([^)#]+)\)/g)) {
      if (!/^https?:/.test(link)) expect([link, statSync(path.join(target, link)).isFile()]).toEqual([link, true]);
    }
  });
});

describe('npm run fork arguments', () => {
  const cwd = mkdtempSync(path.join(tmpdir(), 'decoupling-fork-args-'));
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));
  mkdirSync(path.join(cwd, 'full'));
  writeFileSync(path.join(cwd, 'full', 'x'), '');
  writeFileSync(path.join(cwd, 'file'), '');
  mkdirSync(path.join(cwd, 'empty'));
  const known = PATTERNS.map((p) => p.name).join(', ');

  test('a pattern and a new or empty folder outside the project', () => {
    expect(parseArgs(['sqs-dlq', 'new'], cwd)).toEqual({ list: false, pattern: 'sqs-dlq', dir: path.join(cwd, 'new') });
    expect(parseArgs(['sqs-dlq', 'empty'], cwd)).toEqual({ list: false, pattern: 'sqs-dlq', dir: path.join(cwd, 'empty') });
    expect(parseArgs(['--list'], cwd)).toEqual({ list: true });
  });

  test.each([
    [[], `which pattern and which folder? patterns: ${known}`],
    [['sqs'], `unknown pattern sqs: known patterns are ${known}`],
    [['sqs-dlq'], 'which folder? for example: npm run fork -- sqs-dlq ../my-sqs-dlq'],
    [['sqs-dlq', 'full'], 'full exists and is not empty: choose a new or empty folder'],
    [['sqs-dlq', 'file'], 'file exists and is not a folder'],
    [['sqs-dlq', 'new', 'extra'], 'unexpected argument extra'],
    [['sqs-dlq', 'new', '--force'], 'unknown option --force'],
    [['--list', 'sqs-dlq'], '--list takes no other argument'],
    [['sqs-dlq', ROOT], `${ROOT} is inside this project: choose a folder outside it, for example ../my-sqs-dlq`],
    [['sqs-dlq', path.join(ROOT, 'lib', 'x')], `${path.join(ROOT, 'lib', 'x')} is inside this project: choose a folder outside it`],
  ])('%j is refused in one line: %s', (argv, message) => {
    const error = errorOf(() => parseArgs(argv, cwd));
    expect(error.startsWith(message)).toBe(true);
    expect(error).not.toContain('\n');
    expect(() => parseArgs(argv, cwd)).toThrow(UsageError);
  });
});
