/**
 * `npm run bench`: measures the performance budgets of the design notes on this machine, each as a
 * ratio taken in one run, and writes docs/benchmarks.md.
 *
 * - Synth: `cdk synth -q` of the app against a one-queue app as `cdk init` writes it (tsx, this
 *   project's cdk.json, the same CLI and node_modules), alternating; budget: at most 1.8x. Then where
 *   the app's synth time goes, per pattern of the registry (scripts/bench-synth.ts), and a forecast
 *   for the patterns that are coming.
 * - `npm test` wall time against the one-queue synth of the same run; budget: at most 12x.
 * - Per handler: bundle size (at most 150 KB) and initialisation against a reference handler that
 *   creates the same SDK clients and nothing else (scripts/bench-init.ts); budget: at most 1.15x.
 * - Local runtime (scripts/bench-throughput.ts): pass-through at least 90% of raw fauxqs; the SQS +
 *   DLQ consumer at least 70% of a plain SDK loop doing the same work on the same emulators.
 *
 * A missed budget is printed and recorded with what was measured, and the exit code is 1.
 * Usage: npm run bench [-- --runs N] [-- --only synth,profile,tests,init,throughput]
 * (docs/benchmarks.md is written only when every section ran).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import * as path from 'node:path';
import { PATTERNS } from '../lib/patterns';
import { temporaryDirectory } from '../local/assembly';
import { handlers, type InitResult, measureInit } from './bench-init';
import type { SynthProfile } from './bench-synth';
import { measureThroughput, type Throughput } from './bench-throughput';

const ROOT = path.join(__dirname, '..');
const BIN = path.join(ROOT, 'node_modules', '.bin');
const ENV = { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true', AWS_REGION: process.env.AWS_REGION ?? 'us-east-1' };

/** Fresh processes per handler and per reference for the initialisation ratio. */
const INIT_RUNS = 21;

/** The budgets of the design notes. */
const BUDGET = { synthRatio: 1.8, testRatio: 12, bundleKb: 150, initRatio: 1.15, passThrough: 0.9, consumer: 0.7 };

/**
 * Patterns being built in other branches, for the synth forecast until they land (a pattern in
 * `lib/patterns.ts` is measured instead, and its row is left out). Give each its resources, handlers
 * and the aws-cdk-lib modules it imports that the app does not load yet, from its branch's stack
 * snapshot (sandbox profile). Empty while every pattern is in the registry.
 */
const COMING: ReadonlyArray<{ name: string; resources: number; handlers: number; modules: readonly string[] }> = [];

interface Args {
  readonly runs: number;
  readonly only: ReadonlySet<string>;
}

const SECTIONS = ['synth', 'profile', 'tests', 'init', 'throughput'];

function parseArgs(argv: string[]): Args {
  let runs = 5;
  let only = new Set(SECTIONS);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--runs') {
      runs = Number(argv[++i]);
      if (!Number.isInteger(runs) || runs < 1 || runs > 20) usage(`--runs needs a whole number from 1 to 20, got ${argv[i]}`);
    } else if (arg === '--only') {
      only = new Set((argv[++i] ?? '').split(','));
      const unknown = [...only].filter((s) => !SECTIONS.includes(s));
      if (unknown.length || only.size === 0) usage(`--only takes ${SECTIONS.join(',')}; got ${argv[i]}`);
    } else if (arg === '--skip-tests') only.delete('tests');
    else usage(`unknown argument ${arg}`);
  }
  return { runs, only };
}

function usage(problem: string): never {
  console.error(`bench: ${problem}\nusage: npm run bench [-- --runs N] [-- --only ${SECTIONS.join(',')}]`);
  process.exit(2);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Runs a command, returns its wall time in seconds and output; throws with its output when it fails. */
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = ENV): { seconds: number; stdout: string } {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.status}):\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}`,
    );
  }
  return { seconds, stdout: result.stdout };
}

/** A one-queue app as `cdk init app --language typescript` writes it, with this project's cdk.json and node_modules. */
function baselineApp(dir: string): void {
  mkdirSync(path.join(dir, 'bin'), { recursive: true });
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  cpSync(path.join(ROOT, 'cdk.json'), path.join(dir, 'cdk.json'));
  cpSync(path.join(ROOT, 'tsconfig.json'), path.join(dir, 'tsconfig.json'));
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'baseline', private: true }));
  writeFileSync(
    path.join(dir, 'bin', 'app.ts'),
    [
      "import { App, Duration, Stack } from 'aws-cdk-lib';",
      "import * as sqs from 'aws-cdk-lib/aws-sqs';",
      'const app = new App();',
      "const stack = new Stack(app, 'BaselineStack');",
      "new sqs.Queue(stack, 'BaselineQueue', { visibilityTimeout: Duration.seconds(300) });",
      '',
    ].join('\n'),
  );
}

interface SynthTimes {
  readonly app: number[];
  readonly baseline: number[];
  /** The last app synth's cloud assembly (handlers for the initialisation bench). */
  readonly outdir: string;
}

/** Alternating `cdk synth -q` of the one-queue app and of this app. */
function synthTimes(runs: number, work: string, baseline: string): SynthTimes {
  const app: number[] = [];
  const base: number[] = [];
  let outdir = '';
  for (let i = 0; i < runs; i++) {
    outdir = path.join(work, `app.out.${i}`);
    base.push(oneQueueSynth(work, baseline, `${i}`));
    app.push(run(path.join(BIN, 'cdk'), ['synth', '-q', '-o', outdir], ROOT).seconds);
    console.log(
      `  run ${i + 1}/${runs}: app ${app[i].toFixed(2)} s, one-queue app ${base[i].toFixed(2)} s (${(app[i] / base[i]).toFixed(2)}x)`,
    );
  }
  return { app, baseline: base, outdir };
}

function oneQueueSynth(work: string, baseline: string, tag: string): number {
  return run(path.join(BIN, 'cdk'), ['synth', '-q', '-o', path.join(work, `baseline.out.${tag}`)], baseline).seconds;
}

/** Median of each number of `profiles` (per pattern by position). */
function medianProfile(profiles: readonly SynthProfile[]): SynthProfile {
  const num = (pick: (p: SynthProfile) => number) => median(profiles.map(pick));
  const first = profiles[0];
  const rules = Object.fromEntries(Object.keys(first.rules).map((id) => [id, num((p) => p.rules[id] ?? 0)]));
  const rulesWarm = Object.fromEntries(Object.keys(first.rulesWarm).map((id) => [id, num((p) => p.rulesWarm[id] ?? 0)]));
  return {
    startup: num((p) => p.startup),
    modules: num((p) => p.modules),
    validationEngine: num((p) => p.validationEngine),
    synthesis: num((p) => p.synthesis),
    total: num((p) => p.total),
    types: first.types,
    rules,
    rulesWarm,
    patterns: first.patterns.map((pattern, i) => ({
      ...pattern,
      construction: num((p) => p.patterns[i].construction),
      constructionWarm: num((p) => p.patterns[i].constructionWarm),
      bundling: num((p) => p.patterns[i].bundling),
      nag: num((p) => p.patterns[i].nag),
      nagWarm: num((p) => p.patterns[i].nagWarm),
      validation: num((p) => p.patterns[i].validation),
      validationWarm: num((p) => p.patterns[i].validationWarm),
    })),
  };
}

/** Milliseconds to load every export of each aws-cdk-lib module, in a process that has synthesized the app's stacks. */
function moduleLoadCosts(modules: readonly string[], work: string): Record<string, number> {
  const script = path.join(ROOT, 'scripts', 'bench-synth.ts');
  const probe = [
    `const { profileSynth } = require(${JSON.stringify(script)});`,
    `profileSynth(${JSON.stringify(path.join(work, 'modules.out'))});`,
    'const costs = {};',
    `for (const m of ${JSON.stringify(modules)}) {`,
    '  const started = performance.now();',
    `  const exported = require(require.resolve('aws-cdk-lib/' + m, { paths: [${JSON.stringify(ROOT)}] }));`,
    '  for (const key of Object.keys(exported)) void exported[key];',
    '  costs[m] = performance.now() - started;',
    '}',
    'process.stdout.write(JSON.stringify(costs));',
  ].join('\n');
  const file = path.join(work, 'module-costs.ts');
  writeFileSync(file, probe);
  return JSON.parse(run(path.join(BIN, 'tsx'), [file], ROOT).stdout) as Record<string, number>;
}

interface Row {
  readonly measure: string;
  readonly value: string;
  readonly budget: string;
  readonly ok?: boolean;
}

const ms = (value: number) => `${value.toFixed(0)} ms`;
const s1 = (value: number) => `${value.toFixed(1)} s`;
const s2 = (value: number) => `${value.toFixed(2)} s`;

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const work = temporaryDirectory('decoupling-bench-');
  const budgets: Row[] = [];
  const sections: string[] = [];
  const misses: string[] = [];
  const load = [loadavg()[0]];
  const baselineDir = path.join(work.path, 'baseline');
  baselineApp(baselineDir);
  const baselineSamples: number[] = [];
  let synth: SynthTimes | undefined;
  try {
    console.log(`bench: ${cpus().length} cores, Node.js ${process.version}, load average ${load[0].toFixed(1)}`);

    if (args.only.has('synth')) {
      console.log(`synth: the app against a one-queue app, ${args.runs} alternating runs`);
      const times = synthTimes(args.runs, work.path, baselineDir);
      synth = times;
      baselineSamples.push(...times.baseline);
      const ratios = times.app.map((a, i) => a / times.baseline[i]);
      const ratio = median(ratios);
      budgets.push({
        measure: 'full-app `cdk synth` / one-queue app',
        value: `${ratio.toFixed(2)}x (${s2(median(times.app))} / ${s2(median(times.baseline))}; runs ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}x)`,
        budget: `<= ${BUDGET.synthRatio.toFixed(2)}x`,
        ok: ratio <= BUDGET.synthRatio,
      });
    }

    if (args.only.has('profile')) {
      const processes = Math.max(3, Math.min(args.runs, 5));
      console.log(`synth profile: ${processes} processes`);
      const profile = (tag: string, env: NodeJS.ProcessEnv = ENV) => {
        const out = run(
          path.join(BIN, 'tsx'),
          [path.join(ROOT, 'scripts', 'bench-synth.ts'), path.join(work.path, `profile.out.${tag}`)],
          ROOT,
          env,
        );
        return JSON.parse(out.stdout.trim().split('\n').pop() as string) as SynthProfile;
      };
      const profiles = Array.from({ length: processes }, (_, i) => profile(String(i)));
      // Once more with esbuild running for every handler, as after a change to the handlers' sources.
      const uncached = profile('uncached', { ...ENV, DECOUPLING_BUNDLE_CACHE: 'off' });
      const newModules = [...new Set(COMING.filter((c) => !PATTERNS.some((p) => p.name === c.name)).flatMap((c) => c.modules))];
      const moduleCosts = newModules.length ? moduleLoadCosts(newModules, work.path) : {};
      const typical = medianProfile(profiles);
      sections.push(profileSection(typical, uncached, synth, moduleCosts), leversSection(typical, uncached));
    }

    if (args.only.has('tests')) {
      console.log('npm test');
      const report = path.join(work.path, 'jest.json');
      baselineSamples.push(oneQueueSynth(work.path, baselineDir, 'tests-before'));
      const cpuBefore = childrenCpuSeconds();
      const tests = run('npm', ['test', '--silent', '--', '--json', `--outputFile=${report}`], ROOT, { ...ENV, CI: 'true' });
      const cpuAfter = childrenCpuSeconds();
      const cpu = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
      baselineSamples.push(oneQueueSynth(work.path, baselineDir, 'tests-after'));
      const reference = median(baselineSamples);
      const ratio = tests.seconds / reference;
      budgets.push({
        measure: '`npm test` wall time / one-queue synth',
        value: `${ratio.toFixed(1)}x (${s1(tests.seconds)} / ${s2(reference)})`,
        budget: `<= ${BUDGET.testRatio}x`,
        ok: ratio <= BUDGET.testRatio,
      });
      sections.push(testsSection(JSON.parse(readFileSync(report, 'utf8')) as JestReport, tests.seconds, reference, cpu));
    }

    if (args.only.has('init')) {
      console.log('handlers: bundle size and initialisation against the same SDK clients');
      const outdir = synth?.outdir ?? path.join(work.path, 'init.out');
      if (!synth) run(path.join(BIN, 'cdk'), ['synth', '-q', '-o', outdir], ROOT);
      const results = measureInit(handlers(outdir), work.path, INIT_RUNS);
      for (const r of results) {
        const name = `${r.handler.stack}/${r.handler.logicalId}`;
        const kb = r.handler.bytes / 1024;
        budgets.push({
          measure: `${name} bundle`,
          value: `${kb.toFixed(1)} KB`,
          budget: `<= ${BUDGET.bundleKb} KB`,
          ok: kb <= BUDGET.bundleKb,
        });
        const ratio = r.ratio;
        budgets.push({
          measure: `${name} initialisation / same SDK clients`,
          value: `${ratio.toFixed(2)}x (${r.handlerMs.toFixed(1)} / ${r.referenceMs.toFixed(1)} ms)`,
          budget: `<= ${BUDGET.initRatio.toFixed(2)}x`,
          ok: ratio <= BUDGET.initRatio,
        });
      }
      sections.push(initSection(results));
    }

    if (args.only.has('throughput')) {
      console.log('local runtime throughput');
      const t = await measureThroughput();
      budgets.push({
        measure: 'local runtime, pass-through handler / raw fauxqs',
        value: `${pct(t.passThrough / t.raw)} (${t.passThrough.toFixed(0)} / ${t.raw.toFixed(0)} msg/s)`,
        budget: `>= ${pct(BUDGET.passThrough)}`,
        ok: t.passThrough / t.raw >= BUDGET.passThrough,
      });
      budgets.push({
        measure: 'local runtime, SQS + DLQ consumer / same-work SDK loop',
        value: `${pct(t.realHandler / t.sameWork)} (${t.realHandler.toFixed(0)} / ${t.sameWork.toFixed(0)} msg/s)`,
        budget: `>= ${pct(BUDGET.consumer)}`,
        ok: t.realHandler / t.sameWork >= BUDGET.consumer && t.sameWorkDifferences.length === 0,
      });
      sections.push(throughputSection(t));
    }
  } finally {
    work.remove();
  }
  load.push(loadavg()[0]);

  for (const section of sections) console.log(`\n${section}`);
  const budgetTable = table(
    ['budget', 'measured', 'limit', 'result'],
    budgets.map((r) => [r.measure, r.value, r.budget, r.ok === undefined ? '' : r.ok ? 'within' : '**MISSED**']),
  );
  console.log(`\n${budgetTable}\n`);
  for (const r of budgets.filter((b) => b.ok === false)) misses.push(`${r.measure}: ${r.value} (limit ${r.budget})`);

  if (args.only.size === SECTIONS.length) {
    const doc = [
      '# Benchmarks',
      '',
      'Written by `npm run bench` (scripts/bench.ts and the scripts/bench-*.ts it runs); the budgets are those of',
      "the design notes, each a ratio of two measurements taken in the same run, so that the machine's speed and",
      'load cancel out. Re-run it after a change that touches synthesis, handlers, tests or the local runtime,',
      'and commit the result.',
      '',
      `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} cores, Node.js ${process.version}; load average ${load[0].toFixed(1)} at the start, ${load[1].toFixed(1)} at the end.`,
      '',
      budgetTable,
      '',
      misses.length
        ? `Missed: ${misses.length}. Each section below says what the measurement shows about why.\n`
        : 'Every budget is within.\n',
      ...sections,
      HOW,
    ].join('\n');
    writeFileSync(path.join(ROOT, 'docs', 'benchmarks.md'), doc);
    console.log('wrote docs/benchmarks.md');
  }
  if (misses.length) {
    console.error(`bench: ${misses.length} budget(s) missed:\n- ${misses.join('\n- ')}`);
    process.exitCode = 1;
  }
}

const pct = (x: number) => `${(100 * x).toFixed(0)}%`;

function profileSection(
  p: SynthProfile,
  uncached: SynthProfile | undefined,
  synth: SynthTimes | undefined,
  moduleCosts: Record<string, number>,
): string {
  const resources = p.patterns.reduce((n, x) => n + x.resources, 0);
  const handlerCount = p.patterns.reduce((n, x) => n + x.handlers, 0);
  const sum = (pick: (x: SynthProfile['patterns'][number]) => number, from = 0) => p.patterns.slice(from).reduce((n, x) => n + pick(x), 0);
  // A pattern added to the app pays what the patterns after the first paid inside the synth: the
  // first one also pays for loading code that every later one finds loaded.
  const later = p.patterns.length > 1 ? 1 : 0;
  const perResource =
    sum((x) => x.construction + x.nag + x.validation, later) /
    Math.max(
      1,
      sum((x) => x.resources, later),
    );
  const perResourceWarm = (sum((x) => x.constructionWarm) + sum((x) => x.nagWarm) + sum((x) => x.validationWarm)) / Math.max(1, resources);
  const perHandler = sum((x) => x.bundling) / Math.max(1, handlerCount);
  const perHandlerUncached = uncached ? uncached.patterns.reduce((n, x) => n + x.bundling, 0) / Math.max(1, handlerCount) : undefined;
  const once = (cold: number, warm: number) => ms(Math.max(0, cold - warm));
  const rows = p.patterns.map((x) => [
    x.name,
    String(x.resources),
    String(x.handlers),
    `${ms(x.construction)} / ${ms(x.constructionWarm)}`,
    ms(x.bundling),
    `${ms(x.nag)} / ${ms(x.nagWarm)}`,
    `${ms(x.validation)} / ${ms(x.validationWarm)}`,
    ms(x.construction + x.bundling + x.nag + x.validation),
  ]);
  const shared = [
    ['Node.js and tsx start-up', ms(p.startup)],
    ['loading aws-cdk-lib, cdk-nag and the app', ms(p.modules)],
    ['CloudFormation Validate engine set-up (the one-queue app pays it too)', ms(p.validationEngine)],
    [
      'construction: first use (cold minus warm, all patterns)',
      once(
        sum((x) => x.construction),
        sum((x) => x.constructionWarm),
      ),
    ],
    [
      'cdk-nag: first walk (cold minus warm; the rules load about forty service modules)',
      once(
        sum((x) => x.nag),
        sum((x) => x.nagWarm),
      ),
    ],
    [
      'validation: first pass over each template (cold minus warm)',
      once(
        sum((x) => x.validation),
        sum((x) => x.validationWarm),
      ),
    ],
    ['the rest of `app.synth()` (prepare, resolve, write templates and tree)', ms(p.synthesis)],
    ['total, process start to synthesized (in-process, no CLI)', ms(p.total)],
  ];
  const top = (rules: Readonly<Record<string, number>>) =>
    Object.entries(rules)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([id, t]) => `${id} ${t.toFixed(1)} ms`)
      .join(', ');
  const lines = [
    '## Synth: where the time goes',
    '',
    'In-process synth of the app as `cdk synth` runs it (scripts/bench-synth.ts), median of fresh processes.',
    "Cold is the pattern's share inside the synth; warm is the same work repeated on the warm process (the",
    'least of three), what one more stack like it costs once everything it uses is loaded and compiled.',
    '',
    table(
      [
        'pattern',
        'resources',
        'handlers',
        'construction cold / warm',
        'bundling',
        'cdk-nag cold / warm',
        'validation cold / warm',
        'in the synth',
      ],
      rows,
    ),
    '',
    table(['shared', 'time'], shared),
    '',
    `A pattern added to the app costs about ${perResource.toFixed(1)} ms per resource (construction, cdk-nag and validation inside the synth, as the patterns after the first paid it; ${perResourceWarm.toFixed(1)} ms once warm) and ${ms(perHandler)} per handler from the bundle cache${perHandlerUncached === undefined ? '' : ` (${ms(perHandlerUncached)} when its sources changed and esbuild runs)`}. Slowest cdk-nag rules inside the synth (their first calls load the service module they check): ${top(p.rules)}; on the warm process over the app's ${resources} resources: ${top(p.rulesWarm)}.`,
    '',
  ];
  if (synth) lines.push(...forecast(synth, { perResource, perHandler }, moduleCosts));
  return lines.join('\n');
}

function forecast(synth: SynthTimes, rates: { perResource: number; perHandler: number }, moduleCosts: Record<string, number>): string[] {
  const coming = COMING.filter((c) => !PATTERNS.some((x) => x.name === c.name));
  if (coming.length === 0) return [];
  const app = median(synth.app) * 1000;
  const base = median(synth.baseline) * 1000;
  const loaded = new Set<string>();
  let total = app;
  const rows = coming.map((c) => {
    const modules = c.modules.filter((m) => !loaded.has(m));
    for (const m of modules) loaded.add(m);
    const added = c.resources * rates.perResource + c.handlers * rates.perHandler + modules.reduce((n, m) => n + (moduleCosts[m] ?? 0), 0);
    total += added;
    return [c.name, String(c.resources), String(c.handlers), modules.join(', ') || '-', ms(added), `${(total / base).toFixed(2)}x`];
  });
  const breaks = rows.find((r) => Number.parseFloat(r[5]) > BUDGET.synthRatio);
  const now = app / base;
  return [
    '### Forecast for the patterns still being built',
    '',
    'Each row adds to the measured full-app synth its resources at the per-resource rate above, its handlers at',
    'the per-handler rate, and the measured time to load the aws-cdk-lib modules it brings that the app does not',
    'load yet (every export, after a synth of the app: an upper bound).',
    '',
    table(['pattern (cumulative)', 'resources', 'handlers', 'new modules', 'adds', 'ratio'], rows),
    '',
    now > BUDGET.synthRatio
      ? `The budget of ${BUDGET.synthRatio}x is already missed by the patterns in the registry (${now.toFixed(2)}x).`
      : breaks
        ? `The budget of ${BUDGET.synthRatio}x breaks with ${breaks[0]} (forecast ${breaks[5]}).`
        : `Forecast with all of them: ${(total / base).toFixed(2)}x, within ${BUDGET.synthRatio}x.`,
    '',
  ];
}

interface JestReport {
  readonly numTotalTests: number;
  readonly testResults: ReadonlyArray<{ name: string; startTime: number; endTime: number }>;
}

/**
 * CPU seconds (user and system) of every child process this process has waited for, with the
 * processes they waited for in turn (Linux's cutime and cstime); undefined where /proc is missing.
 */
function childrenCpuSeconds(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the command name: state is field 3, so cutime (16) and cstime (17) are at 13 and 14.
    const ticks = Number(fields[13]) + Number(fields[14]);
    const hz = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
    return ticks / hz;
  } catch {
    return undefined;
  }
}

function testsSection(report: JestReport, seconds: number, reference: number, cpu: number | undefined): string {
  const files = report.testResults
    .map((r) => ({ name: path.relative(ROOT, r.name), seconds: (r.endTime - r.startTime) / 1000 }))
    .sort((a, b) => b.seconds - a.seconds);
  const total = files.reduce((n, f) => n + f.seconds, 0);
  return [
    '## `npm test`: where the time goes',
    '',
    `${report.numTotalTests} tests in ${files.length} files, ${s1(seconds)} wall (${(seconds / reference).toFixed(1)}x the one-queue synth); the files' own times add up to ${s1(total)}, so the workers overlapped ${(total / seconds).toFixed(1)}x.${cpuText(cpu, seconds)} Slowest files:`,
    '',
    table(
      ['file', 'time'],
      files.slice(0, 10).map((f) => [`\`${f.name}\``, s1(f.seconds)]),
    ),
    '',
  ].join('\n');
}

/** What the suite's CPU time says about its wall time. */
function cpuText(cpu: number | undefined, seconds: number): string {
  if (cpu === undefined) return '';
  const cores = availableParallelism();
  const busy = cpu / (seconds * cores);
  return ` Its processes (jest, its workers and everything they started) used ${s1(cpu)} of CPU on ${cores} cores, ${(busy * 100).toFixed(0)}% of what the machine had in that time: ${busy >= 0.85 ? 'the wall time is the CPU work of the files, and only less work shortens it' : 'part of the wall time is waiting, not work'}.`;
}

/** The `count` largest shares of a handler's profiled module scope, as `zod 3.1 ms, ...`. */
function scopeText(r: InitResult, count: number): string {
  const shown = r.scope.filter((s) => s.ms >= 0.1).slice(0, count);
  return shown.map((s) => `${s.source} ${s.ms.toFixed(1)} ms`).join(', ') || 'nothing measurable';
}

function initSection(results: readonly InitResult[]): string {
  const missed = results.filter((r) => r.ratio > BUDGET.initRatio);
  return [
    '## Handler initialisation',
    '',
    "Each handler against a reference that creates the clients the handler's module scope creates (found by",
    'loading the bundle once with the SDK client classes wrapped) and nothing else. What the handler adds is its',
    "bundle's own module scope: Powertools, zod, other libraries it bundles, and its code. Where that goes is",
    "profiled (V8's CPU profiler over the bundle's `require`, self time charged through the source map to the",
    'bundled package or the own code it came from; `unmapped` is compiling the bundle itself). The profiler slows',
    'what it samples, so its times are larger than the difference of the medians: read them as shares.',
    'A handler that creates no SDK client is measured against an empty module, a few milliseconds: any module',
    'scope at all is a large ratio of that.',
    '',
    table(
      [
        'handler',
        'SDK clients at module scope',
        'bundle',
        'handler',
        'reference',
        'added by the bundle',
        'where it goes (profiled)',
        'ratio',
      ],
      results.map((r) => [
        `${r.handler.stack}/${r.handler.logicalId}`,
        r.clients.map((c) => `${c.name} (${c.module})`).join(', ') || 'none (the reference is an empty module)',
        `${(r.handler.bytes / 1024).toFixed(0)} KB`,
        `${r.handlerMs.toFixed(1)} ms`,
        `${r.referenceMs.toFixed(1)} ms`,
        `${(r.handlerMs - r.referenceMs).toFixed(1)} ms`,
        scopeText(r, 3),
        `${r.ratio.toFixed(2)}x`,
      ]),
    ),
    '',
    missed.length
      ? `Over the budget: ${missed.map((r) => `${r.handler.logicalId} (${r.ratio.toFixed(2)}x, ${(r.handlerMs - r.referenceMs).toFixed(0)} ms of its own module scope, the largest share of its profile ${scopeText(r, 1)})`).join('; ')}. Run to run, a ratio near the budget moves by about a tenth on a loaded machine.`
      : 'Every handler is within the budget.',
    '',
  ].join('\n');
}

function throughputSection(t: Throughput): string {
  return [
    '## Local runtime throughput',
    '',
    table(
      ['path', 'messages/s'],
      [
        ['raw fauxqs: send, receive, delete', t.raw.toFixed(0)],
        ['pass-through: the event source mapping into a function that returns at once', t.passThrough.toFixed(0)],
        ["same work: a plain SDK loop making the consumer's DynamoDB writes", t.sameWork.toFixed(0)],
        ['the SQS + DLQ consumer through the event source mapping', t.realHandler.toFixed(0)],
      ],
    ),
    '',
    `In the first run after the stack started (the warm-up run, not budgeted), the consumer did ${t.firstRun.realHandler.toFixed(0)} msg/s against ${t.firstRun.sameWork.toFixed(0)} for the same-work loop (${pct(t.firstRun.realHandler / t.firstRun.sameWork)}): each of its five Lambda environments, worker threads, compiles the SDK and handler code on its own, as each Lambda environment does, while the loop runs in one already warm process.`,
    '',
    t.sameWorkDifferences.length
      ? `**The same-work loop no longer does what the consumer does** (update \`sameWorkWrites\` in scripts/bench-throughput.ts): ${t.sameWorkDifferences.join('; ')}.`
      : 'The same-work loop left the same items as the consumer (receipts per order, attribute names of every item).',
    '',
  ].join('\n');
}

/** What was found about the synth's cost: the levers applied and the ones left, with this run's numbers. */
function leversSection(p: SynthProfile, uncached: SynthProfile | undefined): string {
  const sum = (pick: (x: SynthProfile['patterns'][number]) => number) => p.patterns.reduce((n, x) => n + pick(x), 0);
  const handlers = sum((x) => x.handlers);
  const bundledCold = uncached ? uncached.patterns.reduce((n, x) => n + x.bundling, 0) : undefined;
  const validation = sum((x) => x.validation);
  const nag = sum((x) => x.nag);
  const construction = sum((x) => x.construction);
  return [
    '## Levers',
    '',
    'Applied:',
    '',
    `- **Handler bundles are built once per contents** (lib/shared/handler-bundling.ts): ${handlers} handlers took ${ms(sum((x) => x.bundling))} from the cache in this synth${bundledCold === undefined ? '' : ` and ${ms(bundledCold)} with esbuild for each`}; the bundle is built in the cache, so its asset hash no longer depends on the output folder. Bundling was also repeated across the test suite (the whole-app test synthesizes twice, each scenario test once per mutation).`,
    '- **Only the stacks asked for are built** (`buildApp({ stacks })`): a stack test or a scenario used to build every pattern to get one stack.',
    '- **Tests**: one jest worker more than cores (the scenario tests wait on local runtimes); the sns-fanout scenario tests run side by side; scenario waits follow progress, so a mutation fails once it stops moving instead of at a fixed deadline.',
    '',
    'Not applied, with what they cost in this run:',
    '',
    `- CloudFormation Validate's first pass over each template: ${ms(validation)} inside the synth against ${ms(sum((x) => x.validationWarm))} for the same templates warm. The validator is WebAssembly that warms up on the resource types and properties it meets; templates do not validate measurably faster without their Outputs, Metadata, Rules, Conditions or DependsOn, and V8's WebAssembly tiering flags (lazy compilation, no dynamic tiering, a smaller or larger tiering budget, TurboFan only) gave no consistent gain. Liftoff only (\`--liftoff-only\`, no optimising tier) cut the first pass by about a third on Node.js 20 when the app set it before validating, but set that way it has no effect on Node.js 24 (on its command line it saves less), and it doubles the warm cost, so an app with more stacks than this one would lose by it: not applied. Its engine set-up (${ms(p.validationEngine)}) is paid by the one-queue app too. Turning validation off would drop a requirement of the project.`,
    `- cdk-nag: ${ms(nag)} inside the synth, most of it its first walk, where the AwsSolutions rules' \`instanceof\` checks load about forty aws-cdk-lib service modules the app does not use; warm, both packs cost ${ms(sum((x) => x.nagWarm))} over the app. Lives in cdk-nag.`,
    `- Construction: ${ms(construction)} inside the synth, of which all but ${ms(sum((x) => x.constructionWarm))} is the first use of aws-cdk-lib modules. Node.js 22's compile cache (\`module.enableCompileCache()\`) was tried on Node.js 24 and gave no measurable gain against the noise of this machine; creation stack traces (\`aws:cdk:disable-creation-stack-traces\`) cost about 20 ms for the whole app.`,
    '- Smaller templates (no `aws:cdk:path` metadata, no tree.json) would trim what the console and tools show, for no measured gain in validation.',
    '',
  ].join('\n');
}

const HOW = [
  '## How each number is taken',
  '',
  '- Synth: `cdk synth -q` of this app and of a one-queue app (one `sqs.Queue` in `bin/app.ts` run by tsx, this',
  "  project's cdk.json with its feature flags and CloudFormation Validate, the same node_modules and CLI),",
  '  alternating; the ratio is the median of the per-pair ratios.',
  '- `npm test`: one run of the whole suite as CI runs it, against the median of every one-queue synth of the',
  '  run (including one just before and one just after the tests).',
  '- Initialisation: the time `require(bundle)` takes in a fresh Node.js process, handler and reference',
  `  alternating, ${INIT_RUNS} of each after one warm-up; the ratio is the median of the pairs' ratios, the times`,
  '  the medians. `@aws-sdk/*` is loaded from node_modules, as the Lambda runtime provides it.',
  '- Throughput (scripts/bench-throughput.ts): 2000 messages sent by 4 concurrent senders in batches of 10,',
  '  from the first send to the last delete, median of 3 after a warm-up run of the same size (steady state).',
  '  Raw and same work: 5 receivers',
  "  (the consumer's maximum concurrency) receiving batches of 10. Pass-through and consumer: the local",
  "  runtime's event source mapping. Same work and consumer run on the same stack's emulators, alternating.",
  '',
].join('\n');

main().catch((error: Error) => {
  console.error(`bench: ${error.stack}`);
  process.exit(2);
});
