// The whole app as `cdk synth` builds it: bundling on, CloudFormation Validate on, cdk-nag packs on.
delete process.env.CDK_VALIDATION;

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { buildApp, STACK_IDS } from '../lib/app';
import { PATTERNS } from '../lib/patterns';
import { SCENARIOS } from '../scenarios';
import { PROFILE_CONTEXTS, patternParts, renderCostSummary, renderGuide, replaceBlock, TABLES } from '../scripts/docs';
import { CDK_JSON_CONTEXT } from './helpers';

interface Report {
  pluginReports: Array<{ pluginName: string; violations: unknown[]; summary?: { status?: string } }>;
}

interface PolicyDocument {
  Statement: Array<{ Action: string | string[]; Resource: unknown }>;
}

interface IamResource {
  Type: string;
  Properties: { PolicyDocument?: PolicyDocument; Policies?: Array<{ PolicyDocument: PolicyDocument }> };
}

interface FunctionResource {
  Type: string;
  Properties: { Code?: { S3Key?: string }; Environment?: { Variables?: Record<string, unknown> } };
}

/**
 * The only actions granted on Resource "*": X-Ray's writes, the network-interface actions Lambda checks
 * for functions and Amazon MQ event sources in a VPC (the AWSLambdaVPCAccessExecutionRole set plus the
 * Describe calls the MQ event source makes), the retention calls of CDK's log retention function, and
 * the CloudWatch Logs log-delivery actions a state machine needs to log, the ECR token an image pull
 * needs, and Batch ListJobs (all documented without resource types in the Service Authorization Reference).
 */
const STAR_RESOURCE_ACTIONS = new Set([
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeSubnets',
  'ec2:DescribeVpcs',
  'logs:PutRetentionPolicy',
  'logs:DeleteRetentionPolicy',
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
  'ecr:GetAuthorizationToken',
  'batch:ListJobs',
]);

const outdirs: string[] = [];
function outdir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'decoupling-app-'));
  outdirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

/** Stacks of the patterns that have handler sources (files of `lambda/<pattern>/` that export `handler`). */
const STACKS_WITH_HANDLERS = PATTERNS.filter((p) => {
  const dir = path.join(__dirname, '..', 'lambda', p.name);
  return (
    existsSync(dir) &&
    readdirSync(dir).some(
      (f) => /\.ts$/.test(f) && /export\s+(const|async\s+function|function)\s+handler\b/.test(readFileSync(path.join(dir, f), 'utf8')),
    )
  );
}).map((p) => p.stackId);

function report(dir: string): Report {
  return JSON.parse(readFileSync(path.join(dir, 'validation-report.json'), 'utf8'));
}

/** The assemblies of the describe.each below, by profile: the guides' diagrams and idle costs come from them. */
const assemblies: Partial<Record<'sandbox' | 'production', CloudAssembly>> = {};

describe.each([
  ['sandbox', PROFILE_CONTEXTS.sandbox, true],
  ['production with e-mail', PROFILE_CONTEXTS.production, false],
])('whole app, %s', (_name, context, isDefault) => {
  const dir = outdir();
  // As the CLI synthesizes: path metadata on (the diagrams label resources with their construct paths).
  const assembly = buildApp({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:enable-path-metadata': true, ...context }, outdir: dir }).synth();
  assemblies[isDefault ? 'sandbox' : 'production'] = assembly;

  test('one stack per pattern, with the fixed ids', () => {
    expect(assembly.stacks.map((s) => s.stackName).sort()).toEqual(Object.values(STACK_IDS).sort());
  });

  test('no CloudFormation Validate finding and no cdk-nag finding, error or warning', () => {
    const violations = report(dir).pluginReports.flatMap((r) => r.violations.map((v) => ({ plugin: r.pluginName, v })));
    expect(violations).toEqual([]);
  });

  test('IAM: no wildcard action anywhere, and Resource "*" only for actions without resource-level permissions', () => {
    for (const stack of assembly.stacks) {
      for (const [id, resource] of Object.entries(stack.template.Resources as Record<string, IamResource>)) {
        if (resource.Type !== 'AWS::IAM::Policy' && resource.Type !== 'AWS::IAM::Role') continue;
        const documents =
          resource.Type === 'AWS::IAM::Policy'
            ? [resource.Properties.PolicyDocument]
            : (resource.Properties.Policies ?? []).map((p) => p.PolicyDocument);
        for (const document of documents) {
          if (!document) continue;
          for (const statement of document.Statement) {
            const actions: string[] = [statement.Action].flat();
            expect([stack.stackName, id, actions.filter((a) => a === '*' || a.endsWith(':*'))]).toEqual([stack.stackName, id, []]);
            if (statement.Resource === '*')
              expect([stack.stackName, id, actions.filter((a) => !STAR_RESOURCE_ACTIONS.has(a))]).toEqual([stack.stackName, id, []]);
          }
        }
      }
    }
  });

  // What a check before a run against a deployed stack looks for (decoupling smoke); the local
  // scenario tests check that a scenario reads no output it does not declare (test/run-locally.ts).
  test.each(Object.values(SCENARIOS).map((s) => [s.pattern, s] as const))(
    'the outputs the %s scenario declares it reads are outputs of its stack',
    (_pattern, scenario) => {
      const outputs = Object.keys(assembly.getStackByName(scenario.stack).template.Outputs ?? {});
      expect(scenario.outputs.filter((key) => !outputs.includes(key))).toEqual([]);
      expect(new Set(scenario.outputs).size).toBe(scenario.outputs.length);
      // What a stack deployed with other context may lack is among what is declared.
      expect((scenario.optionalOutputs ?? []).filter((key) => !scenario.outputs.includes(key))).toEqual([]);
    },
  );

  test('each handler bundle is at most 150 KB and carries a source map', () => {
    const handlers = assembly.stacks.flatMap((stack) =>
      Object.values(stack.template.Resources as Record<string, FunctionResource>)
        .filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME !== undefined)
        .map((r) => ({
          stack: stack.stackName,
          bundle: path.join(dir, `asset.${String(r.Properties.Code?.S3Key).replace(/\.zip$/, '')}`, 'index.js'),
        })),
    );
    // Every pattern with handler sources deploys at least one bundled handler: the check below saw them.
    expect(STACKS_WITH_HANDLERS.filter((id) => !handlers.some((h) => h.stack === id))).toEqual([]);
    for (const { bundle } of handlers) {
      expect([bundle, statSync(bundle).size <= 150 * 1024]).toEqual([bundle, true]);
      expect(statSync(`${bundle}.map`).size).toBeGreaterThan(0);
    }
  });
});

describe("the guides' diagrams and idle costs, and the README's cost summary, from these syntheses", () => {
  const parts = () => patternParts(assemblies.sandbox?.stacks ?? [], assemblies.production?.stacks ?? []);

  test.each(TABLES.map((t) => [t.file, t] as const))('%s is current (npm run docs)', (file, table) => {
    const text = readFileSync(path.join(__dirname, '..', file), 'utf8');
    expect(renderGuide(text, table, parts().get(table.name))).toBe(text);
  });

  test('README.md cost summary is current (npm run docs)', () => {
    const text = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    // A fork's README (one pattern) has no summary: its guide has the table.
    if (PATTERNS.length === 1 && !text.includes('<!-- BEGIN readme:costs -->')) return;
    expect(replaceBlock(text, 'costs', renderCostSummary(parts()), 'readme')).toBe(text);
  });
});

// The patterns' opt-in variants (`test/<pattern>/variants.ts`, when a pattern has one) share one
// synthesis, so that CloudFormation Validate runs once for all of them. This file names no pattern:
// a fork keeps it, with its own pattern's variants (a fork whose pattern has none skips the block).
const VARIANT_FILES = PATTERNS.map((p) => [p.name, path.join(__dirname, p.name, 'variants.ts')] as const).filter(([, file]) =>
  existsSync(file),
);
(VARIANT_FILES.length > 0 ? describe : describe.skip)(
  "the registered patterns' opt-in variants, with CloudFormation Validate and cdk-nag",
  () => {
    const dir = outdir();
    const app = new App({ context: CDK_JSON_CONTEXT, outdir: dir });
    const checks = VARIANT_FILES.map(([name, file]) => {
      const { addVariants } = require(file) as { addVariants: (app: App) => (assembly: CloudAssembly) => void };
      return [name, addVariants(app)] as const;
    });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
    const assembly = app.synth();

    test.each(checks)('%s: its variants are built as expected', (_name, check) => {
      check(assembly);
    });

    test('no CloudFormation Validate or cdk-nag finding in any variant', () => {
      const violations = report(dir).pluginReports.flatMap((r) => r.violations.map((v) => ({ plugin: r.pluginName, v })));
      expect(violations).toEqual([]);
    });
  },
);

describe('the checks bite', () => {
  test('a queue without TLS enforcement or DLQ fails synth with the nag rule ids', () => {
    const app = new App({ context: CDK_JSON_CONTEXT, outdir: outdir() });
    const stack = new Stack(app, 'Bad');
    new sqs.Queue(stack, 'Plain', { encryption: sqs.QueueEncryption.SQS_MANAGED });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS3[\s\S]*AwsSolutions-SQS4|AwsSolutions-SQS4[\s\S]*AwsSolutions-SQS3/);
  });

  test('an invalid template fails synth through CloudFormation Validate', () => {
    const app = new App({ context: CDK_JSON_CONTEXT, outdir: outdir() });
    const stack = new Stack(app, 'Invalid');
    new sqs.CfnQueue(stack, 'Broken', { delaySeconds: 901 });
    expect(() => app.synth()).toThrow(/Validation failed|DelaySeconds/);
  });
});
