/**
 * Where a full-app synth spends its time, per pattern of the registry (`lib/patterns.ts`), for
 * `npm run bench`. Run as its own process (`tsx scripts/bench-synth.ts <outdir>`), it synthesizes the
 * app in-process as `cdk synth` runs `bin/app.ts` (cdk.json's context, bundling, cdk-nag,
 * CloudFormation Validate) and times each phase, charging it to the pattern whose stack it works on:
 *
 * - construction: the pattern's `build` (its stack's constructs), without the bundling inside it;
 * - bundling: esbuild for the pattern's handlers (`InProcessEsbuild.tryBundle`);
 * - cdk-nag: both packs' walk over the pattern's stack (the walk `NagPack.validate` does over the
 *   app, one stack at a time), and per rule;
 * - validation: CloudFormation Validate of the pattern's template.
 *
 * The first time any of these runs in a process it also pays for loading code (aws-cdk-lib loads
 * each service's module on first use; cdk-nag's rules touch about forty of them) and for warming
 * up, which the next pattern does not pay again. So each phase is then repeated on the warm process,
 * stack by stack, outside the measured synth: the warm time is a pattern's marginal cost, and the
 * cold total minus the warm sum is the phase's one-off cost, reported as shared.
 *
 * It prints one JSON line ({@link SynthProfile}); times are wall-clock milliseconds.
 */
import * as path from 'node:path';
import type { IPolicyValidationContextBeta1 } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { PatternConfig } from '../lib/shared/pattern';

/** One pattern's share of a synth. */
export interface PatternShare {
  readonly name: string;
  readonly stackId: string;
  readonly resources: number;
  readonly handlers: number;
  /** Construction within the measured synth (the first pattern also loads shared code). */
  readonly construction: number;
  /** Construction of the same stack again, on the warm process: the pattern's marginal cost. */
  readonly constructionWarm: number;
  readonly bundling: number;
  /** Both cdk-nag packs over the stack within the measured synth. */
  readonly nag: number;
  readonly nagWarm: number;
  /** CloudFormation Validate of the stack's template within the measured synth. */
  readonly validation: number;
  readonly validationWarm: number;
}

/** What {@link profileSynth} measures. */
export interface SynthProfile {
  /** Node.js and tsx start-up, until this script runs. */
  readonly startup: number;
  /** Loading aws-cdk-lib, cdk-nag and the app's modules. */
  readonly modules: number;
  /** Setting up the CloudFormation Validate engine (once per process). */
  readonly validationEngine: number;
  /** The rest of `app.synth()`: preparing, resolving and writing templates and assets. */
  readonly synthesis: number;
  /** From process start to the end of the measured synthesis. */
  readonly total: number;
  readonly patterns: readonly PatternShare[];
  /** Distinct resource types in the app's templates. */
  readonly types: number;
  /** cdk-nag time per rule id within the measured synth (first calls load the modules the rule checks). */
  readonly rules: Readonly<Record<string, number>>;
  /** cdk-nag time per rule id on the warm process, over the whole app once: the rules' cost per resource. */
  readonly rulesWarm: Readonly<Record<string, number>>;
}

type Phase = 'construction' | 'bundling' | 'nag' | 'validation';

/** Repeats of each phase on the warm process; the least is kept. */
const WARM_REPEATS = 3;

interface NagInternals {
  validate(context: IPolicyValidationContextBeta1): unknown;
  applyRule(params: { ruleSuffixOverride?: string; rule: { name: string } }): void;
  walkTree(node: IConstruct): void;
  violations: unknown[];
  packName: string;
}

interface Engine {
  validateTemplate(template: { name: string }, options: unknown): unknown;
}

interface ValidatorInternals {
  initializeEngine(types: unknown): Engine;
}

/** Synthesizes the app into `outdir` and returns where the time went. */
export function profileSynth(outdir: string): SynthProfile {
  const scriptStart = performance.now();
  const { App, CfnResource, CloudFormationValidatePlugin, Stack } = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
  const { AwsSolutionsChecks, ServerlessChecks } = require('cdk-nag') as typeof import('cdk-nag');
  const { buildApp } = require('../lib/app') as typeof import('../lib/app');
  const { PATTERNS } = require('../lib/patterns') as typeof import('../lib/patterns');
  const { InProcessEsbuild } = require('../lib/shared/handler-bundling') as typeof import('../lib/shared/handler-bundling');
  const modulesLoaded = performance.now();

  const shares = new Map<string, Record<Phase, number> & { handlers: number }>();
  const share = (stackId: string) => {
    let found = shares.get(stackId);
    if (!found) {
      found = { construction: 0, bundling: 0, nag: 0, validation: 0, handlers: 0 };
      shares.set(stackId, found);
    }
    return found;
  };
  const rules: Record<string, number> = {};
  const rulesWarm: Record<string, number> = {};
  let building: string | undefined;
  let engine = 0;
  let engineInstance: Engine | undefined;
  let measuring = true;
  let warmRules: Record<string, number> | undefined;

  // Bundling happens while a stack is constructed: charge it to bundling, not construction.
  const tryBundle = InProcessEsbuild.prototype.tryBundle;
  InProcessEsbuild.prototype.tryBundle = function (this: InstanceType<typeof InProcessEsbuild>, outputDir: string): boolean {
    const started = performance.now();
    try {
      return tryBundle.call(this, outputDir);
    } finally {
      const s = share(building ?? 'app');
      s.bundling += performance.now() - started;
      s.handlers++;
    }
  };

  // NagPack.validate walks the whole app once; walk it one top-level construct at a time instead.
  const packs: NagInternals[] = [];
  for (const Pack of [AwsSolutionsChecks, ServerlessChecks]) {
    const proto = Pack.prototype as unknown as NagInternals;
    proto.validate = function (this: NagInternals, context: IPolicyValidationContextBeta1) {
      packs.push(this);
      const app = (context as unknown as { appConstruct: IConstruct }).appConstruct;
      this.violations = [];
      for (const child of app.node.children) {
        const started = performance.now();
        this.walkTree(child);
        share(Stack.isStack(child) ? child.node.id : 'app').nag += performance.now() - started;
      }
      return { success: this.violations.length === 0, violations: this.violations };
    };
    const applyRule = proto.applyRule;
    proto.applyRule = function (this: NagInternals, params) {
      const into = measuring ? rules : warmRules;
      if (!into) return applyRule.call(this, params);
      const started = performance.now();
      try {
        return applyRule.call(this, params);
      } finally {
        const id = `${this.packName}-${params.ruleSuffixOverride ?? params.rule.name}`;
        into[id] = (into[id] ?? 0) + performance.now() - started;
      }
    };
  }

  // CloudFormation Validate: the engine once, then one template per stack.
  const validator = CloudFormationValidatePlugin.prototype as unknown as ValidatorInternals;
  const initializeEngine = validator.initializeEngine;
  validator.initializeEngine = function (this: ValidatorInternals, types: unknown) {
    const started = performance.now();
    const created = initializeEngine.call(this, types);
    engine += performance.now() - started;
    if (created !== engineInstance) {
      engineInstance = created;
      const validateTemplate = created.validateTemplate;
      created.validateTemplate = function (this: Engine, template, options) {
        const began = performance.now();
        try {
          return validateTemplate.call(this, template, options);
        } finally {
          if (measuring) share(path.basename(template.name).replace(/\.template\.json$/, '')).validation += performance.now() - began;
        }
      };
    }
    return created;
  };

  let patternConfig: PatternConfig | undefined;
  for (const pattern of PATTERNS) {
    const build = pattern.build;
    (pattern as { build: typeof build }).build = (scope, config) => {
      patternConfig = config;
      building = pattern.stackId;
      const started = performance.now();
      try {
        return build(scope, config);
      } finally {
        if (measuring) {
          const s = share(pattern.stackId);
          s.construction += performance.now() - started - s.bundling;
        }
        building = undefined;
      }
    };
  }

  const cdkJson = require('../cdk.json') as { context: Record<string, unknown> };
  const app = buildApp({ context: cdkJson.context, outdir });
  const synthStarted = performance.now();
  app.synth();
  const synthEnded = performance.now();
  measuring = false;

  // The same work again on the warm process, one stack at a time: each pattern's marginal cost
  // (the least of a few repeats, the least disturbed by whatever else the machine runs).
  const warm = new Map<string, { construction: number; nag: number; validation: number }>();
  const timed = (fn: () => unknown) => {
    const started = performance.now();
    fn();
    return performance.now() - started;
  };
  for (const pattern of PATTERNS) {
    const stack = app.node.findChild(pattern.stackId);
    const template = templateContent(path.join(outdir, `${pattern.stackId}.template.json`));
    const least = { construction: Number.POSITIVE_INFINITY, nag: Number.POSITIVE_INFINITY, validation: Number.POSITIVE_INFINITY };
    for (let i = 0; i < WARM_REPEATS; i++) {
      const scope = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
      least.construction = Math.min(
        least.construction,
        timed(() => pattern.build(scope, patternConfig as PatternConfig)),
      );
      least.nag = Math.min(
        least.nag,
        timed(() => {
          for (const pack of packs) pack.walkTree(stack);
        }),
      );
      least.validation = Math.min(
        least.validation,
        timed(() => engineInstance?.validateTemplate(template, { detailLevel: 'STANDARD', severityLevel: 'WARN' })),
      );
    }
    warm.set(pattern.stackId, least);
  }
  // One more warm walk over every stack, timing each rule.
  warmRules = rulesWarm;
  for (const pattern of PATTERNS) for (const pack of packs) pack.walkTree(app.node.findChild(pattern.stackId));
  warmRules = undefined;

  const sum = (phase: Phase) => [...shares.values()].reduce((total, s) => total + s[phase], 0);
  return {
    startup: scriptStart,
    modules: modulesLoaded - scriptStart,
    validationEngine: engine,
    synthesis: synthEnded - synthStarted - sum('nag') - sum('validation') - engine,
    total: synthEnded,
    types: new Set(
      app.node
        .findAll()
        .filter((c) => CfnResource.isCfnResource(c))
        .map((c) => (c as InstanceType<typeof CfnResource>).cfnResourceType),
    ).size,
    patterns: PATTERNS.map((pattern) => {
      const s = share(pattern.stackId);
      const w = warm.get(pattern.stackId) ?? { construction: 0, nag: 0, validation: 0 };
      return {
        name: pattern.name,
        stackId: pattern.stackId,
        resources: app.node
          .findChild(pattern.stackId)
          .node.findAll()
          .filter((c) => CfnResource.isCfnResource(c)).length,
        handlers: s.handlers,
        construction: s.construction,
        constructionWarm: w.construction,
        bundling: s.bundling,
        nag: s.nag,
        nagWarm: w.nag,
        validation: s.validation,
        validationWarm: w.validation,
      };
    }),
    rules,
    rulesWarm,
  };
}

/** A template file as CloudFormation Validate takes it. */
function templateContent(file: string): { name: string } {
  const aws = path.dirname(require.resolve('aws-cdk-lib/package.json'));
  const { TemplateContent } = require(require.resolve('@aws/cloudformation-validate', { paths: [aws] })) as {
    TemplateContent: new (content: string, name: string) => { name: string };
  };
  return new TemplateContent(require('node:fs').readFileSync(file, 'utf8'), file);
}

if (require.main === module) {
  const outdir = process.argv[2];
  if (!outdir) {
    console.error('usage: tsx scripts/bench-synth.ts <outdir>');
    process.exit(2);
  }
  // The bundler's progress lines go to stderr; the parent reads this one JSON line.
  process.stdout.write(`${JSON.stringify(profileSynth(outdir))}\n`);
}
